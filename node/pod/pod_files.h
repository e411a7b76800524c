// The per-pod files bind-mounted over the node's in every container:
// /etc/resolv.conf (cluster DNS), /etc/hosts and /etc/hostname, built as
// kubelet builds them.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;  // "ndots:5", "edns0"
};

// Parses resolv.conf text (nameserver/search/domain/options; comments).
ResolvConf ParseResolvConf(const std::string& text);
// "search ...\nnameserver ...\noptions ...\n".
std::string FormatResolvConf(const ResolvConf& rc);

struct DnsSettings {
  std::vector<std::string> cluster_dns;  // --cluster-dns; empty: none
  std::string cluster_domain = "cluster.local";
  ResolvConf host;  // the node's resolv.conf (--resolv-conf)
};

// The pod's resolv.conf per dnsPolicy (ClusterFirst, ClusterFirstWithHostNet,
// Default, None) merged with spec.dnsConfig, capped at 3 nameservers and 32
// search domains. `warnings` gets kubelet's complaints (limits exceeded, no
// cluster DNS configured for a ClusterFirst pod).
ResolvConf PodResolvConf(const api::Pod& pod, const DnsSettings& settings,
                         std::vector<std::string>* warnings);

// The pod's hostname: spec.hostname, else the pod name cut to 63 characters
// (without trailing '-' or '.'), as kubelet does.
std::string PodHostname(const api::Pod& pod);

// /etc/hosts: the managed header, the pod's name on each of its IPs (with the
// FQDN when spec.subdomain is set) and spec.hostAliases. Host-network pods get
// the node's hosts file (`node_hosts`) plus the aliases.
std::string PodHostsFile(const api::Pod& pod, const std::vector<std::string>& pod_ips,
                         const std::string& cluster_domain, const std::string& node_hosts);

}  // namespace skiff::node
