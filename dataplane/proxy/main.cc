// skiff-proxy: the Skiff Service proxy. See docs/proxy.md.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/log.h"
#include "dataplane/proxy/api_source.h"
#include "dataplane/proxy/proxy.h"
#include "dataplane/proxy/static_source.h"
#ifdef SKIFF_WITH_DPDK
#include "dataplane/dpdk/proxy_main.h"
#endif

namespace {

using skiff::dataplane::IpAddr;
using skiff::dataplane::ProxyOptions;

const char kUsage[] =
    "usage: skiff-proxy [flags]\n"
    "  --engine=ebpf|dpdk            data-plane engine (--engine=dpdk --help: its flags)\n"
    "  --static-services FILE        Services + EndpointSlices (YAML/JSON), re-read on change\n"
    "                                and on SIGHUP\n"
    "  --config FILE                 API server client config (admin.conf format): watch\n"
    "                                Services and EndpointSlices\n"
    "  --node-name NAME              this node (default: hostname)\n"
    "  --devices a,b                 TC devices (default: every device with an address)\n"
    "  --xdp-devices a,b             also attach XDP on these uplinks\n"
    "  --xdp-mode native|generic     XDP attach mode (default native)\n"
    "  --no-socket-lb                do not attach the cgroup socket hooks\n"
    "  --cgroup DIR                  cgroup v2 directory for socket LB (default: root)\n"
    "  --bpf-root DIR                pin root (default /sys/fs/bpf/skiff)\n"
    "  --listen ADDR:PORT            /healthz and /metrics (default 127.0.0.1:10249)\n"
    "  --maglev-table-size N         prime Maglev table size (default 16381)\n"
    "  --max-services N --max-backends N --max-frontends N --max-backend-sets N\n"
    "  --ct-entries N                conntrack entries per family\n"
    "  --snat-ip4 IP --snat-ip6 IP   SNAT source (default: first address of first device)\n"
    "  --ct-gc-interval SECONDS      conntrack garbage collection period (default 30)\n"
    "  --log-level LEVEL             trace|debug|info|warn|error\n"
    "  --cleanup                     detach every Skiff program, remove pins, exit\n";

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_reload = 0;
void OnStop(int) {
  g_stop = 1;
}
void OnHup(int) {
  g_reload = 1;
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "skiff-proxy: %s\n", msg.c_str());
  std::exit(2);
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

uint32_t ParseCount(const std::string& flag, const std::string& v, uint32_t min, uint32_t max) {
  char* end = nullptr;
  errno = 0;
  unsigned long n = std::strtoul(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || n < min || n > max)
    Die(flag + " " + v + ": expected an integer in " + std::to_string(min) + ".." +
        std::to_string(max));
  return static_cast<uint32_t>(n);
}

}  // namespace

