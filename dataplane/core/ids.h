// Dense id allocation for map indexes (svc_id, set_id, backend_id): ids are
// 1..max-1 (0 means "none" in every map), freed ids are reused lowest first
// so per-CPU counter arrays stay small. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>

namespace skiff::dataplane {

// With a quarantine, a released id is handed out again only after that
// much time: the data plane may still be reading what the id named (e.g. a
// Maglev table) for an instant after the last reference to it was replaced.
class IdAllocator {
 public:
  explicit IdAllocator(uint32_t max,
                       std::chrono::milliseconds quarantine = std::chrono::milliseconds(0))
      : max_(max), quarantine_(quarantine) {}
  // 0 when every id below max is in use.
  uint32_t Allocate();
  // Marks an id taken by someone else (adopted from pinned maps).
  void MarkUsed(uint32_t id);
  // Returns an id that was published (goes through the quarantine).
  void Release(uint32_t id);
  // Returns an id that was never published (no quarantine).
  void ReleaseNow(uint32_t id);
  uint32_t max() const { return max_; }

 private:
  uint32_t max_;
  std::chrono::milliseconds quarantine_;
  uint32_t next_ = 1;
  std::set<uint32_t> free_;
  std::deque<std::pair<uint32_t, std::chrono::steady_clock::time_point>> cooling_;
};

}  // namespace skiff::dataplane
