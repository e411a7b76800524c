// API server benchmark: create throughput and latency for N objects, and
// watch delivery latency with W watchers, on the embedded SQLite store and on
// a real etcd, interleaved (sqlite, etcd, sqlite, etcd, ...) in one run.
//
// The server under test (and etcd) run as separate processes pinned to CPU 1;
// this load generator pins itself to CPU 0. Objects are small ConfigMaps
// created by C concurrent clients over TLS gRPC with a bearer token, exactly
// as netctl and the daemons talk to the server. Watch latency is measured
// from just before an update is sent to its arrival at each watcher (one
// process, one steady clock). Prints a Markdown table; asserts nothing.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "bench/api/bench_cluster.h"
#include "common/flags.h"
#include "common/net.h"
#include "skiff/api/core.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using skiff::bench::Cluster;
using skiff::bench::ClusterSpec;
using skiff::bench::Median;
using skiff::bench::Percentile;

struct Options {
  std::string server_bin = "build/bin/skiff-server";
  std::string etcd_bin = "/usr/bin/etcd";
  int64_t rounds = 3;
  int64_t objects = 10000;
  int64_t concurrency = 32;
  int64_t watchers = 100;
  int64_t watch_events = 300;
  int64_t watch_rate = 100;  // updates per second
  std::string attach;        // admin.conf of a running server: measure it once
};

struct RoundResult {
  double creates_per_s = 0;
  double create_p50_ms = 0, create_p99_ms = 0;
  double watch_p50_ms = 0, watch_p99_ms = 0;
  size_t deliveries = 0;
};

skiff::api::ConfigMap Object(const std::string& name, const std::string& value) {
  skiff::api::ConfigMap cm;
  cm.mutable_metadata()->set_name(name);
  cm.mutable_metadata()->set_namespace_("default");
  (*cm.mutable_metadata()->mutable_labels())["bench"] = "api";
  (*cm.mutable_data())["value"] = value;
  return cm;
}

void MeasureCreates(Cluster& cluster, const Options& o, RoundResult* r) {
  std::vector<std::unique_ptr<skiff::api::ApiClient>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(cluster.NewClient());  // 4 connections
  std::vector<std::vector<double>> lat(o.concurrency);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> errors{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto& client = *clients[t % clients.size()];
      for (int64_t i; (i = next++) < o.objects;) {
        auto cm = Object("obj-" + std::to_string(i), std::string(200, 'x'));
        auto t0 = Clock::now();
        auto res = skiff::api::CreateObject(client, cm);
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!res.ok()) ++errors;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat)
    all.insert(all.end(), v.begin(), v.end());
  r->creates_per_s = o.objects / secs;
  r->create_p50_ms = Percentile(all, 0.5);
  r->create_p99_ms = Percentile(all, 0.99);
  if (errors)
    std::fprintf(stderr, "warning: %ld creates failed\n", static_cast<long>(errors.load()));
}

