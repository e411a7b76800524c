// cni_bench: ADD/DEL latency of skiff-cni against Debian's reference bridge +
// host-local plugins, measured side by side in one run.
//
// For every round and every peer (interleaved A, B, C, A, B, C, ...): a fresh
// "host" network namespace, the same pre-created pod namespaces (namespace
// creation is not timed, for any peer), then
//   sequential:  N ADDs one after another, then N DELs;
//   concurrent:  N ADDs from C workers at once, then N DELs the same way.
// Each operation is timed from fork() to wait4() (process start-up included,
// as a runtime sees it) and its CPU time (user+sys of the plugin process and
// its children) is taken from wait4's rusage (tests/cni/testutil's RunIn). Plugins run pinned to
// one CPU
// (--plugin-cpu), this harness should run pinned to another (taskset).
// Also measured: process start-up alone (VERSION, no network work).
//
// Prints a Markdown table: medians over rounds of p50/p99 per peer and phase,
// and the median of per-round ratios against the reference. Never asserts.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/cni/testutil.h"

namespace {

using skiff::cni::testing::Sh;
using skiff::cni::testing::TempDir;
using skiff::cni::testing::TestNetns;

struct Sample {
  double wall_ms = 0;
  double cpu_ms = 0;
  bool ok = false;
};

struct Flags {
  int rounds = 3;
  int pods = 100;
  int concurrency = 8;
  int plugin_cpu = 1;
  std::string skiff = skiff::cni::testing::PluginPath();
  std::string ref_dir = "/usr/lib/cni";
};

Sample Run(const skiff::cni::testing::PluginCall& call) {
  auto r = skiff::cni::testing::Invoke(call);
  if (r.exit_code != 0) {
    std::fprintf(stderr, "cni_bench: %s %s failed: %s\n", call.plugin.c_str(), call.command.c_str(),
                 r.out.c_str());
  }
  return Sample{r.wall_ms, r.cpu_ms, r.exit_code == 0};
}

struct Peer {
  std::string label;
  std::string plugin;
  std::string cni_path;
  // Config for a given data dir.
  std::function<std::string(const std::string&)> config;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

double Median(std::vector<double> v) {
  return Percentile(std::move(v), 0.5);
}

struct PhaseStats {
  double p50 = 0, p99 = 0, cpu = 0;  // cpu: mean CPU ms per op
  int failures = 0;
};

PhaseStats Stats(const std::vector<Sample>& samples) {
  PhaseStats st;
  std::vector<double> wall;
  double cpu = 0;
  for (const Sample& s : samples) {
    wall.push_back(s.wall_ms);
    cpu += s.cpu_ms;
    if (!s.ok) ++st.failures;
  }
  st.p50 = Percentile(wall, 0.5);
  st.p99 = Percentile(wall, 0.99);
  st.cpu = samples.empty() ? 0 : cpu / samples.size();
  return st;
}

// Key: "<phase>/<ADD|DEL>" -> per-round stats.
using PeerResults = std::map<std::string, std::vector<PhaseStats>>;

void RunRound(const Peer& peer, const Flags& flags,
              const std::vector<std::unique_ptr<TestNetns>>& pods, int round, PeerResults* out) {
  TestNetns host("b");
  TempDir data;
  std::string config = peer.config(data.path());
  auto id = [&](const char* phase, int i) {
    return std::string("bench-") + phase + "-" + std::to_string(round) + "-" + std::to_string(i);
  };
  for (const char* phase : {"sequential", "concurrent"}) {
    int workers = std::string(phase) == "sequential" ? 1 : flags.concurrency;
    for (const char* cmd : {"ADD", "DEL"}) {
      std::vector<Sample> samples(flags.pods);
      std::atomic<int> next{0};
      std::vector<std::thread> threads;
      for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&]() {
          for (int i = next++; i < flags.pods; i = next++) {
            skiff::cni::testing::PluginCall call;
            call.plugin = peer.plugin;
            call.command = cmd;
            call.container_id = id(phase, i);
            call.netns = pods[i]->path();
            call.path = peer.cni_path;
            call.host_netns = host.path();
            call.config = config;
            call.cpu = flags.plugin_cpu;
            samples[i] = Run(call);
          }
        });
      }
      for (auto& t : threads)
        t.join();
      (*out)[std::string(phase) + "/" + cmd].push_back(Stats(samples));
    }
  }
}

