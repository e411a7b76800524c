#include "cni/spec/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace skiff::cni {
namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  void Reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

std::string Errno(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<ExecOutput> Exec(const ExecRequest& req) {
  // stdin is a socket so writes can use MSG_NOSIGNAL when the child exits early.
  int in_pair[2], out_pipe[2], err_pipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    return Internal(Errno("socketpair"));
  }
  Fd in_parent(in_pair[0]), in_child(in_pair[1]);
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Internal(Errno("pipe"));
  Fd out_parent(out_pipe[0]), out_child(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Internal(Errno("pipe"));
  Fd err_parent(err_pipe[0]), err_child(err_pipe[1]);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_child.fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_child.fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_child.fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);

  std::vector<std::string> args = req.argv.empty() ? std::vector<std::string>{req.path} : req.argv;
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = req.env;
  std::vector<char*> envp;
  for (auto& e : env_copy)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, req.path.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string msg = "cannot execute " + req.path + ": " + std::strerror(rc);
    if (rc == ENOENT) return NotFound(msg);
    if (rc == EACCES) return Status(StatusCode::kPermissionDenied, msg);
    return Internal(msg);
  }
  in_child.Reset();
  out_child.Reset();
  err_child.Reset();
  fcntl(in_parent.fd, F_SETFL, O_NONBLOCK);

  ExecOutput result;
  size_t written = 0;
  if (req.stdin_data.empty()) in_parent.Reset();
  const int64_t deadline = req.timeout.count() > 0 ? NowMs() + req.timeout.count() : 0;
  Status failure;
  while (out_parent.fd >= 0 || err_parent.fd >= 0) {
    pollfd fds[3];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1;
    if (in_parent.fd >= 0) fds[idx_in = n++] = {in_parent.fd, POLLOUT, 0};
    if (out_parent.fd >= 0) fds[idx_out = n++] = {out_parent.fd, POLLIN, 0};
    if (err_parent.fd >= 0) fds[idx_err = n++] = {err_parent.fd, POLLIN, 0};
    int wait_ms = -1;
    if (deadline) {
      int64_t left = deadline - NowMs();
      if (left <= 0) {
        failure = Status(StatusCode::kDeadlineExceeded, req.path + " did not finish within " +
                                                            std::to_string(req.timeout.count()) +
                                                            " ms; killed");
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    int pr = poll(fds, n, wait_ms);
    if (pr < 0) {
      if (errno == EINTR) continue;
      failure = Internal(Errno("poll"));
      break;
    }
    if (idx_in >= 0 && fds[idx_in].revents) {
      ssize_t w = send(in_parent.fd, req.stdin_data.data() + written,
                       req.stdin_data.size() - written, MSG_NOSIGNAL);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = req.stdin_data.size();
      if (written >= req.stdin_data.size()) in_parent.Reset();  // EOF for the child
    }
    struct Stream {
      int idx;
      Fd* fd;
      std::string* sink;
    };
    for (Stream st :
         {Stream{idx_out, &out_parent, &result.out}, Stream{idx_err, &err_parent, &result.err}}) {
      if (st.idx < 0 || fds[st.idx].revents == 0) continue;
      char buf[16384];
      ssize_t r = read(st.fd->fd, buf, sizeof buf);
      if (r > 0) {
        if (st.sink->size() + static_cast<size_t>(r) > req.max_output) {
          failure = Status(
              StatusCode::kResourceExhausted,
              req.path + " wrote more than " + std::to_string(req.max_output) + " bytes; killed");
          break;
        }
        st.sink->append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        st.fd->Reset();
      }
    }
    if (!failure.ok()) break;
  }
  if (!failure.ok()) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.ok()) return failure;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

std::vector<std::string> SplitPathList(std::string_view list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t colon = list.find(':', pos);
    std::string_view part = list.substr(pos, colon == list.npos ? list.npos : colon - pos);
    if (!part.empty()) out.emplace_back(part);
    if (colon == list.npos) break;
    pos = colon + 1;
  }
  return out;
}

Result<std::string> FindPlugin(std::string_view name, const std::vector<std::string>& dirs) {
  if (name.empty() || name.find('/') != name.npos || name == "." || name == "..") {
    return InvalidArgument("invalid plugin name \"" + std::string(name) + "\"");
  }
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + std::string(name);
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) {
      return path;
    }
  }
  std::string searched;
  for (const std::string& dir : dirs)
    searched += (searched.empty() ? "" : ":") + dir;
  return NotFound("plugin \"" + std::string(name) + "\" not found in CNI_PATH [" + searched + "]");
}

std::vector<std::string> EnvironmentWithoutCni() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "CNI_", 4) == 0) continue;
    out.emplace_back(*e);
  }
  return out;
}

}  // namespace skiff::cni
