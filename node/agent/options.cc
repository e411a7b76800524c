#include "node/agent/options.h"

#include <functional>

#include "api/quantity.h"
#include "common/flags.h"

namespace skiff::node {
namespace {

Status ParseQuantity(const std::string& flag, const std::string& text, bool milli, int64_t* out) {
  if (text.empty()) return Status::Ok();
  auto q = api::Quantity::Parse(text);
  if (!q.ok()) return InvalidArgument("--" + flag + ": " + q.status().message());
  if (q->Sign() < 0) return InvalidArgument("--" + flag + ": must not be negative, got " + text);
  *out = milli ? q->MilliValue() : q->Value();
  return Status::Ok();
}

}  // namespace

Result<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine cl;
  AgentOptions& o = cl.options;
  std::string cpu, memory, reserved_cpu, reserved_memory;
  std::vector<std::string> labels, cni_bin = o.network.bin_dirs;
  FlagSet f("skiff-agent --config FILE --node-name NAME [flags]",
            "The Skiff node agent: registers this machine as a Node and runs the pods bound to "
            "it\n(network namespace + CNI, processes in cgroups, probes, logs, stats).");
  f.String("config", &cl.config, "Client config (admin.conf format) to reach the API server.");
  f.String("node-name", &o.node_name, "Name of the Node object (default: the host name).");
  f.String("node-ip", &o.node_ip,
           "The node's InternalIP (default: address of the default-route interface).");
  f.List("node-label", &labels, "Extra Node label KEY=VALUE (repeatable).");
  f.String("listen", &o.listen, "Address of the agent's HTTP API (logs, stats, healthz).");
  f.String("root-dir", &o.root_dir, "Pod state, logs and container records.");
  f.String("run-dir", &o.run_dir,
           "Container instance records, volatile: a tmpfs such as /run/skiff/agent is best "
           "(default: the root dir).");
  f.String("cni-conf-dir", &o.network.conf_dir, "CNI network configuration directory.");
  f.List("cni-bin-dir", &cni_bin, "CNI plugin directories, searched in order.");
  f.String("cni-cache-dir", &o.network.cache_dir, "CNI result cache (libcni's layout).");
  f.String("netns-dir", &o.network.netns_dir, "Where pod network namespaces are mounted.");
  f.String("cgroup-parent", &o.cgroup_parent, "cgroup under which pod cgroups are created.");
  f.String("shim", &o.shim_path, "skiff-shim binary (default: next to skiff-agent).");
  f.List("cluster-dns", &o.cluster_dns, "Cluster DNS server IPs for pods' resolv.conf.");
  f.String("cluster-domain", &o.cluster_domain, "Cluster domain for DNS search paths.");
  f.String("resolv-conf", &o.resolv_conf, "The node's resolv.conf (dnsPolicy Default).");
  f.String("cpu", &cpu, "CPU capacity to report, e.g. 4 or 3500m (default: online CPUs).");
  f.String("memory", &memory, "Memory capacity to report, e.g. 8Gi (default: MemTotal).");
  f.Int("max-pods", &o.max_pods, "Most pods this node runs.");
  f.String("reserved-cpu", &reserved_cpu, "CPU kept back from allocatable.");
  f.String("reserved-memory", &reserved_memory, "Memory kept back from allocatable.");
  f.Duration("heartbeat-interval", &o.heartbeat, "How often the Node status is renewed.");
  f.Duration("backoff-base", &o.backoff_base, "First crash-loop back-off (doubles per crash).");
  f.Duration("backoff-max", &o.backoff_max, "Longest crash-loop back-off.");
  f.Duration("sync-frequency", &o.resync, "Each pod is synced at least this often.");
  f.String("log-level", &cl.log_level, "trace, debug, info, warn, error.");
  auto rest = f.Parse(argc, argv);
  if (!rest.ok()) return rest.status();
  if (f.help_requested()) {
    cl.help = true;
    cl.help_text = f.Help();
    return cl;
  }
  if (!rest->empty()) return InvalidArgument("unexpected argument \"" + (*rest)[0] + "\"");
  if (cl.config.empty())
    return InvalidArgument("--config is required (e.g. /var/lib/skiff/admin.conf)");
  o.network.bin_dirs = cni_bin;
  SKIFF_RETURN_IF_ERROR(ParseQuantity("cpu", cpu, true, &o.cpu_milli));
  SKIFF_RETURN_IF_ERROR(ParseQuantity("memory", memory, false, &o.memory_bytes));
  SKIFF_RETURN_IF_ERROR(ParseQuantity("reserved-cpu", reserved_cpu, true, &o.reserved_cpu_milli));
  SKIFF_RETURN_IF_ERROR(
      ParseQuantity("reserved-memory", reserved_memory, false, &o.reserved_memory_bytes));
  if (o.max_pods < 1) return InvalidArgument("--max-pods: must be at least 1");
  if (o.heartbeat.count() <= 0) return InvalidArgument("--heartbeat-interval: must be positive");
  if (o.backoff_base.count() <= 0 || o.backoff_max < o.backoff_base) {
    return InvalidArgument("--backoff-base must be positive and not above --backoff-max");
  }
  if (o.resync.count() <= 0) return InvalidArgument("--sync-frequency: must be positive");
  for (const auto& l : labels) {
    size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("--node-label: expected KEY=VALUE, got \"" + l + "\"");
    }
    o.node_labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  // Pod namespaces carry the node's name: an agent treats unknown namespaces
  // with its prefix as orphans, so agents sharing a netns dir (several
  // nodes on one machine) must not see each other's.
  std::string node_key = o.node_name;
  if (node_key.size() > 40) {
    node_key = node_key.substr(0, 31) + "-" +
               std::to_string(std::hash<std::string>{}(o.node_name) % 100000000);
  }
  o.network.netns_prefix = "skiff-" + node_key + "-";
  return cl;
}

}  // namespace skiff::node
