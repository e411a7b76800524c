// Expectations: how many pod creations and deletions a controller has asked
// for and not yet seen through its informer (client-go's
// ControllerExpectations). While a key's expectations are pending, the
// controller must not scale again from its (stale) cache, or it would create
// or delete twice. Expectations expire after a timeout so a lost event cannot
// block a controller forever. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace skiff::controllers {

class Expectations {
 public:
  explicit Expectations(std::chrono::seconds ttl = std::chrono::seconds(60)) : ttl_(ttl) {}

  void Expect(const std::string& key, int adds, int deletes);
  void CreationObserved(const std::string& key);
  void DeletionObserved(const std::string& key);
  // Lowers the expectation when a request failed (nothing will be observed).
  void CreationFailed(const std::string& key) { CreationObserved(key); }
  void DeletionFailed(const std::string& key) { DeletionObserved(key); }
  // True when nothing is pending (or the expectation expired).
  bool Satisfied(const std::string& key);
  void Forget(const std::string& key);

 private:
  struct Entry {
    int adds = 0;
    int deletes = 0;
    std::chrono::steady_clock::time_point set;
  };
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace skiff::controllers
