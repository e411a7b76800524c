#include "dataplane/dpdk/proxy_main.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "common/flags.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/metrics.h"
#include "dataplane/core/core.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/runtime.h"
#include "dataplane/dpdk/sync.h"
#include "dataplane/proxy/api_source.h"
#include "dataplane/proxy/static_source.h"

namespace skiff::dataplane::dpdk {
namespace {

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_reload = 0;
void OnStop(int) {
  g_stop = 1;
}
void OnHup(int) {
  g_reload = 1;
}

const char kSynopsis[] = "skiff-proxy --engine=dpdk [flags]";
const char kDescription[] =
    "The Skiff Service proxy on DPDK poll-mode drivers (docs/dpdk.md). Repeatable flags:\n"
    "  --dpdk-port='DEVARGS;addr=CIDR[;addr=CIDR][;gw=IP]'  a port to balance on, e.g.\n"
    "        'net_af_packet0,iface=eth1;addr=10.0.0.2/24;gw=10.0.0.1' or '0000:03:00.0;...'\n"
    "  --dpdk-eal-args='ARGS'  extra EAL arguments (space-separated)\n"
    "  --dpdk-exception-port=DEVARGS  TAP vdev for --dpdk-pass classes, e.g. "
    "net_tap0,iface=skiff0";

// Pulls every value of a flag whose values contain commas (FlagSet would
// split them) out of `args`.
std::vector<std::string> TakeRepeated(std::vector<std::string>& args, const std::string& name) {
  std::vector<std::string> values, rest;
  const std::string eq = "--" + name + "=", bare = "--" + name;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind(eq, 0) == 0) {
      values.push_back(args[i].substr(eq.size()));
    } else if (args[i] == bare && i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      rest.push_back(args[i]);
    }
  }
  args.swap(rest);
  return values;
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "skiff-proxy: %s\n", msg.c_str());
  return 2;
}

struct Flags {
  std::string engine = "dpdk", static_file, config_file, node_name, listen = "127.0.0.1:10249",
              log_level = "info";
  int64_t maglev = 16381, max_services = 65536, max_backends = 262144, max_frontends = 524288,
          max_sets = 131072;
  std::string mode = "nat", lcores, hugepages = "auto", snat_ports = "33000-60999", pass;
  int64_t memory_mb = 512, mbufs = 16383, rx_desc = 1024, tx_desc = 1024, flows = 262144,
          affinity = 65536, icmp_rate = 1000, idle_sleep_us = 50;
  std::chrono::milliseconds tcp_timeout{900000}, closing_timeout{10000}, udp_timeout{120000};
};

void Register(FlagSet& fs, Flags& f) {
  fs.String("engine", &f.engine, "data-plane engine: dpdk here (ebpf is the default engine)");
  fs.String("static-services", &f.static_file,
            "Services + EndpointSlices (YAML/JSON), re-read on change and on SIGHUP");
  fs.String("config", &f.config_file,
            "API server client config (admin.conf format): watch Services and EndpointSlices");
  fs.String("node-name", &f.node_name, "this node (default: hostname)");
  fs.String("listen", &f.listen, "/healthz and /metrics address");
  fs.String("log-level", &f.log_level, "trace|debug|info|warn|error");
  fs.Int("maglev-table-size", &f.maglev, "prime Maglev table size (same as the eBPF engine)");
  fs.Int("max-services", &f.max_services, "service-port id space (per-lcore counters)");
  fs.Int("max-backends", &f.max_backends, "backend id space");
  fs.Int("max-frontends", &f.max_frontends, "frontends (VIP, port, protocol)");
  fs.Int("max-backend-sets", &f.max_sets, "backend sets (Maglev tables)");
  fs.String("dpdk-mode", &f.mode, "nat (DNAT+SNAT, replies through us) or dsr (IPIP to backends)");
  fs.String("dpdk-lcores", &f.lcores,
            "CPUs of the worker lcores, e.g. 1 or 2-3 (default: last CPU)");
  fs.String("dpdk-hugepages", &f.hugepages,
            "auto (use reserved hugepages, else --no-huge with a warning) | on | off");
  fs.Int("dpdk-memory-mb", &f.memory_mb, "DPDK memory in MB");
  fs.Int("dpdk-mbufs", &f.mbufs, "mbufs in the packet pool");
  fs.Int("dpdk-rx-desc", &f.rx_desc, "RX descriptors per queue");
  fs.Int("dpdk-tx-desc", &f.tx_desc, "TX descriptors per queue");
  fs.Int("dpdk-flows", &f.flows, "flow-table entries per lcore and address family");
  fs.Int("dpdk-affinity-entries", &f.affinity, "ClientIP session-affinity entries (all lcores)");
  fs.String("dpdk-snat-ports", &f.snat_ports, "NAT source ports LOW-HIGH, split among lcores");
  fs.Duration("dpdk-tcp-timeout", &f.tcp_timeout, "idle timeout of TCP flows");
  fs.Duration("dpdk-tcp-closing-timeout", &f.closing_timeout,
              "idle timeout of TCP flows after FIN/RST");
  fs.Duration("dpdk-udp-timeout", &f.udp_timeout, "idle timeout of UDP flows");
  fs.String("dpdk-pass", &f.pass,
            "packet classes passed to --dpdk-exception-port instead of dropped: runt,truncated,"
            "fragment,ip-options,non-ip,not-service");
  fs.Int("dpdk-icmp-rate", &f.icmp_rate, "ICMP errors/TCP resets per second and lcore");
  fs.Int("dpdk-idle-sleep-us", &f.idle_sleep_us,
         "sleep of an idle lcore after 1000 empty polls (0: busy polling)");
}

