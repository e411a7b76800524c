// netctl lb: the load balancer's state as the data plane holds it.
//
//   netctl lb services                 frontends in the pinned eBPF maps
//   netctl lb backends NS/SVC          a Service's backends and weights
//   netctl lb maglev NS/SVC            its Maglev table (slots per backend)
//   netctl lb conntrack [NS/SVC]       tracked flows
//   netctl lb stats                    per-service and per-backend counters
//   netctl lb stats --engine=dpdk [--proxy ADDR]
//                                      the DPDK engine's port/lcore counters
//
// The eBPF views read the maps pinned under --bpf-root (default
// /sys/fs/bpf/skiff) directly, so they work with the control plane down;
// they need root. The DPDK view reads skiff-proxy's /metrics.
#include "common/json/json.h"
#include "dataplane/dpdk/stats_client.h"
#include "dataplane/inspect/inspect.h"
#include "tools/netctl/commands.h"

namespace skiff::netctl {

namespace inspect = dataplane::inspect;

namespace {

constexpr const char* kLbUsage =
    "netctl lb services | backends NS/SVC | maglev NS/SVC | conntrack [NS/SVC] | stats";

// "web" means "<namespace>/web" with the namespace from -n (default).
std::string QualifiedService(Context& ctx, const std::string& name) {
  return name.find('/') == std::string::npos ? ctx.Namespace() + "/" + name : name;
}

}  // namespace

int RunLb(Context& ctx, const Args& args) {
  std::string pin_root = SKIFF_PIN_ROOT, engine = "ebpf", proxy = "127.0.0.1:10249", output;
  FlagSet flags(kLbUsage,
                "Shows the load balancer's state as the data plane holds it. The eBPF engine's\n"
                "views read the pinned maps directly (root; no API server needed).");
  flags.String("bpf-root", &pin_root, "where skiff-proxy pins its maps");
  flags.String("engine", &engine, "ebpf or dpdk (stats only)");
  flags.String("proxy", &proxy, "skiff-proxy's --listen address (--engine=dpdk)");
  flags.String("output", &output, "json for machine-readable output (also -o)");
  ctx.AddGlobalFlags(flags);
  Args normalized;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      normalized.push_back("--output=" + args[++i]);
    } else {
      normalized.push_back(args[i]);
    }
  }
  auto rest = flags.Parse(normalized);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (!output.empty() && output != "json") {
    return Fail(ctx, "lb: --output \"" + output + "\" is not supported (want json)");
  }
  if (engine != "ebpf" && engine != "dpdk") {
    return Fail(ctx, "lb: --engine \"" + engine + "\" is unknown (want ebpf or dpdk)");
  }
  if (rest->empty()) return Fail(ctx, std::string("lb: want a subcommand: ") + kLbUsage);
  const std::string& cmd = (*rest)[0];
  const bool has_arg = rest->size() > 1;
  const std::string svc = has_arg ? QualifiedService(ctx, (*rest)[1]) : "";
  if (rest->size() > 2) return Fail(ctx, "lb " + cmd + ": too many arguments");

  if (engine == "dpdk") {
    if (cmd != "stats") return Fail(ctx, "lb " + cmd + ": --engine=dpdk supports only stats");
    auto stats = dataplane::dpdk::FetchStats(proxy);
    if (!stats.ok()) return Fail(ctx, "lb stats: " + stats.status().message());
    std::string text = output == "json"
                           ? json::Serialize(dataplane::dpdk::ToJson(*stats), {2}) + "\n"
                           : dataplane::dpdk::RenderText(*stats);
    std::fputs(text.c_str(), ctx.out);
    return 0;
  }

  Result<inspect::Table> table = InvalidArgument("");
  if (cmd == "services" && !has_arg) {
    table = inspect::Services(pin_root);
  } else if (cmd == "backends" && has_arg) {
    table = inspect::Backends(pin_root, svc);
  } else if (cmd == "maglev" && has_arg) {
    table = inspect::Maglev(pin_root, svc);
  } else if (cmd == "conntrack") {
    table = inspect::Conntrack(pin_root, svc);
  } else if (cmd == "stats" && !has_arg) {
    table = inspect::Stats(pin_root);
  } else {
    return Fail(ctx, "lb: unknown or malformed subcommand \"" + cmd + "\"; usage: " + kLbUsage);
  }
  if (!table.ok()) return Fail(ctx, "lb " + cmd + ": " + table.status().message());
  std::string text =
      output == "json" ? json::Serialize(table->ToJson(), {2}) + "\n" : table->ToText();
  std::fputs(text.c_str(), ctx.out);
  return 0;
}

}  // namespace skiff::netctl
