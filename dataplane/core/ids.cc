#include "dataplane/core/ids.h"

namespace skiff::dataplane {

uint32_t IdAllocator::Allocate() {
  auto now = std::chrono::steady_clock::now();
  while (!cooling_.empty() && now - cooling_.front().second >= quarantine_) {
    ReleaseNow(cooling_.front().first);
    cooling_.pop_front();
  }
  if (!free_.empty()) {
    uint32_t id = *free_.begin();
    free_.erase(free_.begin());
    return id;
  }
  if (next_ >= max_) return 0;
  return next_++;
}

void IdAllocator::MarkUsed(uint32_t id) {
  if (id == 0 || id >= max_) return;
  if (id >= next_) {
    for (uint32_t i = next_; i < id; ++i)
      free_.insert(i);
    next_ = id + 1;
  } else {
    free_.erase(id);
  }
}

void IdAllocator::Release(uint32_t id) {
  if (quarantine_.count() > 0) {
    cooling_.emplace_back(id, std::chrono::steady_clock::now());
    return;
  }
  ReleaseNow(id);
}

void IdAllocator::ReleaseNow(uint32_t id) {
  if (id == 0 || id >= next_) return;
  if (id == next_ - 1) {
    --next_;
    while (next_ > 1 && free_.erase(next_ - 1))
      --next_;
  } else {
    free_.insert(id);
  }
}

}  // namespace skiff::dataplane
