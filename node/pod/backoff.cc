#include "node/pod/backoff.h"

#include <algorithm>

namespace skiff::node {

std::chrono::milliseconds CrashBackoff::Remaining(const std::string& key,
                                                  Clock::time_point finished,
                                                  Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, now)) return std::chrono::milliseconds(0);
  auto since = std::chrono::duration_cast<std::chrono::milliseconds>(now - finished);
  if (since >= it->second.delay) return std::chrono::milliseconds(0);
  return it->second.delay - since;
}

void CrashBackoff::Next(const std::string& key, Clock::time_point finished, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, now)) {
    entries_[key] = Entry{initial_, finished};
    return;
  }
  it->second.delay = std::min(it->second.delay * 2, max_);
  it->second.last_update = finished;
}

std::chrono::milliseconds CrashBackoff::Current(const std::string& key,
                                                Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, now)) return std::chrono::milliseconds(0);
  return it->second.delay;
}

void CrashBackoff::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

void CrashBackoff::ForgetPod(const std::string& uid) {
  std::lock_guard lock(mu_);
  std::string prefix = uid + "/";
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.rfind(prefix, 0) == 0;) {
    it = entries_.erase(it);
  }
}

std::string FormatGoDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  int64_t s = ms / 1000, frac = ms % 1000;
  int64_t h = s / 3600, m = (s % 3600) / 60;
  s %= 60;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    std::string f = std::to_string(frac + 1000).substr(1);
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    out += "." + f;
  }
  return out + "s";
}

}  // namespace skiff::node
