#include "node/runtime/exit_monitor.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::node {

ExitMonitor::ExitMonitor() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { Loop(); });
}

ExitMonitor::~ExitMonitor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  for (auto& [token, w] : watches_)
    close(w.fd);
  close(wake_fd_);
  close(epfd_);
}

Result<uint64_t> ExitMonitor::Add(int pidfd, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  uint64_t token = next_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, pidfd, &ev) != 0) {
    int err = errno;
    close(pidfd);
    return Internal(std::string("epoll_ctl: ") + std::strerror(err));
  }
  watches_[token] = Watch{pidfd, std::move(fn)};
  return token;
}

void ExitMonitor::Remove(uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = watches_.find(token);
  if (it == watches_.end()) return;
  epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  close(it->second.fd);
  watches_.erase(it);
}

void ExitMonitor::Post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void ExitMonitor::Loop() {
  epoll_event events[32];
  for (;;) {
    int n = epoll_wait(epfd_, events, 32, -1);
    if (n < 0 && errno != EINTR) return;
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      for (int i = 0; i < n; ++i) {
        uint64_t token = events[i].data.u64;
        if (token == 0) {
          uint64_t v;
          ssize_t ignored = read(wake_fd_, &v, sizeof v);
          (void)ignored;
          continue;
        }
        auto it = watches_.find(token);
        if (it == watches_.end()) continue;
        epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
        close(it->second.fd);
        run.push_back(std::move(it->second.fn));
        watches_.erase(it);
      }
      for (auto& f : posted_)
        run.push_back(std::move(f));
      posted_.clear();
    }
    for (auto& f : run)
      f();
  }
}

}  // namespace skiff::node
