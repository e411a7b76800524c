// ExitMonitor: one thread waiting on pidfds (epoll) and calling a callback
// when a process exits. pidfds work for processes that are not our children,
// which is how an agent restarted by hand or by systemd keeps watching the
// containers it adopted.
//
// Thread-safety: Add/Remove/Post from any thread; callbacks run on the
// monitor thread, one at a time, and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace skiff::node {

class ExitMonitor {
 public:
  ExitMonitor();
  ~ExitMonitor();  // stops the thread; pending callbacks are dropped
  ExitMonitor(const ExitMonitor&) = delete;
  ExitMonitor& operator=(const ExitMonitor&) = delete;

  // Takes ownership of `pidfd`; `fn` runs once when it becomes readable.
  // Returns a token for Remove.
  Result<uint64_t> Add(int pidfd, std::function<void()> fn);
  // Cancels a pending watch (no-op when it already fired).
  void Remove(uint64_t token);
  // Runs `fn` on the monitor thread soon.
  void Post(std::function<void()> fn);

 private:
  void Loop();

  int epfd_ = -1;
  int wake_fd_ = -1;
  std::mutex mu_;
  struct Watch {
    int fd;
    std::function<void()> fn;
  };
  std::map<uint64_t, Watch> watches_;
  std::vector<std::function<void()>> posted_;
  uint64_t next_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace skiff::node
