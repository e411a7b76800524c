#include "tests/cni/testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace skiff::cni::testing {
namespace {

std::atomic<int> g_counter{0};

}  // namespace

TestNetns::TestNetns(const std::string& tag) {
  name_ = "skcni-" + std::to_string(getpid()) + "-" + tag + std::to_string(g_counter++);
  path_ = "/run/netns/" + name_;
  ok_ = Sh("", "ip netns add " + name_ + " && ip -n " + name_ + " link set lo up").exit_code == 0;
}

TestNetns::~TestNetns() {
  Remove();
}

void TestNetns::Remove() {
  if (!ok_) return;
  Sh("", "ip netns del " + name_);
  ok_ = false;
}

namespace {

// argv/env as C arrays plus the child-side setup shared by RunIn and SpawnIn.
// Everything is prepared before fork(): the child of this multi-threaded
// process only makes async-signal-safe calls before execve.
class Launch {
 public:
  Launch(const std::string& netns_path, const std::vector<std::string>& argv,
         const std::vector<std::string>& env, int cpu)
      : args_(argv), envs_(env), cpu_(cpu) {
    for (auto& a : args_)
      argv_.push_back(a.data());
    argv_.push_back(nullptr);
    for (auto& e : envs_)
      envp_.push_back(e.data());
    envp_.push_back(nullptr);
    CPU_ZERO(&set_);
    if (cpu >= 0) CPU_SET(cpu, &set_);
    if (!netns_path.empty()) {
      ns_fd_ = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns_fd_ < 0) error_ = "cannot open " + netns_path + ": " + std::strerror(errno);
    }
  }
  ~Launch() {
    if (ns_fd_ >= 0) close(ns_fd_);
  }
  const std::string& error() const { return error_; }

  // Forks; the child enters the namespace, pins itself, wires fds 0-2 and
  // execs. Returns the child's pid (or -1).
  pid_t Fork(int in, int out, int err, bool new_session, unsigned alarm_s) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    if (ns_fd_ >= 0 && setns(ns_fd_, CLONE_NEWNET) != 0) _exit(126);
    if (cpu_ >= 0) sched_setaffinity(0, sizeof set_, &set_);
    if (new_session) setsid();
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (alarm_s) alarm(alarm_s);  // bounded: SIGALRM ends a hung child
    execve(argv_[0], argv_.data(), envp_.data());
    _exit(127);
  }

 private:
  std::vector<std::string> args_, envs_;
  std::vector<char*> argv_, envp_;
  cpu_set_t set_;
  int cpu_;
  int ns_fd_ = -1;
  std::string error_;
};

}  // namespace

