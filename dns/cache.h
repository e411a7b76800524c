// ResponseCache: a bounded, TTL-respecting cache of upstream answers keyed by
// CacheKey() (name, type, class, DO/CD). Positive and negative answers share
// the capacity; each shard evicts its least recently used entry when full
// and drops expired entries when they are looked up.
//
// Thread-safety: all methods are safe from any thread; the key space is
// split into shards with a mutex each, so workers rarely contend.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/upstream_answer.h"

namespace skiff::dns {

class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;
  // capacity 0 disables caching (Get always misses, Put does nothing).
  explicit ResponseCache(size_t capacity, size_t shards = 16);

  // The entry for `key` when present and not expired at `now`.
  std::shared_ptr<const UpstreamAnswer> Get(std::string_view key, Clock::time_point now);
  // Stores `a` for a.cache_ttl seconds from a.fetched; cache_ttl 0 is ignored.
  void Put(std::string_view key, std::shared_ptr<const UpstreamAnswer> a);

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct Entry {
    std::string key;
    std::shared_ptr<const UpstreamAnswer> answer;
    Clock::time_point expires;
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::list<Entry> lru;  // front: most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator, Hash, std::equal_to<>> index;
  };
  Shard& ShardFor(std::string_view key);

  const size_t capacity_;
  const size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace skiff::dns
