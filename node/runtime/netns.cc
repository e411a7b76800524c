#include "node/runtime/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "node/runtime/fs.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace skiff::node {

Status PrepareNetnsDir(const std::string& dir) {
  SKIFF_RETURN_IF_ERROR(MakeDirs(dir, 0755));
  if (mount(nullptr, dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) == 0) return Status::Ok();
  if (errno != EINVAL) return ErrnoStatus("make shared", dir, errno);
  // Not a mount point yet: bind it onto itself first, as iproute2 does.
  if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
    return ErrnoStatus("bind mount", dir, errno);
  }
  if (mount(nullptr, dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) != 0) {
    return ErrnoStatus("make shared", dir, errno);
  }
  return Status::Ok();
}

bool IsNetnsMounted(const std::string& path) {
  struct statfs fs;
  return statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

Result<std::string> CreateNetns(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  if (IsNetnsMounted(path)) return Status(StatusCode::kAlreadyExists, "netns " + path + " exists");
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd < 0) return ErrnoStatus("create", path, errno);
  close(fd);
  // unshare() changes only the calling thread's namespace: do it on a
  // short-lived thread so the agent's other threads stay where they are.
  Status result;
  std::thread worker([&]() {
    if (unshare(CLONE_NEWNET) != 0) {
      result = ErrnoStatus("unshare network namespace for", path, errno);
      return;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
      if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
      }
      close(s);
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      result = ErrnoStatus("bind mount network namespace on", path, errno);
    }
  });
  worker.join();
  if (!result.ok()) {
    unlink(path.c_str());
    return result;
  }
  return path;
}

Status DeleteNetns(const std::string& path) {
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoStatus("unmount", path, errno);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

}  // namespace skiff::node
