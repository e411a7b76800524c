// The agent's Node object: registration (create, or take over an existing
// Node of the same name, which keeps its pod CIDRs) and the heartbeat, a
// status update every interval with capacity, allocatable, addresses,
// nodeInfo, daemonEndpoints and the Ready / MemoryPressure / DiskPressure /
// PIDPressure conditions with a fresh lastHeartbeatTime.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client/client.h"
#include "node/agent/machine.h"
#include "node/pod/resources.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct NodeConfig {
  std::string name;
  std::map<std::string, std::string> labels;  // besides the kubernetes.io/* ones
  std::vector<std::string> internal_ips;
  int port = 10250;          // daemonEndpoints.kubeletEndpoint.Port
  ResourceAmounts capacity;  // from the machine or flags
  int64_t max_pods = 110;
  ResourceAmounts reserved;  // --reserved-cpu / --reserved-memory
  MachineInfo machine;
  std::string root_dir;
  std::string version = "v0.1.0-skiff";
  // Why pods cannot get a network (no CNI config): the Ready condition.
  std::function<Status()> network_ready;
};

// Capacity minus reservations and kubelet's default eviction thresholds
// (100Mi of memory, 10% of the disk).
ResourceAmounts Allocatable(const NodeConfig& c);

// The status to report. `previous` keeps condition transition times.
api::NodeStatus BuildNodeStatus(const NodeConfig& c, const Pressure& p, const Status& network,
                                const api::NodeStatus& previous, int64_t now_ns);

class NodeRegistrar {
 public:
  NodeRegistrar(api::ApiClient& client, NodeConfig config);
  ~NodeRegistrar();  // stops heartbeats

  // Creates the Node (or updates the labels of an existing one) and reports
  // its status. Waits up to `cidr_wait` for the server to assign pod CIDRs.
  Result<api::Node> Register(std::chrono::milliseconds cidr_wait = std::chrono::seconds(10));
  // One status update; re-registers when the Node was deleted.
  Status Heartbeat();
  void StartHeartbeats(std::chrono::milliseconds interval);
  void Stop();

  std::vector<std::string> PodCidrs() const;
  const NodeConfig& config() const { return config_; }

 private:
  api::Node Desired() const;

  api::ApiClient& client_;
  NodeConfig config_;
  mutable std::mutex mu_;
  std::vector<std::string> pod_cidrs_;
  api::NodeStatus last_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace skiff::node
