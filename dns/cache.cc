#include "dns/cache.h"

#include <algorithm>

#include "dns/wire.h"

namespace skiff::dns {

size_t ResponseCache::Hash::operator()(std::string_view s) const {
  return HashName(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

ResponseCache::ResponseCache(size_t capacity, size_t shards)
    : capacity_(capacity), per_shard_(std::max<size_t>(1, (capacity + shards - 1) / shards)) {
  for (size_t i = 0; i < shards; ++i)
    shards_.push_back(std::make_unique<Shard>());
}

ResponseCache::Shard& ResponseCache::ShardFor(std::string_view key) {
  // High bits: the index inside the shard uses the low ones.
  return *shards_[(Hash{}(key) >> 48) % shards_.size()];
}

std::shared_ptr<const UpstreamAnswer> ResponseCache::Get(std::string_view key,
                                                         Clock::time_point now) {
  if (capacity_ == 0) return nullptr;
  Shard& s = ShardFor(key);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) return nullptr;
  if (it->second->expires <= now) {
    s.lru.erase(it->second);
    s.index.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  return it->second->answer;
}

void ResponseCache::Put(std::string_view key, std::shared_ptr<const UpstreamAnswer> a) {
  if (capacity_ == 0 || a == nullptr || a->cache_ttl == 0) return;
  Clock::time_point expires = a->fetched + std::chrono::seconds(a->cache_ttl);
  Shard& s = ShardFor(key);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it != s.index.end()) {
    it->second->answer = std::move(a);
    it->second->expires = expires;
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return;
  }
  if (s.lru.size() >= per_shard_) {
    s.index.erase(s.lru.back().key);
    s.lru.pop_back();
    size_.fetch_sub(1, std::memory_order_relaxed);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  s.lru.push_front(Entry{std::string(key), std::move(a), expires});
  s.index.emplace(s.lru.front().key, s.lru.begin());
  size_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace skiff::dns
