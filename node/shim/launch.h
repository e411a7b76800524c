// What skiff-shim does inside the forked container process: join cgroups and
// namespaces, set up mounts, hostname and credentials, then exec. Runs in a
// single-threaded process (the shim), so ordinary libc calls are safe.
#pragma once

#include <string>
#include <vector>

#include "node/shim/config.h"

namespace skiff::node::shim {

// Finds args[0] the way runc does: as given when it contains '/', else in
// each directory of PATH from `env` (default PATH when env has none). On
// failure returns "" and sets *error to the runc-style message
// (`exec: "x": executable file not found in $PATH`) and *err to the errno.
std::string ResolveExecutable(const std::string& name, const std::vector<std::string>& env,
                              std::string* error, int* err);

// Sets up the calling process and execs (or pauses). Never returns: on a
// failure it writes "stage\terrno\tmessage" to err_fd and exits with 127.
// `own_pid_ns`: the process is in a PID namespace of its own or of the pod,
// so /proc is remounted for that namespace.
[[noreturn]] void LaunchContainer(const ShimConfig& c, int err_fd, int log_fd, int null_fd,
                                  bool own_pid_ns);

// Resets signal dispositions and the mask to the defaults (the shim ignores
// some signals; the container must not inherit that).
void ResetSignals();

// Applies groups, gid and uid from the config. Returns errno or 0; *what names
// the failed call.
int ApplyCredentials(const ShimConfig& c, std::string* what);

// The pause process: PID 1 of a pod's shared PID namespace. Reaps orphans
// until SIGTERM/SIGINT, then exits 0.
[[noreturn]] void PauseForever();

}  // namespace skiff::node::shim
