// The contract between the process runtime (node/runtime/process_runtime.h)
// and skiff-shim, the small per-container monitor process (the role conmon
// plays for runc). The runtime writes a ShimConfig as JSON and starts
//
//   skiff-shim run  CONFIG SYNC_FD   start the container, report, wait, record
//   skiff-shim exec CONFIG           run a command inside a running container
//
// `run` forks the container process into its namespaces and cgroups, writes
// one line to SYNC_FD and closes it:
//   "started <pid> <start_ticks>\n"          (host pid, /proc/PID/stat field 22)
//   "error <stage>\t<errno>\t<message>\n"   (nothing is left running)
// then waits for the container and writes `exit_path` atomically:
//   "<exit_code> <signal> <finished_unix_nanos>\n"
// (exit_code is 128+signal for a killed process) and exits. The shim outlives
// the agent, so a restarted agent learns exit codes of adopted containers.
//
// `exec` joins the namespaces and cgroup of `target_pid`, runs the command
// with the inherited stdin/stdout/stderr, and exits with its exit code
// (128+signal when killed; 126/127 when it cannot be started, with the reason
// on stderr).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::node::shim {

struct BindMount {
  std::string source;
  std::string target;
  bool read_only = false;
};

struct ShimConfig {
  std::vector<std::string> args;  // argv; args[0] is looked up in env's PATH without '/'
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  // Each PID-namespace mode: "new" (the process is PID 1 of its own
  // namespace), "host" (stay in the shim's), or a path to join
  // (/proc/PID/ns/pid of the pod's pause process).
  std::string pid_ns = "new";
  std::string net_ns;    // path to join; "" keeps the host's
  std::string hostname;  // "" keeps the host's UTS namespace
  bool new_mount_ns = true;
  std::vector<BindMount> mounts;          // in the new mount namespace
  std::vector<std::string> cgroup_procs;  // cgroup.procs files to join
  std::string log_path;                   // stdout+stderr, appended
  std::string exit_path;                  // run: where the exit status goes
  int64_t uid = -1, gid = -1;             // -1: unchanged (root)
  std::vector<int64_t> supplemental_groups;
  bool no_new_privileges = false;
  // run: instead of exec'ing args, stay as a reaping PID 1 (the pod's pause
  // process holding a shared PID namespace).
  bool pause = false;
  // exec: the container whose namespaces to join.
  int64_t target_pid = 0;
};

std::string EncodeShimConfig(const ShimConfig& config);
// INVALID_ARGUMENT naming the field.
Result<ShimConfig> DecodeShimConfig(std::string_view json);

struct ExitRecord {
  int exit_code = 0;
  int signal = 0;
  int64_t finished_unix_nanos = 0;
};
std::string EncodeExitRecord(const ExitRecord& r);
Result<ExitRecord> DecodeExitRecord(std::string_view text);

struct SyncReport {
  bool ok = false;
  int64_t pid = 0;
  uint64_t start_ticks = 0;
  std::string stage;  // on error: "config", "cgroup", "netns", "mount", "exec", ...
  int err = 0;
  std::string message;
};
std::string EncodeSyncReport(const SyncReport& r);
Result<SyncReport> DecodeSyncReport(std::string_view line);

}  // namespace skiff::node::shim
