// ProcessRuntime: containers as plain processes from the node's filesystem
// (no images), each started and watched by its own skiff-shim (see
// node/shim/config.h). Per instance it keeps, under state_dir/<id>/:
// handle.json (what List returns), config.json (the shim's input), exit (the
// shim's record of the exit) and shim.log (the shim's own errors).
//
// Each instance gets a cgroup "<cgroup_parent>/ctr-<name>-<attempt>" (or
// "pause"), its own mount and UTS namespaces, the pod's network namespace,
// and a PID namespace as configured.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "node/runtime/cgroups.h"
#include "node/runtime/exit_monitor.h"
#include "node/runtime/runtime.h"

namespace skiff::node {

struct ProcessRuntimeOptions {
  std::string shim_path;  // the skiff-shim binary
  std::string state_dir;  // e.g. /var/lib/skiff/agent/containers
  std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
};

class ProcessRuntime : public ContainerRuntime {
 public:
  // The cgroup driver must outlive the runtime.
  ProcessRuntime(ProcessRuntimeOptions options, const CgroupDriver& cgroups);
  ~ProcessRuntime() override;

  std::string Name() const override { return "skiff-process"; }
  Result<ContainerHandle> Start(const ContainerConfig& config) override;
  Status Watch(const ContainerHandle& h,
               std::function<void(const ContainerExit&)> on_exit) override;
  void Unwatch(const ContainerHandle& h) override;
  bool Running(const ContainerHandle& h) override;
  Status Signal(const ContainerHandle& h, int sig) override;
  Result<ExecResult> Exec(const ContainerHandle& h, const std::vector<std::string>& cmd,
                          const ExecOptions& options) override;
  Result<ContainerExit> ExitStatus(const ContainerHandle& h) override;
  Status Remove(const ContainerHandle& h) override;
  std::vector<ContainerHandle> List() override;
  CgroupStats Stats(const ContainerHandle& h) override;

  // The skiff-shim next to the running binary, else "skiff-shim" on PATH.
  static std::string DefaultShimPath();

 private:
  std::string Dir(const std::string& id) const { return options_.state_dir + "/" + id; }
  Result<ProcessId> SpawnShim(const std::string& dir, std::string* report_line);
  void WatchProcess(const ContainerHandle& h, const ProcessId& who, bool is_shim,
                    std::function<void(const ContainerExit&)> on_exit);
  ContainerExit ExitOrUnknown(const ContainerHandle& h);
  // Reaps a monitor this process started, once: an unreaped child keeps its
  // pid, so this never collects an unrelated process that reused the number.
  void Reap(pid_t pid, bool block);

  ProcessRuntimeOptions options_;
  const CgroupDriver& cgroups_;
  ExitMonitor monitor_;
  std::mutex mu_;
  std::map<std::string, uint64_t> watches_;  // instance id -> monitor token
  std::set<pid_t> children_;                 // monitors started here, not yet reaped
};

// Serialization of handles (also used by the agent's pod state).
std::string EncodeHandle(const ContainerHandle& h);
Result<ContainerHandle> DecodeHandle(std::string_view json);

}  // namespace skiff::node
