// Periodic probe execution for every container on the node: a timer thread
// and a small pool of workers (probes block for up to their timeout, so a
// few run side by side), and the success/failure threshold logic of kubelet.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace skiff::node {

// Runs tasks periodically. Thread-safe; tasks run on pool threads and must
// tolerate running after Cancel() returned (they should hold what they need).
class Prober {
 public:
  explicit Prober(int threads = 4);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // First run after `initial_delay`, then `period` after each run finished.
  uint64_t Schedule(std::chrono::milliseconds initial_delay, std::chrono::milliseconds period,
                    std::function<void()> task);
  void Cancel(uint64_t id);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::chrono::milliseconds period;
    std::function<void()> task;
    bool running = false;
  };
  void TimerLoop();
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable timer_cv_, work_cv_;
  std::map<uint64_t, Entry> entries_;
  std::set<std::pair<Clock::time_point, uint64_t>> due_;
  std::deque<uint64_t> ready_;
  uint64_t next_ = 1;
  bool stop_ = false;
  std::thread timer_;
  std::vector<std::thread> workers_;
};

// Kubelet's result bookkeeping for one probe of one container instance: a
// result is reported once it repeats successThreshold (success) or
// failureThreshold (failure) times in a row. Liveness starts reported as
// success, readiness as failure, startup as unknown.
class ProbeTracker {
 public:
  enum class Kind { kLiveness, kReadiness, kStartup };
  ProbeTracker(Kind kind, int success_threshold, int failure_threshold);
  // Feeds one raw result; true when the reported result changed.
  bool Observe(bool success);
  // nullopt: unknown.
  std::optional<bool> reported() const { return reported_; }
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
  int success_threshold_, failure_threshold_;
  std::optional<bool> reported_;
  std::optional<bool> last_;
  int run_ = 0;
};

}  // namespace skiff::node
