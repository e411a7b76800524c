#include "cni/netlink/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::cni {

Result<std::string> ReadSysctl(std::string_view key) {
  std::string path = "/proc/sys/" + std::string(key);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string msg = "read sysctl " + path + ": " + std::strerror(e);
    return e == ENOENT ? NotFound(msg) : Internal(msg);
  }
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) return Internal("read sysctl " + path + ": " + std::strerror(errno));
  std::string v(buf, static_cast<size_t>(n));
  while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
    v.pop_back();
  return v;
}

Status EnsureSysctl(std::string_view key, std::string_view value) {
  auto current = ReadSysctl(key);
  if (current.ok() && *current == value) return Status::Ok();
  std::string path = "/proc/sys/" + std::string(key);
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Internal("write sysctl " + path + ": " + std::strerror(errno));
  ssize_t n = write(fd, value.data(), value.size());
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return Internal("write sysctl " + path + "=" + std::string(value) + ": " + std::strerror(e));
  }
  return Status::Ok();
}

}  // namespace skiff::cni
