// Process identity and signalling that survive PID reuse: a process is named
// by (pid, start time in clock ticks since boot, field 22 of /proc/PID/stat),
// and signals go through pidfds, so a recycled PID is never signalled.
// Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skiff::node {

struct ProcessId {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // /proc/PID/stat field 22
  bool valid() const { return pid > 0; }
  friend bool operator==(const ProcessId&, const ProcessId&) = default;
};

// The start time of `pid`; NOT_FOUND when it does not exist.
Result<uint64_t> ProcessStartTicks(pid_t pid);
// True when `id.pid` exists, is not a zombie, and started at id.start_ticks.
bool ProcessAlive(const ProcessId& id);
// A pidfd for `id` (O_CLOEXEC), checked against the start time after opening
// so it refers to that very process. NOT_FOUND when it is gone.
Result<int> OpenPidfd(const ProcessId& id);
// pidfd_send_signal; ESRCH (already exited) is OK.
Status SignalPidfd(int pidfd, int sig);
// Opens a pidfd and signals; a vanished process is OK.
Status SignalProcess(const ProcessId& id, int sig);
// Wall-clock time (ns since the epoch) at which a process with `start_ticks`
// started, from the boot time and the clock tick rate.
int64_t StartTicksToUnixNanos(uint64_t start_ticks);

}  // namespace skiff::node
