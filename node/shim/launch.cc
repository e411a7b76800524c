#include "node/shim/launch.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::node::shim {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

[[noreturn]] void Fail(int err_fd, const char* stage, int err, const std::string& message) {
  std::string line = std::string(stage) + "\t" + std::to_string(err) + "\t" + message;
  ssize_t ignored = write(err_fd, line.data(), line.size());
  (void)ignored;
  _exit(127);
}

// Lower-case like Go's error strings, which is how runc (and so kubelet's
// users) see them: "no such file or directory".
std::string Errno(int err) {
  std::string s = std::strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

}  // namespace

std::string ResolveExecutable(const std::string& name, const std::vector<std::string>& env,
                              std::string* error, int* err) {
  if (name.empty()) {
    *error = "exec: no command";
    *err = ENOENT;
    return "";
  }
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (stat(name.c_str(), &st) != 0) {
      *err = errno;
      *error = "exec: \"" + name + "\": stat " + name + ": " + Errno(*err);
      return "";
    }
    if (S_ISDIR(st.st_mode) || access(name.c_str(), X_OK) != 0) {
      *err = EACCES;
      *error = "exec: \"" + name + "\": permission denied";
      return "";
    }
    return name;
  }
  std::string path = kDefaultPath;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t colon = path.find(':', pos);
    if (colon == std::string::npos) colon = path.size();
    std::string dir = path.substr(pos, colon - pos);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    pos = colon + 1;
  }
  *err = ENOENT;
  *error = "exec: \"" + name + "\": executable file not found in $PATH";
  return "";
}

// mkdir -p; 0 or an errno.
int MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  }
  return 0;
}

// Kubelet creates a missing mountPath. The process runtime has no image
// root filesystem, so it is created on the node's: a directory for a
// directory source, an empty file (and its parents) for a file source.
int EnsureMountTarget(const BindMount& m) {
  struct stat st;
  if (lstat(m.target.c_str(), &st) == 0) return 0;
  if (stat(m.source.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return MakeDirs(m.target);
  auto slash = m.target.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (int err = MakeDirs(m.target.substr(0, slash)); err != 0) return err;
  }
  int fd = open(m.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

void ResetSignals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

int ApplyCredentials(const ShimConfig& c, std::string* what) {
  if (c.gid >= 0 || !c.supplemental_groups.empty() || c.uid >= 0) {
    std::vector<gid_t> groups;
    for (int64_t g : c.supplemental_groups)
      groups.push_back(static_cast<gid_t>(g));
    if (c.gid >= 0) groups.insert(groups.begin(), static_cast<gid_t>(c.gid));
    if (setgroups(groups.size(), groups.data()) != 0) {
      *what = "setgroups";
      return errno;
    }
  }
  if (c.gid >= 0 && setresgid(c.gid, c.gid, c.gid) != 0) {
    *what = "setgid " + std::to_string(c.gid);
    return errno;
  }
  if (c.uid >= 0 && setresuid(c.uid, c.uid, c.uid) != 0) {
    *what = "setuid " + std::to_string(c.uid);
    return errno;
  }
  return 0;
}

void PauseForever() {
  static volatile sig_atomic_t stop = 0;
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigaction(SIGCHLD, &sa, nullptr);
  sa.sa_handler = [](int) { stop = 1; };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &old);
  sigset_t wait_mask = old;
  sigdelset(&wait_mask, SIGCHLD);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  while (!stop) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    // Signals are blocked between the check and here, so none is lost.
    sigsuspend(&wait_mask);
  }
  _exit(0);
}

void LaunchContainer(const ShimConfig& c, int err_fd, int log_fd, int null_fd, bool own_pid_ns) {
  setsid();
  for (const auto& procs : c.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) {
      Fail(err_fd, "cgroup", errno, "join cgroup " + procs + ": " + Errno(errno));
    }
    close(fd);
  }
  if (!c.net_ns.empty()) {
    int fd = open(c.net_ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      Fail(err_fd, "netns", errno, "join network namespace " + c.net_ns + ": " + Errno(errno));
    }
    close(fd);
  }
  int flags = (c.new_mount_ns ? CLONE_NEWNS : 0) | (c.hostname.empty() ? 0 : CLONE_NEWUTS);
  if (flags && unshare(flags) != 0) Fail(err_fd, "unshare", errno, "unshare: " + Errno(errno));
  if (c.new_mount_ns) {
    // Slave: unmounts on the host (a pod's netns going away) reach this
    // namespace, and nothing mounted here leaks back.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
      Fail(err_fd, "mount", errno, "make / rslave: " + Errno(errno));
    }
    if (own_pid_ns &&
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      Fail(err_fd, "mount", errno, "mount /proc: " + Errno(errno));
    }
    for (const auto& m : c.mounts) {
      if (int err = EnsureMountTarget(m); err != 0) {
        Fail(err_fd, "mount", err, "create mount point " + m.target + ": " + Errno(err));
      }
      if (mount(m.source.c_str(), m.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        Fail(err_fd, "mount", errno,
             "bind mount " + m.source + " on " + m.target + ": " + Errno(errno));
      }
      if (m.read_only && mount(nullptr, m.target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                               nullptr) != 0) {
        Fail(err_fd, "mount", errno, "remount " + m.target + " read-only: " + Errno(errno));
      }
    }
  }
  if (!c.hostname.empty() && sethostname(c.hostname.data(), c.hostname.size()) != 0) {
    Fail(err_fd, "hostname", errno, "sethostname " + c.hostname + ": " + Errno(errno));
  }
  if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
    Fail(err_fd, "stdio", errno, "dup2: " + Errno(errno));
  }
  if (c.pause) {
    close(err_fd);  // "started": nothing will exec to close it for us
    ResetSignals();
    PauseForever();
  }
  std::string error;
  int err = 0;
  // Resolved before dropping privileges and changing directory, as runc does
  // relative to the container's root and PATH.
  std::string exe = ResolveExecutable(c.args[0], c.env, &error, &err);
  if (exe.empty()) Fail(err_fd, "exec", err, error);
  std::string what;
  if (int e = ApplyCredentials(c, &what)) Fail(err_fd, "credentials", e, what + ": " + Errno(e));
  if (chdir(c.cwd.empty() ? "/" : c.cwd.c_str()) != 0) {
    Fail(err_fd, "cwd", errno,
         "chdir to cwd (\"" + c.cwd + "\") set in config failed: " + Errno(errno));
  }
  if (c.no_new_privileges) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  ResetSignals();
  std::vector<char*> argv, envp;
  for (const auto& a : c.args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : c.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(exe.c_str(), argv.data(), envp.data());
  int e = errno;
  Fail(err_fd, "exec", e, "exec: \"" + c.args[0] + "\": " + Errno(e));
}

}  // namespace skiff::node::shim
