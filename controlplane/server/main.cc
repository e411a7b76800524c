// skiff-server: the control plane (API server, store, controllers).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "common/flags.h"
#include "common/log.h"
#include "controlplane/server/server.h"

int main(int argc, char** argv) {
  skiff::server::ServerOptions opts;
  std::string log_level = "info";
  std::string port_range = opts.ranges.node_port_range;
  int64_t mask_v4 = opts.ranges.node_cidr_mask_v4, mask_v6 = opts.ranges.node_cidr_mask_v6;
  skiff::FlagSet flags(
      "skiff-server [flags]",
      "Runs the Skiff control plane: the API server (gRPC over TLS with bearer\n"
      "tokens), its store, and the in-process controllers. On first start it\n"
      "creates a CA, a server certificate, an admin token and DATA_DIR/admin.conf\n"
      "for netctl and the node daemons (--config).");
  flags.String("data-dir", &opts.data_dir, "Directory for the database, certificates and tokens.");
  flags.String("store", &opts.store,
               "sqlite:DIR (embedded, the default: sqlite:DATA_DIR) or "
               "etcd://host:port[,host:port...].");
  flags.String("listen", &opts.listen, "API address (host:port).");
  flags.String("metrics-listen", &opts.metrics_listen,
               "HTTP address for /metrics, /healthz, /readyz; empty disables.");
  flags.List("tls-san", &opts.tls_sans, "Extra IPs/DNS names for the server certificate.");
  flags.String("advertise-address", &opts.advertise_address,
               "The IP pods reach the API at, published as the endpoint of the `kubernetes` "
               "Service (default: the --listen host when it is a specific address, else the "
               "host's first non-loopback IPv4 address).");
  flags.List("service-cluster-ip-range", &opts.ranges.service_cidrs,
             "Service ClusterIP ranges, one per IP family (IPv4,IPv6 for dual stack).");
  flags.List("cluster-cidr", &opts.ranges.cluster_cidrs,
             "Pod address ranges from which nodes get their podCIDRs, one per family.");
  flags.String("service-node-port-range", &port_range, "NodePort range LOW-HIGH.");
  flags.Int("node-cidr-mask-size-ipv4", &mask_v4, "Prefix length of each node's IPv4 podCIDR.");
  flags.Int("node-cidr-mask-size-ipv6", &mask_v6, "Prefix length of each node's IPv6 podCIDR.");
  flags.String(
      "encryption-provider-config", &opts.encryption_config,
      "EncryptionConfiguration file for Secrets at rest (default DATA_DIR/encryption.yaml, "
      "created with a new key on first start; \"none\" disables encryption).");
  flags.String("authorization-mode", &opts.authorization_mode,
               "RBAC (system:masters, node authorizer, RBAC) or AlwaysAllow.");
  flags.Duration("compaction-interval", &opts.compaction_interval,
                 "How often to compact store history; 0 disables.");
  std::chrono::milliseconds eviction = opts.pod_eviction_timeout;
  flags.Duration("node-monitor-grace-period", &opts.node_monitor_grace,
                 "A node whose agent is silent this long is marked NotReady.");
  flags.Duration("pod-eviction-timeout", &eviction,
                 "How long pods without their own toleration stay on a NotReady node.");
  flags.Duration("metrics-resolution", &opts.metrics_resolution,
                 "How often the resource metrics collector scrapes every Ready node's agent "
                 "(netctl top, HPA); 0 disables it.");
  flags.Duration("horizontal-pod-autoscaler-sync-period", &opts.hpa_sync_period,
                 "How often each HorizontalPodAutoscaler is evaluated.");
  std::string tolerance = std::to_string(opts.hpa_tolerance);
  flags.String("horizontal-pod-autoscaler-tolerance", &tolerance,
               "Minimum change (from 1.0) in the usage ratio for the HPA to act, e.g. 0.1.");
  std::chrono::milliseconds downscale = opts.hpa_downscale_stabilization;
  flags.Duration("horizontal-pod-autoscaler-downscale-stabilization", &downscale,
                 "Scale-down stabilization window of HPAs whose spec.behavior sets none: the "
                 "highest recommendation of this window wins (whole seconds).");
  flags.Duration("horizontal-pod-autoscaler-cpu-initialization-period",
                 &opts.hpa_cpu_initialization_period,
                 "After a pod starts, CPU samples count only once it is Ready and the sample "
                 "was taken after it became Ready.");
  flags.Duration("horizontal-pod-autoscaler-initial-readiness-delay",
                 &opts.hpa_initial_readiness_delay,
                 "After a pod starts, readiness changes in this period count as its initial "
                 "readiness.");
  flags.String("log-level", &log_level, "trace, debug, info, warn, error.");
  auto args = flags.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "skiff-server: %s\n", args.status().message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!args->empty()) {
    std::fprintf(stderr, "skiff-server: unexpected argument \"%s\"\n", (*args)[0].c_str());
    return 2;
  }
  if (!skiff::log::SetLevel(log_level)) {
    std::fprintf(stderr, "skiff-server: --log-level=%s: unknown level\n", log_level.c_str());
    return 2;
  }
  {
    char* end = nullptr;
    opts.hpa_tolerance = std::strtod(tolerance.c_str(), &end);
    if (tolerance.empty() || end == nullptr || *end != '\0') {
      std::fprintf(stderr, "skiff-server: --horizontal-pod-autoscaler-tolerance=%s: not a number\n",
                   tolerance.c_str());
      return 2;
    }
  }
  if (downscale.count() % 1000 != 0) {
    std::fprintf(stderr,
                 "skiff-server: --horizontal-pod-autoscaler-downscale-stabilization: must be "
                 "whole seconds\n");
    return 2;
  }
  opts.hpa_downscale_stabilization = std::chrono::duration_cast<std::chrono::seconds>(downscale);
  opts.ranges.node_port_range = port_range;
  opts.pod_eviction_timeout = std::chrono::duration_cast<std::chrono::seconds>(eviction);
  opts.ranges.node_cidr_mask_v4 = static_cast<int>(mask_v4);
  opts.ranges.node_cidr_mask_v6 = static_cast<int>(mask_v6);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = skiff::server::Server::Start(opts);
  if (!server.ok()) {
    std::fprintf(stderr, "skiff-server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    skiff::log::Get("server")->info("signal {}: shutting down", sig);
    (*server)->Shutdown();
  });
  // Returns once Shutdown() has finished (on the waiter thread).
  (*server)->Wait();
  waiter.join();
  return 0;
}
