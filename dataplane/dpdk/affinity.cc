#include "dataplane/dpdk/affinity.h"

#include <bit>
#include <cstring>

#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {
namespace {

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class SpinGuard {
 public:
  explicit SpinGuard(std::atomic<bool>& l) : l_(l) {
    while (l_.exchange(true, std::memory_order_acquire))
      while (l_.load(std::memory_order_relaxed))
        Pause();
  }
  ~SpinGuard() { l_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool>& l_;
};

size_t AddrLen(uint8_t family) {
  return family == kFamily4 ? 4 : 16;
}

}  // namespace

AffinityTable::AffinityTable(uint32_t entries) {
  nbuckets_ = std::bit_ceil(std::max<uint64_t>(1, (entries + kWays - 1) / kWays));
  buckets_ = std::make_unique<Bucket[]>(nbuckets_);
  for (uint64_t i = 0; i < nbuckets_; ++i)
    std::memset(buckets_[i].e, 0, sizeof(buckets_[i].e));
}

AffinityTable::Bucket& AffinityTable::BucketFor(const uint8_t* client, uint8_t family,
                                                uint32_t svc_id) {
  uint64_t a = 0, b = 0;
  std::memcpy(&a, client, 8);
  if (family != kFamily4) std::memcpy(&b, client + 8, 8);
  uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^
               (uint64_t{svc_id} * 0x165667b19e3779f9ull) ^ family;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return buckets_[h & (nbuckets_ - 1)];
}

bool AffinityTable::Match(const Entry& e, const uint8_t* client, uint8_t family, uint32_t svc_id) {
  return e.svc_id == svc_id && e.family == family &&
         std::memcmp(e.client, client, AddrLen(family)) == 0;
}

uint32_t AffinityTable::Get(const uint8_t* client, uint8_t family, uint32_t svc_id, uint32_t now_s,
                            uint32_t timeout_s) {
  if (svc_id == 0) return 0;
  Bucket& bk = BucketFor(client, family, svc_id);
  SpinGuard g(bk.lock);
  for (Entry& e : bk.e) {
    if (!Match(e, client, family, svc_id)) continue;
    if (now_s - e.last_s > timeout_s) return 0;
    e.last_s = now_s;
    return e.backend_id;
  }
  return 0;
}

void AffinityTable::Put(const uint8_t* client, uint8_t family, uint32_t svc_id, uint32_t backend_id,
                        uint32_t now_s) {
  if (svc_id == 0) return;
  Bucket& bk = BucketFor(client, family, svc_id);
  SpinGuard g(bk.lock);
  Entry* victim = nullptr;
  for (Entry& e : bk.e)
    if (Match(e, client, family, svc_id)) victim = &e;
  for (Entry& e : bk.e) {
    if (victim) break;
    if (e.svc_id == 0) victim = &e;
  }
  if (!victim) {
    victim = &bk.e[0];
    for (Entry& e : bk.e)
      if (now_s - e.last_s > now_s - victim->last_s) victim = &e;
  }
  std::memset(victim->client, 0, sizeof(victim->client));
  std::memcpy(victim->client, client, AddrLen(family));
  victim->svc_id = svc_id;
  victim->family = family;
  victim->backend_id = backend_id;
  victim->last_s = now_s;
}

}  // namespace skiff::dataplane::dpdk
