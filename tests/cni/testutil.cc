#include "tests/cni/testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
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

std::string ReadFd(int fd) {
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

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

CommandResult RunIn(const std::string& netns_path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const std::string& stdin_data,
                    std::chrono::seconds timeout, int cpu) {
  CommandResult result;
  int ns_fd = -1;
  if (!netns_path.empty()) {
    ns_fd = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) {
      result.err = "cannot open " + netns_path + ": " + std::strerror(errno);
      return result;
    }
  }
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    result.err = "pipe failed";
    return result;
  }
  // Everything the child needs is prepared before fork (only async-signal-safe
  // calls happen in the child of this multi-threaded process).
  std::vector<std::string> args = argv, envs = env;
  std::vector<char*> cargv, cenv;
  for (auto& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : envs)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) CPU_SET(cpu, &set);
  unsigned timeout_s = static_cast<unsigned>(timeout.count());

  pid_t pid = fork();
  if (pid == 0) {
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    if (cpu >= 0) sched_setaffinity(0, sizeof set, &set);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    alarm(timeout_s);  // bounded: SIGALRM terminates a hung child
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (ns_fd >= 0) close(ns_fd);
  // Write stdin from a thread: the child may write a lot before reading all.
  std::thread writer([&]() {
    size_t off = 0;
    while (off < stdin_data.size()) {
      ssize_t n = write(in[1], stdin_data.data() + off, stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(in[1]);
  });
  std::thread err_reader([&]() { result.err = ReadFd(err[0]); });
  result.out = ReadFd(out[0]);
  err_reader.join();
  writer.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int SpawnIn(const std::string& netns_path, const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& log_path) {
  int ns_fd = -1;
  if (!netns_path.empty()) {
    ns_fd = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) return -1;
  }
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> args = argv, envs = env;
  std::vector<char*> cargv, cenv;
  for (auto& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : envs)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    setsid();
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  if (ns_fd >= 0) close(ns_fd);
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
