// A one-node Skiff cluster made of the REAL binaries, for end-to-end tests and
// benchmarks: skiff-server (temp --data-dir, free loopback port), skiff-agent
// (private root, CNI conf and bin dirs, its own cgroup parent, a node token
// from `netctl create token --node`) and a CNI chain (skiff-cni in routed
// mode, or the reference bridge + host-local plugins). Everything is driven
// through netctl --config admin.conf, as a user would.
//
// Isolation: the calling process must first enter a private network namespace
// (EnterPrivateNetns, before it starts threads); the server, the agent and the
// CNI plugins inherit it, so the "host" the pods are routed from is that
// namespace and no route, veth or address reaches the machine's real network.
// Names carry the test's pid: node "<tag>-<pid>-<n>", cgroup parent the same.
//
// Pod network namespaces live in a private --netns-dir (<work>/netns): the
// agent treats every namespace in its dir it does not know as an orphan, so
// agents sharing /run/netns would tear down each other's pods.
//
// Cleanup (destructor, also after failures): stops the agent and the server by
// PID, kills whatever is left in the cluster's cgroup parent, deletes the pod
// network namespaces left in its netns dir and unmounts it, deletes the bridge
// (bridge mode) and the work directory.
// Thread-safety: none; one thread drives a Cluster.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "tests/e2e/objects.h"
#include "tests/e2e/subprocess.h"

namespace skiff::e2e {

// The node address on the private namespace's loopback: pods route back to
// it, the agent's probes come from it.
inline constexpr const char* kNodeIp = "10.124.0.1";
// The server hands the first node this pod CIDR (--cluster-cidr 10.244.0.0/16,
// /24 per node); the bridge configuration uses it too.
inline constexpr const char* kPodCidr = "10.244.0.0/24";

// Moves the calling thread (call it from main, before any thread starts) into
// a new network namespace with loopback up and kNodeIp on it.
// FAILED_PRECONDITION when not root or unshare fails.
Status EnterPrivateNetns();
bool InPrivateNetns();

enum class CniMode { kSkiff, kBridge };
std::string_view CniModeName(CniMode mode);

struct ClusterOptions {
  std::string bin_dir;  // skiff binaries; "" = $SKIFF_BIN_DIR, else build/bin
  CniMode cni = CniMode::kSkiff;
  std::string reference_cni_dir = "/usr/lib/cni";
  std::string daemon_cpus;  // CPU list for server and agent (and so the pods); "" = any
  std::string tag = "e2e";  // name prefix: node, cgroup parent, bridge
  std::string log_level = "info";
  int node_cidr_mask_v4 = 24;  // prefix length of the node's podCIDR
};

class Cluster {
 public:
  static Result<std::unique_ptr<Cluster>> Start(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // `netctl --config admin.conf ARGS...` (bounded by `timeout`).
  RunResult Netctl(const std::vector<std::string>& args,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Writes `yaml` to a file in the work dir and runs `netctl apply -f` on it.
  Status Apply(const std::string& yaml);
  // `netctl get pods -o json` in the default namespace (optionally -l
  // selector). Records every UID seen for the leak check.
  Result<std::vector<PodInfo>> Pods(const std::string& selector = "");
  Result<std::vector<EndpointInfo>> Endpoints(const std::string& service);

  // Polls `pred` on the pod list every `interval` until it holds or
  // `timeout` passes; DEADLINE-style UNAVAILABLE naming `what` and the last
  // pod list otherwise.
  Status WaitPods(const std::string& what,
                  const std::function<bool(const std::vector<PodInfo>&)>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60),
                  const std::string& selector = "");

  // Polls the Service's EndpointSlices like WaitPods.
  Status WaitEndpoints(const std::string& service, const std::string& what,
                       const std::function<bool(const std::vector<EndpointInfo>&)>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // `curl` from the host namespace: GET http://ip:port/path (2 s limit).
  RunResult HttpGet(const std::string& ip, int port, const std::string& path = "/");

  // PIDs of the processes running `binary` (matched on argv[0]'s base name)
  // in the container cgroups of pod `uid`.
  std::vector<pid_t> ContainerPids(const std::string& uid, const std::string& binary);

  // Network resources of pods: is the pod's namespace still mounted? How many
  // veths are in the host namespace (only this cluster's pods have any)?
  bool NetnsExists(const std::string& uid) const;
  int HostVethCount() const;

  // Deletes every workload and pod through netctl, waits (bounded) until no
  // pod is left, then checks that the agent released everything: no pod
  // network namespace, veth, pod route, pod cgroup or IPAM reservation left.
  // The error lists every leak.
  Status DeleteAllAndCheckNoLeaks(std::chrono::milliseconds timeout = std::chrono::seconds(90));

  // netctl get pods -o wide, describe pods, events, and the agent's and
  // server's log tails: printed by tests on failure.
  std::string Diagnostics();

  const std::string& node_name() const { return node_; }
  const std::string& work_dir() const { return work_; }
  const std::string& bin_dir() const { return options_.bin_dir; }
  const std::string& admin_config() const { return admin_conf_; }
  pid_t agent_pid() const { return agent_.pid(); }
  pid_t server_pid() const { return server_.pid(); }
  const std::set<std::string>& seen_uids() const { return uids_; }
  bool AgentRunning() { return agent_.Running(); }
  bool ServerRunning() { return server_.Running(); }

 private:
  explicit Cluster(ClusterOptions options);
  Status Init();
  Status WriteCniConfig();
  Status StartServer();
  Status StartAgent();
  void ForceCleanup();

  ClusterOptions options_;
  std::string work_, node_, cgroup_parent_, bridge_;
  std::string admin_conf_, node_conf_;
  std::string cni_conf_dir_, cni_bin_dir_, netns_dir_;
  std::string run_dir_;  // a tmpfs, as a node's /run: netns mounts, the agent's --run-dir
  Daemon server_, agent_;
  std::set<std::string> uids_;
  int manifest_count_ = 0;
};

// argv[0]-style helper: "<bin_dir>/<name>".
std::string BinPath(const ClusterOptions& options, const std::string& name);

}  // namespace skiff::e2e
