#include "node/runtime/process.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "node/runtime/fs.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace skiff::node {
namespace {

// Returns the fields after the command name ("(comm)" may contain spaces and
// parentheses, so split after the last ')').
bool StatFields(pid_t pid, std::string* state, uint64_t* start_ticks) {
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text.ok()) return false;
  size_t close = text->rfind(')');
  if (close == std::string::npos) return false;
  // Field 3 is the state; field 22 the start time: 19 fields after state.
  const char* p = text->c_str() + close + 1;
  int field = 2;
  while (*p && field < 22) {
    while (*p == ' ')
      ++p;
    ++field;
    const char* start = p;
    while (*p && *p != ' ')
      ++p;
    if (field == 3) state->assign(start, p);
    if (field == 22) {
      *start_ticks = std::strtoull(start, nullptr, 10);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<uint64_t> ProcessStartTicks(pid_t pid) {
  std::string state;
  uint64_t ticks = 0;
  if (!StatFields(pid, &state, &ticks)) return NotFound("no process " + std::to_string(pid));
  return ticks;
}

bool ProcessAlive(const ProcessId& id) {
  if (id.pid <= 0) return false;
  std::string state;
  uint64_t ticks = 0;
  if (!StatFields(id.pid, &state, &ticks)) return false;
  return ticks == id.start_ticks && state != "Z" && state != "X";
}

Result<int> OpenPidfd(const ProcessId& id) {
  if (id.pid <= 0) return InvalidArgument("invalid pid");
  int fd = static_cast<int>(syscall(SYS_pidfd_open, id.pid, 0));
  if (fd < 0) return NotFound("pidfd_open " + std::to_string(id.pid) + ": " + strerror(errno));
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  // The pid may have been recycled between recording and opening: the start
  // time read after opening tells.
  auto ticks = ProcessStartTicks(id.pid);
  if (!ticks.ok() || *ticks != id.start_ticks) {
    close(fd);
    return NotFound("process " + std::to_string(id.pid) + " is gone");
  }
  return fd;
}

Status SignalPidfd(int pidfd, int sig) {
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0 && errno != ESRCH) {
    return Internal(std::string("pidfd_send_signal: ") + strerror(errno));
  }
  return Status::Ok();
}

Status SignalProcess(const ProcessId& id, int sig) {
  auto fd = OpenPidfd(id);
  if (!fd.ok()) return Status::Ok();
  Status st = SignalPidfd(*fd, sig);
  close(*fd);
  return st;
}

int64_t StartTicksToUnixNanos(uint64_t start_ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  timespec boot{}, real{};
  clock_gettime(CLOCK_BOOTTIME, &boot);
  clock_gettime(CLOCK_REALTIME, &real);
  int64_t now_real = real.tv_sec * 1000000000LL + real.tv_nsec;
  int64_t since_boot = boot.tv_sec * 1000000000LL + boot.tv_nsec;
  int64_t started_after_boot = static_cast<int64_t>(start_ticks) * (1000000000LL / hz);
  return now_real - since_boot + started_after_boot;
}

}  // namespace skiff::node
