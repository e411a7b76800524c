// startup_bench: pod start-up latency on a one-node cluster of the real
// binaries (tests/e2e/cluster.h), skiff-cni vs the reference bridge +
// host-local CNI plugins, interleaved rounds, Markdown table on stdout.
//
// One sample = a fresh cluster (server + agent pinned to --daemon-cpus), a
// `netctl get pods -w -o wide` watcher started first, then `netctl apply` of
// a Deployment of N skiff-hello pods (httpGet readiness probe, period 1 s).
// Per pod: time from just before `apply` to the first watch line showing it
// (created), bound to the node (scheduled), Running with an IP, and Ready
// (1/1).
//
// With --pace R the N pods are bare Pods of the same template, each applied
// on its own at R pods/s (one `netctl apply` per pod), and each pod's times
// run from just before its own apply: the per-pod latency without a queue of
// 100 pods in front of it, the way Kubernetes' density test measures its
// start-up SLO ("latency pods" created at ~5 pods/s after the saturation
// phase). Without --pace the whole Deployment lands at once (a burst).
//
// Then the
// Deployment is deleted and the time until every pod is gone and the agent
// released every netns/veth/route/address is recorded (teardown).
//
//   startup_bench [--pods 30,100] [--rounds 3] [--daemon-cpus 1] [--pace R]
//                 [--bin-dir build/bin] [--timeout-s 120] [--log-level warn]
// --log-level is the server's and agent's (info shows the agent's per-pod
// stage timings); with SKIFF_E2E_KEEP=1 each sample's logs stay in its
// work directory.
// Must run as root; it enters a private network namespace first.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/manifests.h"

namespace skiff::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Set by SIGINT/SIGTERM: the current sample stops waiting and its cluster is
// torn down by its destructor (processes, namespaces, cgroups, files).
std::atomic<bool> g_interrupted{false};

void OnSignal(int) {
  g_interrupted = true;
}

struct Options {
  std::vector<int> pods = {30, 100};
  int rounds = 3;
  std::string daemon_cpus = "1";
  std::string bin_dir;
  int timeout_s = 120;
  std::string log_level = "warn";
  int pace = 0;  // pods/s, one bare Pod per apply; 0 = one Deployment at once
};

struct Sample {
  std::vector<double> created_ms;    // per pod: apply -> first seen on the watch
  std::vector<double> scheduled_ms;  // per pod: apply -> first seen bound to the node
  std::vector<double> running_ms;    // per pod: apply -> Running with an IP
  std::vector<double> ready_ms;      // per pod: apply -> Ready
  // Per pod: created -> Running with an IP, the part kubelet's start-up SLI
  // measures (it excludes the workload controller's creation of the pod).
  std::vector<double> startup_ms;
  double all_ready_ms = 0;  // apply -> last pod Ready
  double teardown_ms = 0;   // delete -> all gone and released
};

// Nearest-rank percentile of unsorted values.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double Median(std::vector<double> v) {
  return Percentile(std::move(v), 50);
}

std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;)
    out.push_back(f);
  return out;
}

bool LooksLikeIp(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789.:abcdef") == std::string::npos &&
         s.find('.') != std::string::npos;
}

// Reads watch lines on its own thread, stamping each with its arrival time.
class PodWatcher {
 public:
  Status Start(Cluster& c) {
    // stdbuf: netctl's watch writes through stdio, block-buffered on a pipe.
    SKIFF_RETURN_IF_ERROR(
        stream_.Start({"stdbuf", "-oL", c.bin_dir() + "/netctl", "--config", c.admin_config(),
                       "get", "pods", "-w", "-o", "wide", "--no-headers"}));
    thread_ = std::thread([this] { Loop(); });
    return Status::Ok();
  }
  ~PodWatcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    stream_.Stop();
  }
  // Milliseconds from each pod's start (its entry in `starts`, else `t0`) to
  // when it was first seen at each stage.
  void Times(Clock::time_point t0, const std::map<std::string, Clock::time_point>& starts,
             Sample* s) {
    std::lock_guard<std::mutex> l(mu_);
    auto ms = [&](const std::map<std::string, Clock::time_point>& stage) {
      std::vector<double> out;
      for (const auto& [name, t] : stage) {
        auto start = starts.find(name);
        Clock::time_point from = start == starts.end() ? t0 : start->second;
        out.push_back(std::chrono::duration<double, std::milli>(t - from).count());
      }
      return out;
    };
    s->created_ms = ms(created_);
    s->scheduled_ms = ms(scheduled_);
    s->running_ms = ms(running_);
    s->ready_ms = ms(ready_);
    s->startup_ms.clear();
    for (const auto& [name, t] : running_) {
      auto c = created_.find(name);
      if (c != created_.end()) {
        s->startup_ms.push_back(std::chrono::duration<double, std::milli>(t - c->second).count());
      }
    }
  }
  size_t ReadyCount() {
    std::lock_guard<std::mutex> l(mu_);
    return ready_.size();
  }

 private:
  void Loop() {
    std::string line;
    while (!stop_) {
      if (!stream_.ReadLine(&line, milliseconds(100))) continue;
      auto now = Clock::now();
      auto f = Fields(line);
      // NAME READY STATUS RESTARTS AGE IP NODE ... (RESTARTS is one field:
      // the pods never restart here).
      if (f.size() < 7) continue;
      bool has_ip = LooksLikeIp(f[5]);
      std::lock_guard<std::mutex> l(mu_);
      created_.emplace(f[0], now);
      if (f[6] != "<none>") scheduled_.emplace(f[0], now);
      if (f[2] == "Running" && has_ip) running_.emplace(f[0], now);
      if (f[1] == "1/1" && f[2] == "Running") ready_.emplace(f[0], now);
    }
  }

  LineStream stream_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Clock::time_point> created_, scheduled_, running_, ready_;
};

