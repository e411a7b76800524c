#include "tests/e2e/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <thread>

namespace skiff::e2e {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv)
    out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int out_fd, const cpu_set_t* cpus) {
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  dup2(out_fd, 1);
  dup2(out_fd, 2);
  if (cpus) sched_setaffinity(0, sizeof *cpus, cpus);
  // Children must not inherit the caller's blocked signals (daemons rely on
  // SIGTERM).
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvp(argv[0], argv.data());
  const char msg[] = "exec failed\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(127);
}

int DecodeStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult r;
  if (argv.empty()) return r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.out = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  auto cargv = Argv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    r.out = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) ExecChild(cargv, fds[1], nullptr);
  close(fds[1]);
  auto deadline = Clock::now() + timeout;
  char buf[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    r.out.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.code = r.timed_out ? -1 : DecodeStatus(status);
  return r;
}

Result<cpu_set_t> ParseCpuList(const std::string& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  size_t pos = 0;
  while (pos <= cpus.size()) {
    size_t comma = cpus.find(',', pos);
    std::string item =
        cpus.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    long lo = std::strtol(item.c_str(), &end, 10);
    long hi = lo;
    if (end == item.c_str())
      return InvalidArgument("cpu list \"" + cpus + "\": bad item \"" + item + "\"");
    if (*end == '-') {
      char* end2 = nullptr;
      hi = std::strtol(end + 1, &end2, 10);
      if (end2 == end + 1 || *end2 != '\0') {
        return InvalidArgument("cpu list \"" + cpus + "\": bad range \"" + item + "\"");
      }
    } else if (*end != '\0') {
      return InvalidArgument("cpu list \"" + cpus + "\": bad item \"" + item + "\"");
    }
    if (lo < 0 || hi < lo || hi >= CPU_SETSIZE) {
      return InvalidArgument("cpu list \"" + cpus + "\": out of range \"" + item + "\"");
    }
    for (long c = lo; c <= hi; ++c)
      CPU_SET(c, &set);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return set;
}

Daemon::~Daemon() {
  Stop(std::chrono::seconds(5));
}

Status Daemon::Start(const std::vector<std::string>& argv, const std::string& log_path,
                     const std::string& cpus) {
  if (pid_ > 0) return FailedPrecondition("daemon " + argv[0] + " already started");
  if (argv.empty()) return InvalidArgument("daemon: empty command");
  std::optional<cpu_set_t> mask;
  if (!cpus.empty()) {
    auto m = ParseCpuList(cpus);
    if (!m.ok()) return m.status();
    mask = *m;
  }
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("open " + log_path + ": " + std::strerror(errno));
  auto cargv = Argv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    return Internal(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecChild(cargv, fd, mask ? &*mask : nullptr);
  close(fd);
  pid_ = pid;
  log_path_ = log_path;
  exit_.clear();
  return Status::Ok();
}

bool Daemon::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_ = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                            : "signal " + std::to_string(WTERMSIG(status));
  pid_ = -1;
  return false;
}

std::string Daemon::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return exit_;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!Running()) return exit_;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  exit_ = "killed after grace";
  return exit_;
}

LineStream::~LineStream() {
  Stop();
}

Status LineStream::Start(const std::vector<std::string>& argv) {
  if (pid_ > 0) return FailedPrecondition("line stream already started");
  if (argv.empty()) return InvalidArgument("line stream: empty command");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  auto cargv = Argv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Internal(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) ExecChild(cargv, fds[1], nullptr);
  close(fds[1]);
  pid_ = pid;
  fd_ = fds[0];
  buffer_.clear();
  return Status::Ok();
}

bool LineStream::ReadLine(std::string* line, std::chrono::milliseconds timeout, bool* timed_out) {
  if (timed_out) *timed_out = false;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      *line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    if (fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      if (timed_out) *timed_out = true;
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n <= 0) continue;
    char buf[8192];
    ssize_t got = read(fd_, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      close(fd_);
      fd_ = -1;
      continue;
    }
    buffer_.append(buf, static_cast<size_t>(got));
  }
}

void LineStream::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

std::string TailFile(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return "";
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last)
    out += l + "\n";
  return out;
}

}  // namespace skiff::e2e
