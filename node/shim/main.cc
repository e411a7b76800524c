// skiff-shim: the per-container monitor process started by skiff-agent's
// process runtime. See node/shim/config.h for the protocol.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "node/shim/config.h"
#include "node/shim/launch.h"

namespace {

using skiff::node::shim::ShimConfig;
using skiff::node::shim::SyncReport;

constexpr const char* kUsage =
    "usage: skiff-shim run CONFIG SYNC_FD | skiff-shim exec CONFIG\n"
    "skiff-shim is started by skiff-agent; it is not meant to be run by hand.\n";

bool ReadWhole(const char* path, std::string* out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    out->append(buf, static_cast<size_t>(n));
  close(fd);
  return n == 0;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

uint64_t StartTicks(pid_t pid) {
  std::string text;
  if (!ReadWhole(("/proc/" + std::to_string(pid) + "/stat").c_str(), &text)) return 0;
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = text.c_str() + close + 1;
  for (int field = 3; *p; ++field) {
    while (*p == ' ')
      ++p;
    if (field == 22) return std::strtoull(p, nullptr, 10);
    while (*p && *p != ' ')
      ++p;
  }
  return 0;
}

int Report(int sync_fd, const SyncReport& r) {
  WriteAll(sync_fd, skiff::node::shim::EncodeSyncReport(r));
  close(sync_fd);
  return r.ok ? 0 : 1;
}

int ReportError(int sync_fd, const char* stage, int err, const std::string& message) {
  SyncReport r;
  r.stage = stage;
  r.err = err;
  r.message = message;
  return Report(sync_fd, r);
}

// Enters the configured PID namespace for the next fork. Returns errno or 0.
int PreparePidNamespace(const ShimConfig& c, bool* own) {
  *own = false;
  if (c.pid_ns == "host") return 0;
  if (c.pid_ns == "new") {
    if (unshare(CLONE_NEWPID) != 0) return errno;
  } else {
    int fd = open(c.pid_ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = setns(fd, CLONE_NEWPID);
    int err = errno;
    close(fd);
    if (rc != 0) return err;
  }
  *own = true;
  return 0;
}

void WriteExit(const ShimConfig& c, int status) {
  skiff::node::shim::ExitRecord rec;
  if (WIFSIGNALED(status)) {
    rec.signal = WTERMSIG(status);
    rec.exit_code = 128 + rec.signal;
  } else {
    rec.exit_code = WEXITSTATUS(status);
  }
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  rec.finished_unix_nanos = now.tv_sec * 1000000000LL + now.tv_nsec;
  std::string tmp = c.exit_path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  WriteAll(fd, skiff::node::shim::EncodeExitRecord(rec));
  fsync(fd);
  close(fd);
  rename(tmp.c_str(), c.exit_path.c_str());
}

int Run(const char* config_path, int sync_fd) {
  fcntl(sync_fd, F_SETFD, FD_CLOEXEC);  // the container must not hold it open
  std::string text;
  if (!ReadWhole(config_path, &text)) {
    return ReportError(sync_fd, "config", errno,
                       std::string("read ") + config_path + ": " + strerror(errno));
  }
  auto cfg = skiff::node::shim::DecodeShimConfig(text);
  if (!cfg.ok()) return ReportError(sync_fd, "config", EINVAL, cfg.status().message());
  const ShimConfig& c = *cfg;
  // Signals meant for the agent's process group must not end the shim.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  setsid();

  int log_fd = open(c.log_path.empty() ? "/dev/null" : c.log_path.c_str(),
                    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    return ReportError(sync_fd, "log", errno, "open log " + c.log_path + ": " + strerror(errno));
  }
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return ReportError(sync_fd, "pipe", errno, strerror(errno));
  bool own_pid_ns = false;
  if (int e = PreparePidNamespace(c, &own_pid_ns)) {
    return ReportError(sync_fd, "pidns", e, "PID namespace " + c.pid_ns + ": " + strerror(e));
  }
  pid_t child = fork();
  if (child < 0) return ReportError(sync_fd, "fork", errno, strerror(errno));
  if (child == 0) {
    close(err_pipe[0]);
    skiff::node::shim::LaunchContainer(c, err_pipe[1], log_fd, null_fd, own_pid_ns);
  }
  close(err_pipe[1]);
  close(log_fd);
  std::string failure;
  char buf[1024];
  ssize_t n;
  while ((n = read(err_pipe[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    failure.append(buf, static_cast<size_t>(n));
  }
  close(err_pipe[0]);
  if (!failure.empty()) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    size_t t1 = failure.find('\t');
    size_t t2 = t1 == std::string::npos ? std::string::npos : failure.find('\t', t1 + 1);
    if (t2 == std::string::npos) return ReportError(sync_fd, "exec", 0, failure);
    std::string stage = failure.substr(0, t1);
    int err = std::atoi(failure.substr(t1 + 1, t2 - t1 - 1).c_str());
    return ReportError(sync_fd, stage.c_str(), err, failure.substr(t2 + 1));
  }
  SyncReport ok;
  ok.ok = true;
  ok.pid = child;
  ok.start_ticks = StartTicks(child);
  Report(sync_fd, ok);

  int status = 0;
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) break;  // ECHILD: cannot happen before the child is reaped
    if (p == child) {
      status = st;
      break;
    }
  }
  if (!c.exit_path.empty()) WriteExit(c, status);
  return 0;
}

int Exec(const char* config_path) {
  std::string text;
  if (!ReadWhole(config_path, &text)) {
    std::fprintf(stderr, "skiff-shim: read %s: %s\n", config_path, strerror(errno));
    return 126;
  }
  auto cfg = skiff::node::shim::DecodeShimConfig(text);
  if (!cfg.ok()) {
    std::fprintf(stderr, "skiff-shim: %s\n", cfg.status().message().c_str());
    return 126;
  }
  const ShimConfig& c = *cfg;
  std::string base = "/proc/" + std::to_string(c.target_pid) + "/ns/";
  // Namespace files are opened before any setns: /proc changes meaning after
  // joining the mount namespace.
  struct NsFile {
    const char* name;
    int type;
    int fd;
  } ns[] = {{"ipc", CLONE_NEWIPC, -1},
            {"uts", CLONE_NEWUTS, -1},
            {"net", CLONE_NEWNET, -1},
            {"pid", CLONE_NEWPID, -1},
            {"mnt", CLONE_NEWNS, -1}};
  for (auto& n : ns) {
    struct stat mine, theirs;
    std::string own = std::string("/proc/self/ns/") + n.name;
    if (stat((base + n.name).c_str(), &theirs) != 0) {
      std::fprintf(stderr, "container process %lld is gone\n",
                   static_cast<long long>(c.target_pid));
      return 126;
    }
    if (stat(own.c_str(), &mine) == 0 && mine.st_ino == theirs.st_ino &&
        mine.st_dev == theirs.st_dev) {
      continue;
    }
    n.fd = open((base + n.name).c_str(), O_RDONLY | O_CLOEXEC);
  }
  for (const auto& procs : c.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t ignored = write(fd, "0", 1);
      (void)ignored;
      close(fd);
    }
  }
  for (auto& n : ns) {
    if (n.fd >= 0 && setns(n.fd, n.type) != 0) {
      std::fprintf(stderr, "skiff-shim: join %s namespace of %lld: %s\n", n.name,
                   static_cast<long long>(c.target_pid), strerror(errno));
      return 126;
    }
    if (n.fd >= 0) close(n.fd);
  }
  pid_t child = fork();
  if (child < 0) return 126;
  if (child == 0) {
    std::string error;
    int err = 0;
    std::string exe = skiff::node::shim::ResolveExecutable(c.args[0], c.env, &error, &err);
    if (exe.empty()) {
      std::fprintf(stderr, "%s\n", error.c_str());
      _exit(127);
    }
    std::string what;
    if (int e = skiff::node::shim::ApplyCredentials(c, &what)) {
      std::fprintf(stderr, "%s: %s\n", what.c_str(), strerror(e));
      _exit(126);
    }
    if (chdir(c.cwd.empty() ? "/" : c.cwd.c_str()) != 0) {
      if (chdir("/") != 0) _exit(126);
    }
    skiff::node::shim::ResetSignals();
    std::vector<char*> argv, envp;
    for (const auto& a : c.args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : c.env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(exe.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "exec: \"%s\": %s\n", c.args[0].c_str(), strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return 126;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "run") == 0) {
    char* end = nullptr;
    long fd = std::strtol(argv[3], &end, 10);
    if (!end || *end || fd < 0) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    return Run(argv[2], static_cast<int>(fd));
  }
  if (argc == 3 && std::strcmp(argv[1], "exec") == 0) return Exec(argv[2]);
  std::fputs(kUsage, stderr);
  return 2;
}