Result<Sample> RunOnce(CniMode mode, int pods, const Options& o) {
  ClusterOptions co;
  co.bin_dir = o.bin_dir;
  co.cni = mode;
  co.daemon_cpus = o.daemon_cpus;
  co.tag = "stb";
  co.log_level = o.log_level;
  auto c = Cluster::Start(co);
  if (!c.ok()) return c.status();
  Cluster& cluster = **c;
  PodWatcher watcher;
  SKIFF_RETURN_IF_ERROR(watcher.Start(cluster));
  std::this_thread::sleep_for(milliseconds(500));  // the watch is established

  HelloSpec spec;
  spec.name = "startup";
  spec.replicas = pods;
  spec.hello_path = cluster.bin_dir() + "/skiff-hello";
  spec.grace_seconds = 1;  // teardown measures the agent, not the grace period
  auto t0 = Clock::now();
  std::map<std::string, Clock::time_point> starts;  // per pod, when paced
  if (o.pace == 0) {
    SKIFF_RETURN_IF_ERROR(cluster.Apply(HelloDeployment(spec)));
  } else {
    for (int i = 0; i < pods && !g_interrupted; ++i) {
      std::this_thread::sleep_until(t0 + milliseconds(1000LL * i / o.pace));
      std::string name = spec.name + "-" + std::to_string(i);
      starts[name] = Clock::now();
      SKIFF_RETURN_IF_ERROR(cluster.Apply(HelloPod(spec, name)));
    }
  }
  auto deadline = Clock::now() + seconds(o.timeout_s);
  while (watcher.ReadyCount() < static_cast<size_t>(pods) && Clock::now() < deadline &&
         !g_interrupted)
    std::this_thread::sleep_for(milliseconds(50));
  watcher.Stop();
  if (g_interrupted) return Aborted("interrupted");
  Sample s;
  watcher.Times(t0, starts, &s);
  if (s.ready_ms.size() < static_cast<size_t>(pods)) {
    return Unavailable(std::to_string(s.ready_ms.size()) + " of " + std::to_string(pods) +
                       " pods Ready after " + std::to_string(o.timeout_s) + " s (" +
                       std::string(CniModeName(mode)) + ")\n" + cluster.Diagnostics());
  }
  s.all_ready_ms = *std::max_element(s.ready_ms.begin(), s.ready_ms.end());
  auto t1 = Clock::now();
  SKIFF_RETURN_IF_ERROR(cluster.DeleteAllAndCheckNoLeaks(seconds(o.timeout_s)));
  s.teardown_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  return s;
}

