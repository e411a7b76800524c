#include "cni/netlink/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

namespace skiff::cni {

Result<Netns> Netns::Open(std::string_view path) {
  std::string p(path);
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string msg = "cannot open netns \"" + p + "\": " + std::strerror(e);
    if (e == ENOENT) return NotFound(msg);
    return InvalidArgument(msg);
  }
  struct statfs fs;
  bool is_ns =
      fstatfs(fd, &fs) == 0 && (fs.f_type == static_cast<decltype(fs.f_type)>(NSFS_MAGIC) ||
                                fs.f_type == static_cast<decltype(fs.f_type)>(PROC_SUPER_MAGIC));
  if (is_ns) {
    int type = ioctl(fd, NS_GET_NSTYPE);
    is_ns = type == CLONE_NEWNET;
  }
  if (!is_ns) {
    close(fd);
    return InvalidArgument("\"" + p + "\" is not a network namespace");
  }
  return Netns(fd, std::move(p));
}

Result<Netns> Netns::Current() {
  return Open("/proc/thread-self/ns/net");
}

Netns::Netns(Netns&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

Netns& Netns::operator=(Netns&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

Netns::~Netns() {
  if (fd_ >= 0) close(fd_);
}

Result<NetnsGuard> NetnsGuard::Enter(const Netns& target) {
  auto current = Netns::Current();
  if (!current.ok()) return current.status();
  if (setns(target.fd(), CLONE_NEWNET) != 0) {
    return Internal("cannot enter netns \"" + target.path() + "\": " + std::strerror(errno));
  }
  return NetnsGuard(std::move(*current));
}

NetnsGuard::NetnsGuard(NetnsGuard&& other) noexcept : original_(std::move(other.original_)) {
  other.active_ = false;
}

NetnsGuard::~NetnsGuard() {
  if (!active_) return;
  if (setns(original_.fd(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "skiff-cni: cannot return to the original netns: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

}  // namespace skiff::cni
