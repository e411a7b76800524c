// Dense id allocation for map indexes (svc_id, set_id, backend_id): ids are
// 1..max-1 (0 means "none" in every map), freed ids are reused lowest first
// so per-CPU counter arrays stay small. Not thread-safe.
#pragma once

#include <cstdint>
#include <set>

namespace skiff::dataplane {

class IdAllocator {
 public:
  explicit IdAllocator(uint32_t max) : max_(max) {}
  // 0 when every id below max is in use.
  uint32_t Allocate();
  // Marks an id taken by someone else (adopted from pinned maps).
  void MarkUsed(uint32_t id);
  void Release(uint32_t id);
  uint32_t max() const { return max_; }

 private:
  uint32_t max_;
  uint32_t next_ = 1;
  std::set<uint32_t> free_;
};

}  // namespace skiff::dataplane
