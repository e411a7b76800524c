// ContainerRuntime: how the agent runs containers, behind one interface so an
// OCI runtime (runc) can sit next to the built-in process runtime. The pod
// lifecycle (sync loop, probes, status) lives in node/pod and only talks to
// this interface; the pod sandbox (network namespace, CNI, pod cgroup) is set
// up by the agent and handed over as paths.
//
// A container instance is one start of one container of a pod: every restart
// is a new instance with a new id. Instances are recorded on disk by the
// runtime, so a restarted agent lists and adopts them (List) instead of
// starting them again.
//
// Thread-safety: every method may be called from any thread; callbacks run on
// the runtime's monitor thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/runtime/cgroups.h"
#include "node/runtime/process.h"
#include "node/runtime/stage_times.h"

namespace skiff::node {

struct MountSpec {
  std::string source;  // host path
  std::string target;  // path inside the container; created on the node when missing
                       // (a directory, or an empty file for a file source)
  bool read_only = false;
};

struct ContainerConfig {
  std::string pod_uid;
  std::string pod_namespace;
  std::string pod_name;
  std::string name;               // container name ("" for the pod's pause process)
  int attempt = 0;                // restart count of this instance
  std::vector<std::string> args;  // command + args, already expanded
  std::vector<std::string> env;   // KEY=VALUE
  std::string working_dir;        // "" = /
  std::string hostname;           // "" = the node's UTS namespace
  std::string netns_path;         // "" = the node's network namespace
  // "new" (PID 1 of its own namespace), "host", or a namespace path to join.
  std::string pid_ns = "new";
  std::vector<MountSpec> mounts;
  std::string log_path;       // stdout and stderr, appended
  std::string cgroup_parent;  // the pod's cgroup (relative path)
  CgroupResources resources;
  int64_t run_as_user = -1, run_as_group = -1;
  std::vector<int64_t> supplemental_groups;
  bool no_new_privileges = false;
  // The pod's pause process: holds a shared PID namespace, runs no command.
  bool pause = false;
  // Optional, not owned: the runtime adds the stages of the start to it.
  StageTimes* times = nullptr;
};

struct ContainerHandle {
  std::string id;  // unique per instance (hex)
  std::string pod_uid;
  std::string name;
  int attempt = 0;
  ProcessId process;          // the container's main process, as the node sees it
  ProcessId monitor;          // the runtime's per-container monitor (shim), if any
  int64_t started_at_ns = 0;  // wall clock
  std::string cgroup;         // relative cgroup path
  std::string log_path;
  bool pause = false;
};

struct ContainerExit {
  int exit_code = 0;  // 128+signal when killed
  int signal = 0;
  int64_t finished_at_ns = 0;
  bool oom_killed = false;
  // The exit status was lost (monitor killed while the agent was down).
  bool unknown = false;
};

struct ExecResult {
  int exit_code = -1;
  std::string output;                    // stdout+stderr, truncated to max_output
  std::string stdout_data, stderr_data;  // each stream, truncated to max_output
  bool timed_out = false;
};

struct ExecOptions {
  std::vector<std::string> env;
  std::string working_dir;
  std::string stdin_data;
  std::chrono::milliseconds timeout{std::chrono::seconds(1)};
  size_t max_output = 10 * 1024;
};

class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // "skiff-process" (containerID scheme: "skiff-process://<id>").
  virtual std::string Name() const = 0;

  // Starts an instance. The error message says what failed as the user needs
  // to read it (`exec: "foo": executable file not found in $PATH`); nothing
  // is left behind on error. INVALID_ARGUMENT: the configuration cannot run
  // (missing command, bad working directory); other codes: node failures.
  virtual Result<ContainerHandle> Start(const ContainerConfig& config) = 0;

  // Calls on_exit once when the instance has exited (also when it already
  // has). Replaces an earlier watch of the same instance.
  virtual Status Watch(const ContainerHandle& h,
                       std::function<void(const ContainerExit&)> on_exit) = 0;
  virtual void Unwatch(const ContainerHandle& h) = 0;

  virtual bool Running(const ContainerHandle& h) = 0;
  // Signals the main process (a vanished process is OK).
  virtual Status Signal(const ContainerHandle& h, int sig) = 0;
  // Runs a command inside the running instance's namespaces and cgroup.
  virtual Result<ExecResult> Exec(const ContainerHandle& h, const std::vector<std::string>& cmd,
                                  const ExecOptions& options) = 0;
  // The exit status of an instance that has exited (NOT_FOUND while running).
  virtual Result<ContainerExit> ExitStatus(const ContainerHandle& h) = 0;
  // Kills whatever is left of the instance and removes its cgroup and
  // runtime state (not its log).
  virtual Status Remove(const ContainerHandle& h) = 0;
  // Every instance the runtime knows about (running or exited, not removed).
  virtual std::vector<ContainerHandle> List() = 0;
  virtual CgroupStats Stats(const ContainerHandle& h) = 0;
};

}  // namespace skiff::node
