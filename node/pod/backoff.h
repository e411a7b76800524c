// Crash-loop back-off per container, as kubelet keeps it: the first restart
// after a crash is immediate; each further one waits `initial`, then twice
// that, ... up to `max`, counted from the moment the container finished. An
// entry untouched for 2*max is forgotten (the next crash starts over).
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace skiff::node {

class CrashBackoff {
 public:
  using Clock = std::chrono::system_clock;
  CrashBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max) {}

  // How long a restart of `key`, whose last instance finished at `finished`,
  // must still wait at `now` (zero: go ahead).
  std::chrono::milliseconds Remaining(const std::string& key, Clock::time_point finished,
                                      Clock::time_point now) const;
  // Records a restart after the instance that finished at `finished`: the
  // next wait doubles (or starts at `initial`).
  void Next(const std::string& key, Clock::time_point finished, Clock::time_point now);
  // The wait a restart currently incurs (for messages); zero when none.
  std::chrono::milliseconds Current(const std::string& key, Clock::time_point now) const;
  void Forget(const std::string& key);
  // Forgets every key "<uid>/..." (a pod's containers).
  void ForgetPod(const std::string& uid);

 private:
  struct Entry {
    std::chrono::milliseconds delay{0};
    Clock::time_point last_update;
  };
  bool Expired(const Entry& e, Clock::time_point now) const {
    return now - e.last_update > 2 * max_;
  }

  std::chrono::milliseconds initial_, max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// "10s", "1m20s", "5m0s": Go's duration format, as kubelet prints back-offs.
std::string FormatGoDuration(std::chrono::milliseconds d);

}  // namespace skiff::node
