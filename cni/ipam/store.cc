#include "cni/ipam/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace skiff::cni::ipam {
namespace {

Error IoError(std::string what) {
  return Error(kIoFailure, std::move(what) + ": " + std::strerror(errno));
}

// mkdir -p with 0755.
bool MakeDirs(const std::string& path) {
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Reads a whole small file relative to dir_fd; nullopt when absent.
Expected<std::optional<std::string>> ReadSmallFile(int dir_fd, const char* name,
                                                   const std::string& dir) {
  int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return IoError("open " + dir + "/" + name);
  }
  char buf[512];
  std::string out;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  int e = errno;
  close(fd);
  if (n < 0) {
    errno = e;
    return IoError("read " + dir + "/" + name);
  }
  return std::optional<std::string>(std::move(out));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Host-local writes IPv6 file names as-is; ':' is legal in Linux file names.
std::string FileName(const IpAddr& ip) {
  return ip.ToString();
}

}  // namespace

bool BelongsTo(const Reservation& r, std::string_view container_id, std::string_view ifname) {
  return r.container_id == container_id && (r.ifname.empty() || r.ifname == ifname);
}

Expected<Store> Store::Open(std::string_view data_dir, std::string_view network) {
  std::string dir = std::string(data_dir) + "/" + std::string(network);
  // The directory exists on every ADD but the first: try it before mkdir -p.
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (!MakeDirs(dir)) return IoError("cannot create IPAM directory " + dir);
    fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) return IoError("cannot open IPAM directory " + dir);
  return Store(fd, std::move(dir));
}

Store::Store(Store&& other) noexcept
    : dir_fd_(other.dir_fd_), locked_(other.locked_), dir_(std::move(other.dir_)) {
  other.dir_fd_ = -1;
  other.locked_ = false;
}

Store::~Store() {
  Unlock();
  if (dir_fd_ >= 0) close(dir_fd_);
}

Error Store::Lock(std::chrono::milliseconds timeout) {
  if (locked_) return OkError();
  // Poll with a growing back-off: critical sections are a few file operations,
  // and a blocking flock() could not honour the timeout without signals.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(20);
  while (true) {
    if (flock(dir_fd_, LOCK_EX | LOCK_NB) == 0) {
      locked_ = true;
      return OkError();
    }
    if (errno != EWOULDBLOCK && errno != EINTR) return IoError("lock " + dir_);
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error(kTryAgainLater, "IPAM store " + dir_ + " is locked by another process for " +
                                       std::to_string(timeout.count()) + " ms; retry");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
}

void Store::Unlock() {
  if (locked_ && dir_fd_ >= 0) flock(dir_fd_, LOCK_UN);
  locked_ = false;
}

Expected<bool> Store::Reserve(const IpAddr& ip, std::string_view container_id,
                              std::string_view ifname) {
  std::string name = FileName(ip);
  int fd = openat(dir_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return IoError("create reservation " + dir_ + "/" + name);
  }
  std::string content = std::string(container_id) + "\r\n" + std::string(ifname);
  ssize_t n = write(fd, content.data(), content.size());
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    unlinkat(dir_fd_, name.c_str(), 0);
    errno = e;
    return IoError("write reservation " + dir_ + "/" + name);
  }
  return true;
}

Error Store::Release(const IpAddr& ip) {
  std::string name = FileName(ip);
  if (unlinkat(dir_fd_, name.c_str(), 0) != 0 && errno != ENOENT) {
    return IoError("remove reservation " + dir_ + "/" + name);
  }
  return OkError();
}

Expected<std::optional<Reservation>> Store::ReadEntry(const char* name) const {
  auto ip = ParseIp(name);
  if (!ip.ok()) return std::optional<Reservation>();
  auto content = ReadSmallFile(dir_fd_, name, dir_);
  if (!content.ok()) return content.error();
  if (!content->has_value()) return std::optional<Reservation>();
  std::string_view text = **content;
  Reservation r;
  r.ip = *ip;
  size_t br = text.find('\n');
  if (br == text.npos) {
    r.container_id = std::string(Trim(text));  // pre-0.7 host-local: id only
  } else {
    r.container_id = std::string(Trim(text.substr(0, br)));
    r.ifname = std::string(Trim(text.substr(br + 1)));
  }
  return std::optional<Reservation>(std::move(r));
}

Expected<std::optional<Reservation>> Store::Get(const IpAddr& ip) const {
  return ReadEntry(FileName(ip).c_str());
}

Expected<std::vector<Reservation>> Store::List() const {
  int fd = openat(dir_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + dir_);
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return IoError("list " + dir_);
  }
  std::vector<Reservation> out;
  Error failure;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.' || std::strncmp(e->d_name, "last_reserved_ip", 16) == 0) continue;
    auto r = ReadEntry(e->d_name);
    if (!r.ok()) {
      failure = r.error();
      break;
    }
    if (r->has_value()) out.push_back(std::move(**r));
  }
  closedir(d);
  if (!failure.ok()) return failure;
  return out;
}

Expected<std::vector<Reservation>> Store::ReleaseAttachment(std::string_view container_id,
                                                            std::string_view ifname) {
  auto all = List();
  if (!all.ok()) return all.error();
  std::vector<Reservation> released;
  for (Reservation& r : *all) {
    if (!BelongsTo(r, container_id, ifname)) continue;
    CNI_RETURN_IF_ERROR(Release(r.ip));
    released.push_back(std::move(r));
  }
  return released;
}

std::optional<IpAddr> Store::LastReserved(size_t range_set) const {
  std::string name = "last_reserved_ip." + std::to_string(range_set);
  auto content = ReadSmallFile(dir_fd_, name.c_str(), dir_);
  if (!content.ok() || !content->has_value()) return std::nullopt;
  auto ip = ParseIp(Trim(**content));
  if (!ip.ok()) return std::nullopt;
  return *ip;
}

Error Store::SetLastReserved(size_t range_set, const IpAddr& ip) {
  std::string name = "last_reserved_ip." + std::to_string(range_set);
  // Overwrite in place and truncate only when the file was longer: addresses
  // of one range mostly have the same length, and truncation is the costly
  // part of rewriting a file.
  int fd = openat(dir_fd_, name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("write " + dir_ + "/" + name);
  std::string text = ip.ToString();
  ssize_t n = pwrite(fd, text.data(), text.size(), 0);
  struct stat st;
  if (n == static_cast<ssize_t>(text.size()) && fstat(fd, &st) == 0 &&
      st.st_size > static_cast<off_t>(text.size())) {
    if (ftruncate(fd, static_cast<off_t>(text.size())) != 0) n = -1;
  }
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    errno = e;
    return IoError("write " + dir_ + "/" + name);
  }
  return OkError();
}

}  // namespace skiff::cni::ipam