Result<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return InvalidArgument(a + ": needs a value");
      return std::string(argv[++i]);
    };
    auto number = [&](const std::string& text) -> Result<int> {
      char* end = nullptr;
      long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || v < 1 || v > 100000) {
        return InvalidArgument(a + ": want a positive number, got \"" + text + "\"");
      }
      return static_cast<int>(v);
    };
    if (a == "--pods") {
      auto v = value();
      if (!v.ok()) return v.status();
      o.pods.clear();
      std::istringstream in(*v);
      for (std::string item; std::getline(in, item, ',');) {
        auto n = number(item);
        if (!n.ok()) return n.status();
        o.pods.push_back(*n);
      }
    } else if (a == "--rounds" || a == "--timeout-s" || a == "--pace") {
      auto v = value();
      if (!v.ok()) return v.status();
      auto n = number(*v);
      if (!n.ok()) return n.status();
      (a == "--rounds" ? o.rounds : a == "--pace" ? o.pace : o.timeout_s) = *n;
    } else if (a == "--daemon-cpus") {
      auto v = value();
      if (!v.ok()) return v.status();
      o.daemon_cpus = *v;
    } else if (a == "--log-level") {
      auto v = value();
      if (!v.ok()) return v.status();
      o.log_level = *v;
    } else if (a == "--bin-dir") {
      auto v = value();
      if (!v.ok()) return v.status();
      o.bin_dir = *v;
    } else {
      return InvalidArgument("unknown argument \"" + a + "\" (see the header of startup_bench.cc)");
    }
  }
  return o;
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string Ratio(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

int Main(int argc, char** argv) {
  auto o = ParseArgs(argc, argv);
  if (!o.ok()) {
    std::fprintf(stderr, "startup_bench: %s\n", o.status().message().c_str());
    return 2;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Status ns = EnterPrivateNetns();
  if (!ns.ok()) {
    std::fprintf(stderr, "startup_bench: %s\n", ns.ToString().c_str());
    return 1;
  }
  const CniMode modes[] = {CniMode::kSkiff, CniMode::kBridge};
  if (o->pace > 0) {
    std::printf(
        "paced: each pod a bare Pod applied on its own at %d pods/s; times from its own "
        "apply\n\n",
        o->pace);
  }
  // results[pods][mode][round]
  std::map<int, std::map<int, std::vector<Sample>>> results;
  for (int pods : o->pods) {
    for (int r = 0; r < o->rounds; ++r) {
      for (int m = 0; m < 2; ++m) {
        auto s = RunOnce(modes[m], pods, *o);
        if (!s.ok()) {
          std::fprintf(stderr, "startup_bench: %d pods, %s, round %d: %s\n", pods,
                       std::string(CniModeName(modes[m])).c_str(), r + 1,
                       s.status().ToString().c_str());
          return 1;
        }
        std::fprintf(
            stderr, "  %d pods %-18s round %d: running p50 %s p99 %s ms, ready p99 %s ms\n", pods,
            std::string(CniModeName(modes[m])).c_str(), r + 1,
            Fmt(Percentile(s->running_ms, 50)).c_str(), Fmt(Percentile(s->running_ms, 99)).c_str(),
            Fmt(Percentile(s->ready_ms, 99)).c_str());
        results[pods][m].push_back(std::move(*s));
      }
    }
  }
  std::printf(
      "| pods | CNI | created p99 ms | scheduled p99 ms | Running+IP p50 ms | Running+IP p99 ms "
      "| created→Running p50 ms | created→Running p99 ms | Ready p50 ms | Ready p99 ms "
      "| all Ready ms | teardown ms | rounds |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int pods : o->pods) {
    for (int m = 0; m < 2; ++m) {
      const auto& rs = results[pods][m];
      auto med = [&](auto f) {
        std::vector<double> v;
        for (const auto& s : rs)
          v.push_back(f(s));
        return Median(v);
      };
      std::printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %zu |\n", pods,
                  std::string(CniModeName(modes[m])).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.created_ms, 99); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.scheduled_ms, 99); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.running_ms, 50); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.running_ms, 99); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.startup_ms, 50); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.startup_ms, 99); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.ready_ms, 50); })).c_str(),
                  Fmt(med([](const Sample& s) { return Percentile(s.ready_ms, 99); })).c_str(),
                  Fmt(med([](const Sample& s) { return s.all_ready_ms; })).c_str(),
                  Fmt(med([](const Sample& s) { return s.teardown_ms; })).c_str(), rs.size());
    }
  }
  std::printf(
      "\n| pods | ratio skiff-cni / bridge (median of per-round ratios) | Running+IP p50 | "
      "Running+IP p99 | created→Running p99 | Ready p99 | teardown |\n"
      "|---|---|---|---|---|---|---|\n");
  for (int pods : o->pods) {
    const auto& a = results[pods][0];
    const auto& b = results[pods][1];
    auto ratio = [&](auto f) {
      std::vector<double> v;
      for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        v.push_back(f(a[i]) / f(b[i]));
      return Median(v);
    };
    std::printf("| %d | | %s | %s | %s | %s | %s |\n", pods,
                Ratio(ratio([](const Sample& s) { return Percentile(s.running_ms, 50); })).c_str(),
                Ratio(ratio([](const Sample& s) { return Percentile(s.running_ms, 99); })).c_str(),
                Ratio(ratio([](const Sample& s) { return Percentile(s.startup_ms, 99); })).c_str(),
                Ratio(ratio([](const Sample& s) { return Percentile(s.ready_ms, 99); })).c_str(),
                Ratio(ratio([](const Sample& s) { return s.teardown_ms; })).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace skiff::e2e

int main(int argc, char** argv) {
  return skiff::e2e::Main(argc, argv);
}