CommandResult RunIn(const std::string& netns_path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const std::string& stdin_data,
                    std::chrono::seconds timeout, int cpu) {
  CommandResult result;
  Launch launch(netns_path, argv, env, cpu);
  if (!launch.error().empty()) {
    result.err = launch.error();
    return result;
  }
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC | O_NONBLOCK) ||
      pipe2(err, O_CLOEXEC | O_NONBLOCK)) {
    result.err = "pipe failed";
    return result;
  }
  // Small inputs (every CNI config) go into the pipe before the child starts,
  // so the parent never waits on it; larger ones are fed while reading.
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  while (written < stdin_data.size()) {
    ssize_t n = write(in[1], stdin_data.data() + written, stdin_data.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  if (written == stdin_data.size()) {
    close(in[1]);
    in[1] = -1;
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = launch.Fork(in[0], out[1], err[1], false, static_cast<unsigned>(timeout.count()));
  close(in[0]);
  close(out[1]);
  close(err[1]);
  int fds[2] = {out[0], err[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  while (fds[0] >= 0 || fds[1] >= 0 || in[1] >= 0) {
    pollfd p[3];
    int n = 0;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) p[n++] = {fds[i], POLLIN, 0};
    }
    if (in[1] >= 0) p[n++] = {in[1], POLLOUT, 0};
    if (poll(p, n, -1) < 0 && errno != EINTR) break;
    for (int k = 0; k < n; ++k) {
      if (p[k].revents == 0) continue;
      if (p[k].fd == in[1]) {
        ssize_t w = write(in[1], stdin_data.data() + written, stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == stdin_data.size()) {
          close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      for (int i = 0; i < 2; ++i) {
        if (p[k].fd != fds[i]) continue;
        char buf[8192];
        ssize_t r = read(fds[i], buf, sizeof buf);
        if (r > 0) {
          sinks[i]->append(buf, static_cast<size_t>(r));
        } else if (r == 0 || errno != EAGAIN) {
          close(fds[i]);
          fds[i] = -1;
        }
      }
    }
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  result.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  result.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int SpawnIn(const std::string& netns_path, const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& log_path) {
  Launch launch(netns_path, argv, env, -1);
  if (!launch.error().empty()) return -1;
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = launch.Fork(null_fd, log_fd, log_fd, true, 0);
  if (log_fd >= 0) close(log_fd);
  if (null_fd >= 0) close(null_fd);
  return pid;
}

void StopProcess(int pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

CommandResult Sh(const std::string& netns_path, const std::string& cmd) {
  return RunIn(netns_path, {"/bin/sh", "-c", cmd},
               {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, "");
}

bool InNetns(const std::string& netns_path, const std::function<bool()>& fn) {
  bool ok = false;
  std::thread t([&]() {
    int fd = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    // unshare(CLONE_FS) is not needed: setns(CLONE_NEWNET) is per thread.
    if (setns(fd, CLONE_NEWNET) == 0) ok = fn();
    close(fd);
  });
  t.join();
  return ok;
}

namespace {

bool FillAddr(const std::string& addr, int port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

bool WaitFd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

}  // namespace

int Listen(const std::string& netns_path, const std::string& addr, int port) {
  int result = -1;
  InNetns(netns_path, [&]() {
    sockaddr_storage ss;
    socklen_t len;
    if (!FillAddr(addr, port, &ss, &len)) return false;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // IPv6 addresses may still be tentative for a moment; retry briefly.
    for (int i = 0; i < 50; ++i) {
      if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 && listen(fd, 16) == 0) {
        result = fd;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    close(fd);
    return false;
  });
  return result;
}

bool AcceptEchoOnce(int fd, std::chrono::milliseconds timeout) {
  if (!WaitFd(fd, POLLIN, timeout)) return false;
  int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return false;
  bool ok = false;
  char buf[256];
  if (WaitFd(c, POLLIN, timeout)) {
    ssize_t n = read(c, buf, sizeof buf);
    ok = n > 0 && write(c, buf, static_cast<size_t>(n)) == n;
  }
  close(c);
  return ok;
}

bool ConnectEcho(const std::string& netns_path, const std::string& addr, int port,
                 std::chrono::milliseconds timeout) {
  return InNetns(netns_path, [&]() {
    sockaddr_storage ss;
    socklen_t len;
    if (!FillAddr(addr, port, &ss, &len)) return false;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    bool ok = false;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (rc == 0 || errno == EINPROGRESS) {
      int err = 0;
      socklen_t elen = sizeof err;
      if (WaitFd(fd, POLLOUT, timeout) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
          err == 0) {
        const char msg[] = "skiff-cni-probe\n";
        char buf[64];
        if (write(fd, msg, sizeof msg - 1) == static_cast<ssize_t>(sizeof msg - 1) &&
            WaitFd(fd, POLLIN, timeout)) {
          ssize_t n = read(fd, buf, sizeof buf);
          ok = n == static_cast<ssize_t>(sizeof msg - 1) && std::memcmp(buf, msg, n) == 0;
        }
      }
    }
    close(fd);
    return ok;
  });
}

std::string BinDir() {
  const char* dir = std::getenv("SKIFF_BIN_DIR");
  if (dir && *dir) return dir;
  // Running the test binary by hand from build-*/tests/.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    return std::filesystem::path(self).parent_path().parent_path() / "bin";
  }
  return "build/bin";
}

std::string PluginPath() {
  return BinDir() + "/skiff-cni";
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/skcni-XXXXXX";
  if (mkdtemp(tmpl)) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

int PluginResult::error_code() const {
  if (exit_code == 0 || !json.is_object()) return 0;
  const json::Value* c = json.Find("code");
  return c && c->is_int() ? static_cast<int>(c->as_int()) : 0;
}

std::string PluginResult::error_msg() const {
  const json::Value* m = json.Find("msg");
  return m && m->is_string() ? m->as_string() : out;
}

PluginResult Invoke(const PluginCall& call) {
  std::vector<std::string> env = {"CNI_COMMAND=" + call.command,
                                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  if (!call.container_id.empty()) env.push_back("CNI_CONTAINERID=" + call.container_id);
  if (!call.netns.empty()) env.push_back("CNI_NETNS=" + call.netns);
  if (!call.ifname.empty()) env.push_back("CNI_IFNAME=" + call.ifname);
  if (!call.args.empty()) env.push_back("CNI_ARGS=" + call.args);
  if (!call.path.empty()) env.push_back("CNI_PATH=" + call.path);
  CommandResult r =
      RunIn(call.host_netns, {call.plugin}, env, call.config, std::chrono::seconds(60), call.cpu);
  PluginResult out;
  out.exit_code = r.exit_code;
  out.out = r.out;
  out.wall_ms = r.wall_ms;
  out.cpu_ms = r.cpu_ms;
  auto parsed = json::Parse(r.out);
  if (parsed.ok()) out.json = std::move(*parsed);
  return out;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  closedir(d);
  return out;
}

}  // namespace skiff::cni::testing