template <typename T>
Status Range(const char* flag, int64_t v, int64_t lo, int64_t hi, T* out) {
  if (v < lo || v > hi)
    return InvalidArgument(std::string("--") + flag + " " + std::to_string(v) + ": expected " +
                           std::to_string(lo) + ".." + std::to_string(hi));
  *out = static_cast<T>(v);
  return Status::Ok();
}

Result<DpdkOptions> ToOptions(const Flags& f, const std::vector<std::string>& ports,
                              const std::vector<std::string>& exception,
                              const std::vector<std::string>& eal) {
  DpdkOptions o;
  for (const auto& p : ports) {
    auto po = ParsePortSpec(p, "--dpdk-port");
    if (!po.ok()) return po.status();
    o.ports.push_back(*po);
  }
  if (exception.size() > 1) return InvalidArgument("--dpdk-exception-port given twice");
  if (!exception.empty()) o.exception_port = exception[0];
  for (const auto& e : eal) {
    std::istringstream ss(e);
    std::string a;
    while (ss >> a)
      o.extra_eal_args.push_back(a);
  }
  if (f.mode == "nat")
    o.mode = ForwardingMode::kNat;
  else if (f.mode == "dsr")
    o.mode = ForwardingMode::kDsr;
  else
    return InvalidArgument("--dpdk-mode " + f.mode + ": expected nat or dsr");
  if (!f.lcores.empty()) {
    auto c = ParseCpuList(f.lcores, "--dpdk-lcores");
    if (!c.ok()) return c.status();
    o.worker_cpus = *c;
  }
  if (f.hugepages == "auto")
    o.hugepages = HugepageMode::kAuto;
  else if (f.hugepages == "on")
    o.hugepages = HugepageMode::kOn;
  else if (f.hugepages == "off")
    o.hugepages = HugepageMode::kOff;
  else
    return InvalidArgument("--dpdk-hugepages " + f.hugepages + ": expected auto, on or off");
  auto r = ParsePortRange(f.snat_ports, "--dpdk-snat-ports");
  if (!r.ok()) return r.status();
  o.snat_ports = *r;
  auto pass = ParseBadClasses(f.pass, "--dpdk-pass");
  if (!pass.ok()) return pass.status();
  o.pass = *pass;
  SKIFF_RETURN_IF_ERROR(Range("dpdk-memory-mb", f.memory_mb, 64, 1 << 20, &o.memory_mb));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-mbufs", f.mbufs, 1023, 1 << 24, &o.mbufs));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-rx-desc", f.rx_desc, 64, 16384, &o.rx_desc));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-tx-desc", f.tx_desc, 64, 16384, &o.tx_desc));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-flows", f.flows, 1024, 1 << 26, &o.flows_per_lcore));
  SKIFF_RETURN_IF_ERROR(
      Range("dpdk-affinity-entries", f.affinity, 64, 1 << 24, &o.affinity_entries));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-icmp-rate", f.icmp_rate, 0, 1000000, &o.icmp_rate));
  SKIFF_RETURN_IF_ERROR(Range("dpdk-idle-sleep-us", f.idle_sleep_us, 0, 100000, &o.idle_sleep_us));
  SKIFF_RETURN_IF_ERROR(Range("maglev-table-size", f.maglev, 7, 65521, &o.maglev_size));
  SKIFF_RETURN_IF_ERROR(Range("max-services", f.max_services, 16, 1 << 22, &o.max_services));
  SKIFF_RETURN_IF_ERROR(Range("max-frontends", f.max_frontends, 16, 1 << 24, &o.max_frontends));
  auto secs = [](std::chrono::milliseconds d) {
    return static_cast<uint32_t>(std::max<int64_t>(1, d.count() / 1000));
  };
  o.tcp_timeout_s = secs(f.tcp_timeout);
  o.tcp_closing_timeout_s = secs(f.closing_timeout);
  o.udp_timeout_s = secs(f.udp_timeout);
  SKIFF_RETURN_IF_ERROR(Validate(o));
  return o;
}

}  // namespace

bool SelectsDpdk(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--engine=dpdk") return true;
    if (args[i] == "--engine" && i + 1 < args.size() && args[i + 1] == "dpdk") return true;
  }
  return false;
}

std::string ProxyUsage() {
  FlagSet fs(kSynopsis, kDescription);
  Flags f;
  Register(fs, f);
  return fs.Help();
}

