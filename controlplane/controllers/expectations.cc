#include "controlplane/controllers/expectations.h"

namespace skiff::controllers {

void Expectations::Expect(const std::string& key, int adds, int deletes) {
  std::lock_guard lock(mu_);
  entries_[key] = Entry{adds, deletes, std::chrono::steady_clock::now()};
}

void Expectations::CreationObserved(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.adds > 0) --it->second.adds;
}

void Expectations::DeletionObserved(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.deletes > 0) --it->second.deletes;
}

bool Expectations::Satisfied(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return true;
  if (it->second.adds <= 0 && it->second.deletes <= 0) return true;
  return std::chrono::steady_clock::now() - it->second.set > ttl_;
}

void Expectations::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

}  // namespace skiff::controllers