void MeasureWatch(Cluster& cluster, const Options& o, RoundResult* r) {
  auto probe = skiff::api::CreateObject(cluster.client(), Object("probe", "0"));
  if (!probe.ok()) return;
  std::mutex mu;
  std::map<std::string, Clock::time_point> sent;  // value -> send time
  std::vector<double> latencies;
  std::atomic<bool> done{false};
  std::vector<std::unique_ptr<skiff::api::ApiClient>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(cluster.NewClient());
  std::vector<std::unique_ptr<skiff::api::WatchStream>> streams;
  for (int w = 0; w < o.watchers; ++w) {
    skiff::api::WatchRequest req;
    req.set_kind("ConfigMap");
    req.set_namespace_("default");
    req.set_field_selector("metadata.name=probe");
    req.set_resource_version(probe->metadata().resource_version());
    auto s = clients[w % clients.size()]->Watch(req);
    if (s.ok()) streams.push_back(std::move(*s));
  }
  std::vector<std::thread> readers;
  for (auto& s : streams) {
    readers.emplace_back([&, stream = s.get()] {
      skiff::api::WatchEvent ev;
      while (!done) {
        if (stream->Read(&ev, std::chrono::milliseconds(100)) !=
            skiff::api::WatchStream::Next::kEvent) {
          continue;
        }
        auto now = Clock::now();
        skiff::api::ConfigMap cm;
        if (!cm.ParseFromString(ev.object())) continue;
        std::lock_guard lock(mu);
        auto it = sent.find(cm.data().at("value"));
        if (it != sent.end()) {
          latencies.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // streams established
  skiff::api::ConfigMap cm = *probe;
  auto period = std::chrono::microseconds(1000000 / o.watch_rate);
  auto next = Clock::now();
  for (int64_t i = 1; i <= o.watch_events; ++i) {
    std::string v = std::to_string(i);
    (*cm.mutable_data())["value"] = v;
    cm.mutable_metadata()->clear_resource_version();
    {
      std::lock_guard lock(mu);
      sent[v] = Clock::now();
    }
    (void)skiff::api::UpdateObject(cluster.client(), cm);
    next += period;
    std::this_thread::sleep_until(next);
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  done = true;
  for (auto& th : readers)
    th.join();
  for (auto& s : streams)
    s->Cancel();
  std::lock_guard lock(mu);
  r->deliveries = latencies.size();
  r->watch_p50_ms = Percentile(latencies, 0.5);
  r->watch_p99_ms = Percentile(latencies, 0.99);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  skiff::FlagSet flags("api_bench [flags]", "Benchmarks skiff-server on SQLite and on etcd.");
  flags.String("server-bin", &o.server_bin, "skiff-server binary.");
  flags.String("etcd-bin", &o.etcd_bin, "etcd binary.");
  flags.Int("rounds", &o.rounds, "Interleaved rounds per backend.");
  flags.Int("objects", &o.objects, "Objects created per round.");
  flags.Int("concurrency", &o.concurrency, "Concurrent creating clients.");
  flags.Int("watchers", &o.watchers, "Concurrent watchers.");
  flags.Int("watch-events", &o.watch_events, "Updates delivered to every watcher.");
  flags.Int("watch-rate", &o.watch_rate, "Updates per second during the watch test.");
  flags.String("attach", &o.attach, "admin.conf of a running server: measure it once, no peers.");
  auto args = flags.Parse(argc, argv);
  if (!args.ok() || flags.help_requested()) {
    std::fputs(args.ok() ? flags.Help().c_str() : args.status().message().c_str(), stderr);
    return args.ok() ? 0 : 2;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  sched_setaffinity(0, sizeof set, &set);
  signal(SIGPIPE, SIG_IGN);

  if (!o.attach.empty()) {
    Cluster cluster(o.attach);
    if (!cluster.ready()) return 1;
    RoundResult r;
    MeasureCreates(cluster, o, &r);
    MeasureWatch(cluster, o, &r);
    std::printf("creates/s %.0f p50 %.2f ms p99 %.2f ms | watch p50 %.2f ms p99 %.2f ms\n",
                r.creates_per_s, r.create_p50_ms, r.create_p99_ms, r.watch_p50_ms, r.watch_p99_ms);
    return 0;
  }
  std::map<std::string, std::vector<RoundResult>> results;
  for (int round = 0; round < o.rounds; ++round) {
    for (const char* backend : {"sqlite", "etcd"}) {
      Cluster cluster(ClusterSpec{o.server_bin, o.etcd_bin, backend, {}});
      if (!cluster.ready()) {
        std::fprintf(stderr, "round %d %s: server did not start (see %s)\n", round, backend,
                     cluster.dir().c_str());
        return 1;
      }
      RoundResult r;
      MeasureCreates(cluster, o, &r);
      MeasureWatch(cluster, o, &r);
      std::fprintf(stderr,
                   "round %d %-6s creates/s %8.0f p50 %6.2f ms p99 %6.2f ms | watch p50 %6.2f "
                   "ms p99 %6.2f ms (%zu deliveries)\n",
                   round + 1, backend, r.creates_per_s, r.create_p50_ms, r.create_p99_ms,
                   r.watch_p50_ms, r.watch_p99_ms, r.deliveries);
      results[backend].push_back(r);
    }
  }
  auto med = [&](const std::string& b, double RoundResult::*f) {
    std::vector<double> v;
    for (const auto& r : results[b])
      v.push_back(r.*f);
    return Median(v);
  };
  std::vector<double> ratios;
  for (size_t i = 0; i < results["sqlite"].size(); ++i) {
    ratios.push_back(results["sqlite"][i].creates_per_s / results["etcd"][i].creates_per_s);
  }
  std::printf(
      "| store | creates/s | create p50 (ms) | create p99 (ms) | watch p50 (ms) | watch p99 (ms) "
      "|\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const char* b : {"sqlite", "etcd"}) {
    std::printf("| %s | %.0f | %.2f | %.2f | %.2f | %.2f |\n", b,
                med(b, &RoundResult::creates_per_s), med(b, &RoundResult::create_p50_ms),
                med(b, &RoundResult::create_p99_ms), med(b, &RoundResult::watch_p50_ms),
                med(b, &RoundResult::watch_p99_ms));
  }
  std::printf("\nMedian per-round ratio of creates/s, sqlite / etcd: %.2fx\n", Median(ratios));
  std::printf(
      "(%ld objects, %ld concurrent clients, %ld watchers x %ld updates at %ld/s, "
      "%ld rounds, medians)\n",
      static_cast<long>(o.objects), static_cast<long>(o.concurrency), static_cast<long>(o.watchers),
      static_cast<long>(o.watch_events), static_cast<long>(o.watch_rate),
      static_cast<long>(o.rounds));
  return 0;
}