int main(int argc, char** argv) {
  ProxyOptions opt;
  std::string static_file, config_file, engine = "ebpf", log_level = "info";
  bool cleanup = false;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  opt.node_name = host;

  std::vector<std::string> args(argv + 1, argv + argc);
#ifdef SKIFF_WITH_DPDK
  if (skiff::dataplane::dpdk::SelectsDpdk(args)) return skiff::dataplane::dpdk::ProxyMain(args);
#endif
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i], v;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    auto value = [&]() -> std::string {
      if (has_value) return v;
      if (i + 1 >= args.size()) Die(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--engine") {
      engine = value();
    } else if (a == "--static-services") {
      static_file = value();
    } else if (a == "--config") {
      config_file = value();
    } else if (a == "--node-name") {
      opt.node_name = value();
    } else if (a == "--devices") {
      opt.devices = SplitList(value());
    } else if (a == "--xdp-devices") {
      opt.xdp_devices = SplitList(value());
    } else if (a == "--xdp-mode") {
      std::string m = value();
      if (m == "native")
        opt.xdp_mode = skiff::dataplane::ebpf::XdpMode::kNative;
      else if (m == "generic")
        opt.xdp_mode = skiff::dataplane::ebpf::XdpMode::kGeneric;
      else
        Die("--xdp-mode " + m + ": expected native or generic");
    } else if (a == "--no-socket-lb") {
      opt.socket_lb = false;
    } else if (a == "--cgroup") {
      opt.cgroup = value();
    } else if (a == "--bpf-root") {
      opt.load.pin_root = value();
    } else if (a == "--listen") {
      opt.listen = value();
    } else if (a == "--maglev-table-size") {
      opt.load.maglev_size = ParseCount(a, value(), 7, 1000003);
    } else if (a == "--max-services") {
      opt.load.max_services = ParseCount(a, value(), 16, 1u << 24);
    } else if (a == "--max-backends") {
      opt.load.max_backends = ParseCount(a, value(), 16, 1u << 24);
    } else if (a == "--max-frontends") {
      opt.load.max_frontends = ParseCount(a, value(), 16, 1u << 24);
    } else if (a == "--max-backend-sets") {
      opt.load.max_sets = ParseCount(a, value(), 16, 1u << 22);
    } else if (a == "--ct-entries") {
      opt.load.ct_entries = ParseCount(a, value(), 1024, 1u << 26);
    } else if (a == "--ct-gc-interval") {
      opt.ct_gc_interval_s = static_cast<int>(ParseCount(a, value(), 1, 86400));
    } else if (a == "--snat-ip4" || a == "--snat-ip6") {
      auto ip = IpAddr::Parse(value());
      if (!ip.ok()) Die(a + ": " + ip.status().message());
      if (ip->is_v4() != (a == "--snat-ip4")) Die(a + ": wrong address family");
      (a == "--snat-ip4" ? opt.snat4 : opt.snat6) = *ip;
    } else if (a == "--log-level") {
      log_level = value();
    } else if (a == "--cleanup") {
      cleanup = true;
    } else {
      Die("unknown flag " + a + "\n" + kUsage);
    }
  }
  if (!skiff::log::SetLevel(log_level)) Die("--log-level " + log_level + ": unknown level");
  if (cleanup) {
    auto s = skiff::dataplane::Proxy::Cleanup(opt.load.pin_root);
    if (!s.ok()) Die(s.ToString());
    return 0;
  }
  if (engine != "ebpf")
    Die("--engine=" + engine + ": this binary has the ebpf engine only (dpdk is a separate build)");
  if (!config_file.empty() && !static_file.empty()) {
    Die("--config and --static-services: give one source of Services");
  }
  if (static_file.empty() && config_file.empty())
    skiff::log::Get("proxy")->warn(
        "msg=\"no --config or --static-services: serving the pinned state only, no updates\"");

  std::unique_ptr<skiff::dataplane::ServiceSource> src;
  skiff::dataplane::StaticFileSource* raw = nullptr;
  if (!static_file.empty()) {
    auto file = std::make_unique<skiff::dataplane::StaticFileSource>(static_file);
    raw = file.get();
    src = std::move(file);
  } else if (!config_file.empty()) {
    auto api = skiff::dataplane::MakeApiServiceSource(config_file);
    if (!api.ok()) Die(api.status().ToString());
    src = std::move(*api);
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnStop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = OnHup;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto proxy = skiff::dataplane::Proxy::Start(std::move(opt), std::move(src));
  if (!proxy.ok()) Die(proxy.status().ToString());
  skiff::log::Get("proxy")->info("msg=\"skiff-proxy running\" metrics_port={}",
                                 (*proxy)->http_port());
  while (!g_stop) {
    usleep(100 * 1000);
    if (g_reload) {
      g_reload = 0;
      if (raw) raw->Reload();
    }
  }
  skiff::log::Get("proxy")->info("msg=\"stopping; the data plane stays in place\"");
  return 0;
}
