// ClientIP session affinity shared by all worker lcores: (client address,
// svc_id) -> backend id, with a last-used time. RSS spreads one client's
// connections over lcores, so the table cannot be per lcore; it is touched
// only when a flow of an affinity Service starts (never on the established
// flow path), so short per-bucket spinlocks are cheap.
//
// Fixed size, no allocation after construction: 4-way buckets; a Put into
// a full bucket replaces its least recently used entry. Entries expire
// logically (Get checks the timeout), so nothing sweeps the table.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace skiff::dataplane::dpdk {

class AffinityTable {
 public:
  // Room for about `entries` clients (rounded up to a power of two).
  explicit AffinityTable(uint32_t entries);

  // The backend remembered for this client and service when it was used
  // within `timeout_s` of `now_s`; refreshes its time. 0 when none.
  uint32_t Get(const uint8_t* client, uint8_t family, uint32_t svc_id, uint32_t now_s,
               uint32_t timeout_s);
  void Put(const uint8_t* client, uint8_t family, uint32_t svc_id, uint32_t backend_id,
           uint32_t now_s);
  uint32_t capacity() const { return static_cast<uint32_t>(nbuckets_ * kWays); }

 private:
  static constexpr int kWays = 4;
  struct Entry {
    uint8_t client[16];
    uint32_t svc_id;  // 0 = free
    uint32_t backend_id;
    uint32_t last_s;
    uint8_t family;
  };
  struct alignas(64) Bucket {
    std::atomic<bool> lock{false};
    Entry e[kWays];
  };
  Bucket& BucketFor(const uint8_t* client, uint8_t family, uint32_t svc_id);
  static bool Match(const Entry& e, const uint8_t* client, uint8_t family, uint32_t svc_id);

  std::unique_ptr<Bucket[]> buckets_;
  uint64_t nbuckets_ = 0;
};

}  // namespace skiff::dataplane::dpdk
