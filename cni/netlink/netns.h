// Network namespace handles: open a netns by path and run code inside it on
// the calling thread. setns(CLONE_NEWNET) only changes the calling thread, so
// a NetnsGuard must be created and destroyed on the same thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::cni {

class Netns {
 public:
  // Opens `path` (e.g. /var/run/netns/x or /proc/PID/ns/net) and checks that it
  // is a network namespace. NOT_FOUND when the path does not exist,
  // INVALID_ARGUMENT when it is not a network namespace.
  static Result<Netns> Open(std::string_view path);
  // The calling thread's current network namespace.
  static Result<Netns> Current();

  Netns(Netns&& other) noexcept;
  Netns& operator=(Netns&& other) noexcept;
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  Netns(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Switches the calling thread into `target` and back on destruction. If
// switching back fails the process aborts: continuing in the wrong namespace
// would configure the wrong host.
class NetnsGuard {
 public:
  static Result<NetnsGuard> Enter(const Netns& target);
  NetnsGuard(NetnsGuard&& other) noexcept;
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  NetnsGuard& operator=(NetnsGuard&&) = delete;
  ~NetnsGuard();

 private:
  explicit NetnsGuard(Netns original) : original_(std::move(original)) {}
  Netns original_;
  bool active_ = true;
};

}  // namespace skiff::cni
