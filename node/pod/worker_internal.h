// PodWorker's per-container bookkeeping, shared by worker*.cc only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "node/pod/handlers.h"
#include "node/pod/worker.h"

namespace skiff::node {

enum ProbeKind { kLivenessProbe = 0, kReadinessProbe = 1, kStartupProbe = 2 };

struct PodWorker::Container {
  api::Container spec;
  bool init = false;
  bool sidecar = false;  // init container with restartPolicy Always

  int restart_count = 0;
  std::optional<TerminationView> last;    // the previous instance's end
  std::optional<ContainerHandle> handle;  // the current instance
  bool instance_removed = false;          // its runtime state is gone (terminal pod)
  bool running = false;
  std::optional<ContainerExit> exit;  // the current instance's end

  // Why there is no instance (yet): reason/message for the waiting state.
  std::string waiting_reason = "ContainerCreating";
  std::string waiting_message;
  bool start_failed = false;  // the last start attempt failed
  int64_t failed_at_ns = 0;

  bool started = false;  // startup probe passed (or none)
  bool ready = false;
  bool stopping = false;  // being stopped by the worker
  // A liveness/startup probe failed for good, or postStart failed: the
  // instance must be killed (message for the Killing event).
  bool kill_requested = false;
  std::string kill_message;

  EnvList env;
  std::unique_ptr<ProbeTracker> trackers[3];
  uint64_t probe_ids[3] = {0, 0, 0};
  bool probes_started = false;
};

// Termination as the API shows it, for the instance that just ended.
TerminationView TerminationOf(const PodWorker::Container& c, const std::string& runtime_name);
std::string BackoffKey(const std::string& uid, const std::string& name);
const api::Probe* ProbeOf(const api::Container& c, int kind);

}  // namespace skiff::node
