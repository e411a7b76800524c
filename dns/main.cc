// skiff-dns: the cluster DNS server. See docs/dns.md and --help.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "common/http_server.h"
#include "common/log.h"
#include "common/net.h"
#include "dns/cache.h"
#include "dns/cluster_source.h"
#include "dns/cluster_state.h"
#include "dns/forwarder.h"
#include "dns/options.h"
#include "dns/responder.h"
#include "dns/server.h"
#include "dns/stats.h"

namespace skiff::dns {
namespace {

bool IsAny(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}
bool IsLoopback(const std::string& host) {
  return host.rfind("127.", 0) == 0 || host == "::1";
}

// An upstream that is this very server would loop every forwarded question.
bool PointsAtUs(const std::string& upstream, const net::HostPort& listen) {
  auto hp = net::ParseHostPort(upstream);
  if (!hp.ok() || hp->port != listen.port) return false;
  return hp->host == listen.host ||
         (IsAny(listen.host) && (IsLoopback(hp->host) || IsAny(hp->host)));
}

void Gauge(std::string& out, const char* name, const char* help, double v) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name,
                name, v);
  out += buf;
}

int Run(int argc, char** argv) {
  auto opts = ParseOptions(argc, argv);
  if (!opts.ok()) {
    std::fprintf(stderr, "skiff-dns: %s\n(see skiff-dns --help)\n",
                 opts.status().message().c_str());
    return 2;
  }
  Options& o = *opts;
  if (o.help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (!log::SetLevel(o.log_level)) {
    std::fprintf(stderr, "skiff-dns: --log-level: unknown level \"%s\"\n", o.log_level.c_str());
    return 2;
  }
  auto logger = log::Get("dns");
  auto listen = net::ParseHostPort(o.listen);
  if (!listen.ok()) {
    std::fprintf(stderr, "skiff-dns: --listen: %s\n", listen.status().message().c_str());
    return 2;
  }
  auto source = MakeClusterSource(o);
  if (!source.ok()) {
    std::fprintf(stderr, "skiff-dns: %s\n", source.status().message().c_str());
    return 2;
  }

  // Signals go to the main thread's sigwait only.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  const int workers = o.workers > 0 ? o.workers : std::max(1u, std::thread::hardware_concurrency());
  ClusterState state(o.cluster);
  ResponderConfig rc;
  rc.zone = DottedToWire(o.cluster.zone);
  rc.max_udp_size = o.max_udp_size;
  rc.pod_mode = o.cluster.pod_mode;
  rc.ttl = o.cluster.ttl;
  Responder responder(rc);

  ForwardConfig fc;
  fc.timeout = std::chrono::milliseconds(o.upstream_timeout_ms);
  fc.tries = o.upstream_tries;
  fc.cache_policy = o.cache_policy;
  fc.loop_detect = o.loop_detect;
  std::vector<std::string> upstreams = o.upstreams;
  const bool from_resolv_conf = upstreams.empty();
  if (from_resolv_conf) upstreams = ReadResolvConf(o.resolv_conf);
  for (const std::string& u : upstreams) {
    auto n = NormalizeUpstream(u);
    if (!n.ok() && from_resolv_conf) {
      // e.g. a link-local "fe80::1%eth0": not usable as a plain address.
      logger->warn("{}: skipping nameserver: {}", o.resolv_conf, n.status().message());
      continue;
    }
    if (!n.ok()) {
      std::fprintf(stderr, "skiff-dns: --upstream: %s\n", n.status().message().c_str());
      return 2;
    }
    if (PointsAtUs(*n, *listen)) {
      logger->warn("skipping upstream {}: it is this server (forwarding loop)", *n);
      continue;
    }
    fc.upstreams.push_back(*n);
  }
  if (fc.upstreams.empty()) {
    logger->warn("no upstreams: names outside the cluster zones get REFUSED");
  }
  ResponseCache cache(o.cache_size);
  Stats stats(static_cast<size_t>(workers) + 1);
  Forwarder forwarder(fc, &cache, &stats.slot(static_cast<size_t>(workers)));
  if (Status s = forwarder.Start(); !s.ok()) {
    std::fprintf(stderr, "skiff-dns: %s\n", s.message().c_str());
    return 2;
  }

  ServerConfig sc;
  sc.listen = o.listen;
  sc.workers = workers;
  sc.cpus = o.cpus;
  sc.tcp_idle_timeout = std::chrono::milliseconds(o.tcp_idle_timeout_ms);
  sc.tcp_max_connections = o.tcp_max_connections;
  sc.udp_coalesce = std::chrono::microseconds(o.udp_coalesce_us);
  sc.udp_coalesce_min_qps = o.udp_coalesce_min_qps;
  Server server(sc, responder, state, &forwarder, &cache, stats);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "skiff-dns: %s\n", s.message().c_str());
    return 1;
  }

  std::unique_ptr<http::Server> http;
  if (!o.http_listen.empty()) {
    std::map<std::string, http::Handler> routes;
    routes["/health"] = http::OkHandler();
    routes["/healthz"] = http::OkHandler();
    routes["/ready"] = [&](const http::Request&) {
      http::Response r;
      bool ready = state.synced() && server.running();
      r.status = ready ? 200 : 503;
      r.body = ready ? "ready\n" : "not ready: waiting for the first cluster sync\n";
      return r;
    };
    routes["/metrics"] = [&](const http::Request&) {
      http::Response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      stats.Render(r.body);
      auto reader = state.snapshots().NewReader();
      const Zone* z = reader->Enter();
      // A pending delta sits on the full zone: count both layers.
      double records = 0, names = 0;
      for (const Zone* layer = z; layer != nullptr; layer = layer->base()) {
        records += static_cast<double>(layer->record_count());
        names += static_cast<double>(layer->node_count());
      }
      reader->Exit();
      Gauge(r.body, "skiff_dns_zone_records", "Records in the current cluster snapshot.", records);
      Gauge(r.body, "skiff_dns_zone_names", "Names (with empty non-terminals) in the snapshot.",
            names);
      Gauge(r.body, "skiff_dns_snapshot_generation", "Changes published so far.",
            static_cast<double>(state.generation()));
      Gauge(r.body, "skiff_dns_snapshot_build_seconds", "Duration of the last snapshot rebuild.",
            state.last_build_seconds());
      Gauge(r.body, "skiff_dns_synced", "1 once the first cluster sync is done.",
            state.synced() ? 1 : 0);
      Gauge(r.body, "skiff_dns_cache_entries", "Entries in the forwarding cache.",
            static_cast<double>(cache.size()));
      Gauge(r.body, "skiff_dns_forward_loop_detected", "1 when a forwarding loop was detected.",
            forwarder.loop_detected() ? 1 : 0);
      return r;
    };
    auto h = http::Server::Start(o.http_listen, std::move(routes));
    if (!h.ok()) {
      std::fprintf(stderr, "skiff-dns: --http-listen: %s\n", h.status().message().c_str());
      return 1;
    }
    http = std::move(h).value();
  }

  if (Status s = (*source)->Start(state); !s.ok()) {
    std::fprintf(stderr, "skiff-dns: %s\n", s.message().c_str());
    return 1;
  }
  logger->info("ready zone={} port={} workers={} http={}", o.cluster.zone, server.port(), workers,
               http ? http->port() : 0);

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Status s = (*source)->Reload();
      if (s.ok()) {
        logger->info("reloaded records");
      } else {
        logger->error("reload failed, keeping the previous records: {}", s.message());
      }
      continue;
    }
    logger->info("signal {}: shutting down", sig);
    break;
  }
  http.reset();
  server.Stop();
  forwarder.Stop();
  (*source)->Stop();
  return 0;
}

}  // namespace
}  // namespace skiff::dns

int main(int argc, char** argv) {
  return skiff::dns::Run(argc, argv);
}
