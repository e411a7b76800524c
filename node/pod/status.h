// Pod status as kubelet reports it, computed from what the agent knows about
// a pod's containers (a plain snapshot, so it is testable without processes):
// phase, conditions (PodReadyToStartContainers, Initialized, ContainersReady,
// Ready, PodScheduled), podIP(s), hostIP(s), startTime, and one
// containerStatus per container with state, lastState, ready, started and
// restartCount.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skiff/api/core.pb.h"

namespace skiff::node {

struct TerminationView {
  int exit_code = 0;
  int signal = 0;
  std::string reason;  // Completed, Error, OOMKilled, ContainerStatusUnknown, StartError
  std::string message;
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
  std::string container_id;
};

struct ContainerView {
  std::string name;
  std::string image;
  enum class State { kWaiting, kRunning, kTerminated };
  State state = State::kWaiting;
  std::string waiting_reason = "ContainerCreating";
  std::string waiting_message;
  int64_t started_at_ns = 0;                  // running
  std::optional<TerminationView> terminated;  // state kTerminated
  std::optional<TerminationView> last;        // lastState
  int restart_count = 0;
  bool ready = false;
  bool started = false;
  std::string container_id;  // "skiff-process://<id>" of the current instance
};

struct PodView {
  std::vector<ContainerView> init;  // spec order
  std::vector<ContainerView> app;   // spec order
  bool sandbox_ready = false;
  std::vector<std::string> pod_ips;
  std::vector<std::string> host_ips;
  int64_t start_time_ns = 0;
  // Admission rejected the pod: phase Failed with this reason/message.
  std::string rejected_reason;
  std::string rejected_message;
  // The pod is being deleted and its containers are stopped: report a
  // terminal phase from their exit codes.
  bool terminal = false;
};

// Kubelet's getPhase over the views.
std::string PodPhase(const api::Pod& pod, const PodView& view);

// The full status. `previous` (what was last reported) keeps condition
// transition times that did not change; conditions owned by others
// (PodScheduled, readiness gates) and qosClass come from pod.status().
api::PodStatus ComputePodStatus(const api::Pod& pod, const PodView& view,
                                const api::PodStatus& previous, int64_t now_ns);

// Timestamp helpers (nanoseconds since the epoch, truncated to seconds as the
// API's RFC 3339 times are).
google::protobuf::Timestamp ToTimestamp(int64_t ns);
int64_t FromTimestamp(const google::protobuf::Timestamp& t);
int64_t NowNanos();

}  // namespace skiff::node
