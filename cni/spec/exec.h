// Runs a CNI plugin (or any helper) the way the spec prescribes: environment
// variables in, configuration on stdin, result on stdout. Used by the runtime
// library for every plugin and by skiff-cni to delegate IPAM.
//
// The child gets only the environment passed in, stdin from the request,
// stdout/stderr captured, no other inherited descriptors, its own process
// group (so a timeout kills its helpers too), default signal dispositions.
// Thread-safe: no shared state; SIGPIPE is never raised in the caller.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::cni {

struct ExecRequest {
  std::string path;               // absolute path of the executable
  std::vector<std::string> argv;  // argv[0..]; empty means {path}
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::string stdin_data;
  // 0 means no limit. On expiry the process group gets SIGKILL and Exec
  // returns DEADLINE_EXCEEDED naming the path.
  std::chrono::milliseconds timeout{0};
  // Output beyond this many bytes per stream fails with RESOURCE_EXHAUSTED.
  size_t max_output = 16 << 20;
};

struct ExecOutput {
  int exit_code = -1;   // when the process exited
  int term_signal = 0;  // when it was killed by a signal
  std::string out;
  std::string err;
};

// Runs the process to completion. Errors: NOT_FOUND/PERMISSION_DENIED when it
// cannot be started, DEADLINE_EXCEEDED on timeout; a non-zero exit is not an
// error here (the caller decodes stdout).
Result<ExecOutput> Exec(const ExecRequest& request);

// Splits a CNI_PATH-style list ("/a:/b"); empty elements are dropped.
std::vector<std::string> SplitPathList(std::string_view list);

// The first regular, executable file named `name` in `dirs`. `name` must be
// a bare file name (no '/'). NOT_FOUND lists the directories searched.
Result<std::string> FindPlugin(std::string_view name, const std::vector<std::string>& dirs);

// The current process environment without variables whose name starts with
// "CNI_" (the runtime sets those per call).
std::vector<std::string> EnvironmentWithoutCni();

}  // namespace skiff::cni
