// What the agent remembers about a pod on disk (ROOT/pods/<uid>/state.json),
// so a restarted agent adopts the pod's sandbox and running containers
// instead of recreating them: the sandbox (network namespace, IPs, CNI
// network, pod cgroup, pause process) and, per container, the current
// instance id, the restart count and the last termination.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/pod/status.h"

namespace skiff::node {

struct ContainerRecord {
  int restart_count = 0;
  std::string instance_id;  // runtime instance id; "" when none
  std::optional<TerminationView> last;
};

struct PodState {
  std::string uid, ns, name;
  int64_t start_time_ns = 0;
  bool sandbox_ready = false;
  std::string netns_path;
  std::vector<std::string> pod_ips;
  std::string network;
  std::string cgroup;  // the pod cgroup (relative)
  std::string pause_id;
  // All containers ran to completion (or the pod was rejected): nothing may
  // be started again.
  bool terminal = false;
  std::string rejected_reason, rejected_message;
  std::map<std::string, ContainerRecord> containers;  // by container name
};

std::string EncodePodState(const PodState& s);
Result<PodState> DecodePodState(std::string_view json);

// ROOT/pods/<uid>/state.json, written atomically.
Status SavePodState(const std::string& pod_dir, const PodState& s);
Result<PodState> LoadPodState(const std::string& pod_dir);

}  // namespace skiff::node
