// WorkQueue: the controllers' queue of keys to reconcile (client-go's
// rate-limited work queue). A key is queued at most once; a key being
// processed that is added again is processed again after Done(); failed keys
// come back after an exponential delay (AddRateLimited).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace skiff::controllers {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Re-queues after 5 ms * 2^failures, capped at 30 s.
  void AddRateLimited(const std::string& key);
  // Resets the failure count of a key that succeeded.
  void Forget(const std::string& key);

  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  size_t size() const;

 private:
  void PromoteDue();  // under mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_, processing_, dirty_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutdown_ = false;
};

}  // namespace skiff::controllers
