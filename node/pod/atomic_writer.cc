#include "node/pod/atomic_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

constexpr const char* kDataLink = "..data";
constexpr const char* kDataTmpLink = "..data_tmp";

std::string TopLevel(const std::string& path) {
  return path.substr(0, path.find('/'));
}

// Counts regular files below `dir` (recursively).
size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& name : ListDir(dir)) {
    std::string p = dir + "/" + name;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      n += CountFiles(p);
    } else {
      ++n;
    }
  }
  return n;
}

bool SameContent(const std::string& version_dir, const VolumePayload& payload, int64_t gid) {
  if (CountFiles(version_dir) != payload.size()) return false;
  for (const auto& [path, file] : payload) {
    std::string p = version_dir + "/" + path;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if ((st.st_mode & 0777) != file.mode) return false;
    if (gid >= 0 && st.st_gid != static_cast<gid_t>(gid)) return false;
    auto data = ReadFile(p);
    if (!data.ok() || *data != file.data) return false;
  }
  return true;
}

Status WriteExact(const std::string& path, const FileProjection& file, int64_t gid) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoStatus("create", path, errno);
  size_t off = 0;
  while (off < file.data.size()) {
    ssize_t n = write(fd, file.data.data() + off, file.data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return ErrnoStatus("write", path, err);
    }
    off += static_cast<size_t>(n);
  }
  if (gid >= 0 && fchown(fd, static_cast<uid_t>(-1), static_cast<gid_t>(gid)) != 0) {
    int err = errno;
    close(fd);
    return ErrnoStatus("chown", path, err);
  }
  // fchmod, not the open mode: the umask must not change what the spec asked.
  if (fchmod(fd, file.mode) != 0) {
    int err = errno;
    close(fd);
    return ErrnoStatus("chmod", path, err);
  }
  if (close(fd) != 0) return ErrnoStatus("close", path, errno);
  return Status::Ok();
}

Result<std::string> NewVersionDir(const std::string& dir, int64_t gid) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%Y_%m_%d_%H_%M_%S", &tm);
  long nanos = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
      1'000'000'000);
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%09ld_XXXXXX", nanos);
  std::string tmpl = dir + "/.." + stamp + suffix;
  if (mkdtemp(tmpl.data()) == nullptr) return ErrnoStatus("create version dir", tmpl, errno);
  if (chmod(tmpl.c_str(), 0755) != 0) return ErrnoStatus("chmod", tmpl, errno);
  if (gid >= 0 && chown(tmpl.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(gid)) != 0) {
    return ErrnoStatus("chown", tmpl, errno);
  }
  return tmpl.substr(dir.size() + 1);
}

}  // namespace

Result<bool> WriteVolumeAtomically(const std::string& dir, const VolumePayload& payload,
                                   int64_t gid) {
  std::set<std::string> top;
  for (const auto& [path, unused] : payload) {
    SKIFF_RETURN_IF_ERROR(ValidatePayloadPath(path));
    top.insert(TopLevel(path));
  }
  std::string data_link = dir + "/" + kDataLink;
  char buf[4096];
  ssize_t len = readlink(data_link.c_str(), buf, sizeof buf - 1);
  std::string old_version = len > 0 ? std::string(buf, static_cast<size_t>(len)) : "";
  bool changed = true;
  if (!old_version.empty() && SameContent(dir + "/" + old_version, payload, gid)) {
    changed = false;
  } else {
    auto version = NewVersionDir(dir, gid);
    if (!version.ok()) return version.status();
    std::string vdir = dir + "/" + *version;
    Status st = Status::Ok();
    for (const auto& [path, file] : payload) {
      auto slash = path.rfind('/');
      if (slash != std::string::npos) st = MakeDirs(vdir + "/" + path.substr(0, slash), 0755);
      if (st.ok()) st = WriteExact(vdir + "/" + path, file, gid);
      if (!st.ok()) break;
    }
    std::string tmp_link = dir + "/" + kDataTmpLink;
    if (st.ok()) {
      unlink(tmp_link.c_str());
      if (symlink(version->c_str(), tmp_link.c_str()) != 0) {
        st = ErrnoStatus("symlink", tmp_link, errno);
      } else if (rename(tmp_link.c_str(), data_link.c_str()) != 0) {
        st = ErrnoStatus("rename", tmp_link, errno);
        unlink(tmp_link.c_str());
      }
    }
    if (!st.ok()) {
      (void)RemoveTree(vdir);
      return st;
    }
  }
  // User-visible names: one symlink per top-level entry, into ..data.
  for (const auto& name : top) {
    std::string link = dir + "/" + name;
    struct stat st;
    if (lstat(link.c_str(), &st) == 0) continue;
    std::string target = std::string(kDataLink) + "/" + name;
    if (symlink(target.c_str(), link.c_str()) != 0) return ErrnoStatus("symlink", link, errno);
    changed = true;
  }
  for (const auto& name : ListDir(dir)) {
    if (name.starts_with("..")) {
      // Old versions (anything timestamped that ..data no longer names).
      if (name == kDataLink || name == kDataTmpLink) continue;
      char cur[4096];
      ssize_t n = readlink(data_link.c_str(), cur, sizeof cur - 1);
      if (n > 0 && name == std::string(cur, static_cast<size_t>(n))) continue;
      (void)RemoveTree(dir + "/" + name);
      continue;
    }
    if (top.count(name) == 0) {
      std::string p = dir + "/" + name;
      if (unlink(p.c_str()) != 0) (void)RemoveTree(p);
      changed = true;
    }
  }
  return changed;
}

}  // namespace skiff::node
