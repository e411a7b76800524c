// The network side of a pod sandbox: a named network namespace per pod and
// the CNI chain from the node's conf dir, run through the CNI runtime library
// exactly as a container runtime does (so any CNI plugin works).
//
// ADD gets CNI_CONTAINERID = the pod UID, CNI_IFNAME eth0, CNI_ARGS with
// IgnoreUnknown=1, K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID
// and K8S_POD_UID, and the capability arguments ipRanges (the node's pod
// CIDRs), portMappings (containers' hostPorts) and bandwidth (the
// kubernetes.io/{ingress,egress}-bandwidth annotations). A failed ADD is
// rolled back (DEL, namespace removed): nothing is left behind.
//
// Thread-safety: calls for different pods may run concurrently.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cni/runtime/runtime.h"
#include "common/status.h"
#include "node/runtime/stage_times.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct PodNetworkOptions {
  std::string conf_dir = "/etc/cni/net.d";
  std::vector<std::string> bin_dirs = {"/opt/cni/bin"};
  std::string cache_dir = "/var/lib/cni";
  std::string netns_dir = "/run/netns";
  std::string netns_prefix = "skiff-";  // namespace name = prefix + pod UID
  std::chrono::milliseconds exec_timeout{std::chrono::seconds(60)};
};

struct PodNetworkState {
  std::string netns_path;        // "" for host-network pods
  std::vector<std::string> ips;  // pod IPs, IPv4 first
  std::string network;           // the CNI network name used
};

class PodNetwork {
 public:
  explicit PodNetwork(PodNetworkOptions options);

  // OK when a usable network configuration exists (and its plugins answer
  // STATUS where the list's version has it); else why not, as kubelet's
  // NetworkReady condition says it.
  Status Ready() const;

  // Creates the namespace and runs ADD. The error says what failed in the
  // user's terms (plugin, verb, CNI message). `times` (optional) gets the
  // stages cni_conf, netns and cni_add.
  Result<PodNetworkState> Setup(const api::Pod& pod, const std::vector<std::string>& pod_cidrs,
                                StageTimes* times = nullptr);
  // DEL (with the cached configuration and arguments when there are any)
  // and the namespace removed; repeated calls are fine. When DEL fails the
  // namespace is kept so a retry can finish the job.
  Status Teardown(const std::string& pod_uid, const std::string& ns, const std::string& name,
                  const PodNetworkState& state);

  std::string NetnsPathFor(const std::string& pod_uid) const;
  // UIDs of namespaces under netns_dir with our prefix.
  std::vector<std::string> ListPodNetns() const;
  const PodNetworkOptions& options() const { return options_; }

 private:
  cni::runtime::RuntimeConf Conf(const std::string& uid, const std::string& ns,
                                 const std::string& name, const std::string& netns) const;
  // PrepareNetnsDir once per agent (a shared mount stays shared); retried
  // after a failure.
  Status PrepareNetnsDirOnce();

  PodNetworkOptions options_;
  cni::runtime::CniRuntime cni_;
  std::mutex netns_dir_mu_;
  bool netns_dir_ready_ = false;
};

// portMappings capability entries for the pod's containers' hostPorts.
json::Array PortMappings(const api::Pod& pod);

}  // namespace skiff::node