int ProxyMain(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  auto ports = TakeRepeated(args, "dpdk-port");
  auto exception = TakeRepeated(args, "dpdk-exception-port");
  auto eal = TakeRepeated(args, "dpdk-eal-args");
  FlagSet fs(kSynopsis, kDescription);
  Flags f;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  f.node_name = host;
  Register(fs, f);
  auto pos = fs.Parse(args);
  if (!pos.ok()) return Fail(pos.status().message());
  if (fs.help_requested()) {
    std::fputs(fs.Help().c_str(), stdout);
    return 0;
  }
  if (!pos->empty()) return Fail("unexpected argument " + (*pos)[0]);
  if (f.engine != "dpdk") return Fail("--engine=" + f.engine + ": this entry point is dpdk");
  if (!log::SetLevel(f.log_level)) return Fail("--log-level " + f.log_level + ": unknown level");
  if (!f.config_file.empty() && !f.static_file.empty())
    return Fail("--config and --static-services: give one source of Services");
  auto opts = ToOptions(f, ports, exception, eal);
  if (!opts.ok()) return Fail(opts.status().message());
  auto logger = log::Get("proxy");

  EngineLimits limits;
  limits.maglev_size = opts->maglev_size;
  limits.max_services = opts->max_services;
  limits.max_backends = static_cast<uint32_t>(f.max_backends);
  limits.max_frontends = opts->max_frontends;
  auto rt = Runtime::Start(*opts, limits);
  if (!rt.ok()) {
    int code = Fail(rt.status().message());
    CleanupEal();
    return code;
  }
  std::unique_ptr<Runtime> runtime = std::move(rt).value();

  CoreLimits cl;
  cl.max_services = opts->max_services;
  cl.max_backends = static_cast<uint32_t>(f.max_backends);
  cl.max_sets = static_cast<uint32_t>(f.max_sets);
  // Sets are shared_ptr-held by every table generation that uses them: an id
  // can be reused at once.
  cl.set_quarantine_ms = 0;
  Core core(NodeInfo{f.node_name}, cl);
  auto sync = std::make_unique<ServiceSync>(&core, &runtime->engine());

  std::unique_ptr<ServiceSource> source;
  StaticFileSource* reloadable = nullptr;
  if (!f.static_file.empty()) {
    auto file = std::make_unique<StaticFileSource>(f.static_file);
    reloadable = file.get();
    source = std::move(file);
  } else if (!f.config_file.empty()) {
    auto api = MakeApiServiceSource(f.config_file);
    if (!api.ok()) {
      sync.reset();
      runtime.reset();
      CleanupEal();
      return Fail("--config " + f.config_file + ": " + api.status().message());
    }
    source = std::move(*api);
  } else {
    logger->warn("msg=\"no --config or --static-services: no Service is balanced\"");
    sync->OnEvent(ServiceEvent{});  // kSynced: an empty listing
  }

  // The collector outlives the runtime in the registry; it checks `live`.
  auto live = std::make_shared<std::atomic<Runtime*>>(runtime.get());
  metrics::Registry::Default().AddCollector([live](std::string& out) {
    if (Runtime* r = live->load()) r->CollectMetrics(out);
  });
  ServiceSync* sync_ptr = sync.get();
  ServiceSource* src_ptr = source.get();
  Runtime* rt_ptr = runtime.get();
  auto srv = http::Server::Start(
      f.listen, {{"/healthz",
                  [sync_ptr, src_ptr, rt_ptr](const http::Request&) {
                    http::Response r;
                    bool src_ok = !src_ptr || src_ptr->Healthy();
                    r.body = "engine: dpdk\n" + rt_ptr->HealthText() +
                             "synced: " + (sync_ptr->synced() ? "yes" : "no") + "\nsource: " +
                             (src_ok ? "ok" : "unavailable (serving the last state)") + "\n";
                    return r;
                  }},
                 {"/metrics", http::MetricsHandler()}});
  if (!srv.ok()) {
    live->store(nullptr);
    sync.reset();
    runtime.reset();
    CleanupEal();
    return Fail("--listen " + f.listen + ": " + srv.status().message());
  }
  if (source) {
    Status s = source->Start([sync_ptr](ServiceEvent ev) { sync_ptr->OnEvent(std::move(ev)); });
    if (!s.ok()) logger->error("msg=\"service source failed to start\" error=\"{}\"", s.message());
  }

  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnStop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = OnHup;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  logger->info("msg=\"skiff-proxy running\" engine=dpdk mode={} metrics_port={}",
               ForwardingModeName(opts->mode), (*srv)->port());
  while (!g_stop) {
    usleep(100 * 1000);
    if (g_reload) {
      g_reload = 0;
      if (reloadable) reloadable->Reload();
    }
  }
  logger->info("msg=\"stopping; the DPDK data plane stops with the process\"");
  if (source) source->Stop();
  srv->reset();
  live->store(nullptr);
  sync.reset();
  runtime.reset();
  CleanupEal();
  return 0;
}

}  // namespace skiff::dataplane::dpdk