std::vector<double> StartupRound(const std::string& plugin, int n, int cpu) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    skiff::cni::testing::PluginCall call;
    call.plugin = plugin;
    call.command = "VERSION";
    call.ifname.clear();
    call.path.clear();
    call.config = R"({"cniVersion":"1.0.0"})";
    call.cpu = cpu;
    v.push_back(Run(call).wall_ms);
  }
  return v;
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : "%.1f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = std::string(name) + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("--rounds"))
      flags.rounds = std::max(1, std::atoi(v));
    else if (const char* v = value("--pods"))
      flags.pods = std::max(1, std::atoi(v));
    else if (const char* v = value("--concurrency"))
      flags.concurrency = std::max(1, std::atoi(v));
    else if (const char* v = value("--plugin-cpu"))
      flags.plugin_cpu = std::atoi(v);
    else if (const char* v = value("--skiff-cni"))
      flags.skiff = v;
    else if (const char* v = value("--reference-dir"))
      flags.ref_dir = v;
    else {
      std::fprintf(stderr,
                   "usage: cni_bench [--rounds=3] [--pods=100] [--concurrency=8] "
                   "[--plugin-cpu=1] [--skiff-cni=PATH] [--reference-dir=/usr/lib/cni]\n");
      return 2;
    }
  }
  if (access(flags.skiff.c_str(), X_OK) != 0 ||
      access((flags.ref_dir + "/bridge").c_str(), X_OK) != 0 ||
      access((flags.ref_dir + "/host-local").c_str(), X_OK) != 0) {
    std::fprintf(stderr, "cni_bench: need %s and %s/{bridge,host-local}\n", flags.skiff.c_str(),
                 flags.ref_dir.c_str());
    return 1;
  }
  std::string skiff_dir = flags.skiff.substr(0, flags.skiff.rfind('/'));
  std::vector<Peer> peers = {
      {"skiff-cni (routed)", flags.skiff, skiff_dir,
       [](const std::string& d) {
         return R"({"cniVersion":"1.0.0","name":"bench","type":"skiff-cni","mode":"routed",)"
                R"("ipam":{"ranges":[[{"subnet":"10.70.0.0/16"}]],"dataDir":")" +
                d + R"("}})";
       }},
      {"skiff-cni (bridge)", flags.skiff, skiff_dir,
       [](const std::string& d) {
         return R"({"cniVersion":"1.0.0","name":"bench","type":"skiff-cni","mode":"bridge",)"
                R"("bridge":"skbench0","ipam":{"ranges":[[{"subnet":"10.70.0.0/16"}]],)"
                R"("dataDir":")" +
                d + R"("}})";
       }},
      {"bridge + host-local (reference)", flags.ref_dir + "/bridge", flags.ref_dir,
       [](const std::string& d) {
         return R"({"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"skbench0",)"
                R"("isGateway":true,"ipam":{"type":"host-local",)"
                R"("ranges":[[{"subnet":"10.70.0.0/16"}]],"dataDir":")" +
                d + R"("}})";
       }},
  };
  const size_t kRef = 2;

  std::vector<std::unique_ptr<TestNetns>> pods;
  for (int i = 0; i < flags.pods; ++i) {
    pods.push_back(std::make_unique<TestNetns>("bp"));
    if (!pods.back()->ok()) {
      std::fprintf(stderr, "cni_bench: cannot create network namespaces\n");
      return 1;
    }
  }

  std::vector<PeerResults> results(peers.size());
  std::vector<std::vector<double>> startup(3);  // skiff-cni, bridge, host-local
  for (int round = 0; round < flags.rounds; ++round) {
    for (size_t p = 0; p < peers.size(); ++p) {
      std::fprintf(stderr, "cni_bench: round %d/%d %s\n", round + 1, flags.rounds,
                   peers[p].label.c_str());
      RunRound(peers[p], flags, pods, round, &results[p]);
    }
    // Start-up cost alone, interleaved the same way.
    const std::string bins[] = {flags.skiff, flags.ref_dir + "/bridge",
                                flags.ref_dir + "/host-local"};
    for (int b = 0; b < 3; ++b) {
      startup[b].push_back(Median(StartupRound(bins[b], 50, flags.plugin_cpu)));
    }
  }

  std::printf("| plugin | phase | op | p50 ms | p99 ms | CPU ms/op | p50 vs reference |\n");
  std::printf("|---|---|---|---:|---:|---:|---:|\n");
  for (const char* phase : {"sequential", "concurrent"}) {
    for (const char* op : {"ADD", "DEL"}) {
      std::string key = std::string(phase) + "/" + op;
      for (size_t p = 0; p < peers.size(); ++p) {
        const auto& rounds = results[p][key];
        std::vector<double> p50, p99, cpu, ratio;
        int failures = 0;
        for (size_t r = 0; r < rounds.size(); ++r) {
          p50.push_back(rounds[r].p50);
          p99.push_back(rounds[r].p99);
          cpu.push_back(rounds[r].cpu);
          ratio.push_back(rounds[r].p50 / results[kRef][key][r].p50);
          failures += rounds[r].failures;
        }
        std::string phase_label = std::string(phase) == "sequential"
                                      ? "sequential"
                                      : "concurrent x" + std::to_string(flags.concurrency);
        std::printf("| %s | %s | %s | %s | %s | %s | %s |%s\n", peers[p].label.c_str(),
                    phase_label.c_str(), op, Fmt(Median(p50)).c_str(), Fmt(Median(p99)).c_str(),
                    Fmt(Median(cpu)).c_str(),
                    p == kRef ? "1.00" : (Fmt(Median(ratio)) + "x").c_str(),
                    failures ? (" " + std::to_string(failures) + " failed ops").c_str() : "");
      }
    }
  }
  std::printf("\nProcess start-up alone (VERSION, median of per-round medians of 50 runs):\n\n");
  std::printf("| binary | start-up ms |\n|---|---:|\n");
  const char* names[] = {"skiff-cni", "bridge", "host-local"};
  for (int b = 0; b < 3; ++b)
    std::printf("| %s | %s |\n", names[b], Fmt(Median(startup[b])).c_str());
  std::printf(
      "\nrounds=%d pods=%d concurrency=%d plugin CPU=%d (plugins pinned with "
      "sched_setaffinity)\n",
      flags.rounds, flags.pods, flags.concurrency, flags.plugin_cpu);
  return 0;
}
