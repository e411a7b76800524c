#include "node/runtime/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::node {

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  StatusCode code = StatusCode::kInternal;
  if (err == ENOENT) code = StatusCode::kNotFound;
  if (err == EACCES || err == EPERM) code = StatusCode::kPermissionDenied;
  if (err == EEXIST) code = StatusCode::kAlreadyExists;
  return Status(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("read", path, errno);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return ErrnoStatus("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

static Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view data, int mode, bool sync) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("create", tmp, errno);
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && sync && fsync(fd) != 0) st = ErrnoStatus("fsync", tmp, errno);
  if (st.ok() && fchmod(fd, mode) != 0) st = ErrnoStatus("chmod", tmp, errno);
  close(fd);
  if (st.ok() && rename(tmp.c_str(), path.c_str()) != 0) st = ErrnoStatus("rename", path, errno);
  if (!st.ok()) unlink(tmp.c_str());
  return st;
}

Status WriteKnob(const std::string& path, std::string_view value) {
  // O_TRUNC as runc does: harmless on cgroupfs/sysfs, right for plain files.
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  ssize_t n;
  do {
    n = write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) return ErrnoStatus("write \"" + std::string(value) + "\" to", path, err);
  return Status::Ok();
}

bool MarkTopDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok && !(flags & FS_TOPDIR_FL)) {
    flags |= FS_TOPDIR_FL;
    ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  close(fd);
  return ok;
}

Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return Status::Ok();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return FailedPrecondition("not a directory: " + path);
  }
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    SKIFF_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash), mode));
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", path, errno);
  return Status::Ok();
}

static Status RemoveAt(int parent, const char* name, const std::string& path, dev_t dev) {
  struct stat st;
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::Ok() : ErrnoStatus("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev) return FailedPrecondition("refusing to remove a mount point: " + path);
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    DIR* d = fdopendir(fd);
    if (!d) {
      close(fd);
      return ErrnoStatus("opendir", path, errno);
    }
    Status result;
    while (dirent* e = readdir(d)) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      Status s = RemoveAt(dirfd(d), e->d_name, path + "/" + e->d_name, dev);
      if (!s.ok() && result.ok()) result = s;
    }
    closedir(d);
    if (!result.ok()) return result;
    if (unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return ErrnoStatus("rmdir", path, errno);
    }
    return Status::Ok();
  }
  if (unlinkat(parent, name, 0) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::Ok() : ErrnoStatus("stat", path, errno);
  }
  return RemoveAt(AT_FDCWD, path.c_str(), path, st.st_dev);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = opendir(path.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    out.emplace_back(e->d_name);
  }
  closedir(d);
  return out;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace skiff::node
