// Scheduler throughput benchmark (issue 7): 10,000 pods onto 5,000 registered nodes without
// agents, as kube-scheduler's scheduler_perf does it.
//
// Each round builds the API server's core in-process exactly as skiff-server does (SQLite
// store, Registry with its admission plugins, the in-process LocalClient the scheduler uses
// inside skiff-server), registers the nodes (4 cpu, 32Gi, 110 pods; 10 zones; every fifth
// node labelled disk=ssd), starts the scheduler, then creates the pods from concurrent
// clients — 70% plain (100m / 128Mi), 20% with nodeSelector disk=ssd, 10% with a zone
// topology spread constraint (DoNotSchedule, maxSkew 1) — and watches them being bound.
// Reported: pods/s from the first create to the last binding seen on the watch, the
// scheduling-loop-only rate (cycles per second of time spent in the algorithm), the
// process CPU time and the server-side threads' CPU time (per thread name on stderr), when
// the scheduler's "Scheduled" events were all written and what they cost after the last
// binding, and a placement check (no node over its allocatable, every selector and spread
// constraint honoured).
//
// Peers, interleaved in one run (A, B, C, A, B, C, ...): the default configuration
// (adaptive percentageOfNodesToScore: 10% of 5,000 nodes), percentageOfNodesToScore=100
// (every node filtered and scored), and the default configuration with the plain pods
// owned by ReplicaSets, as Deployment pods are (the scheduler then also applies its default
// topology spreading). kube-scheduler itself is not available here; its published
// scheduler_perf figures are quoted by bench/scheduler/run.sh in the table.
//
// Pinning: the server side (store, registry, scheduler threads) on --server-cpu, the pod
// creators and the watcher on --load-cpu. Prints a Markdown table; asserts nothing.
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/client/typed.h"
#include "common/flags.h"
#include "common/log.h"
#include "controlplane/apiserver/admission.h"
#include "controlplane/apiserver/local_client.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/scheduler/resources.h"
#include "controlplane/scheduler/scheduler.h"
#include "controlplane/store/store.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace skiff;

struct Options {
  int64_t nodes = 5000;
  int64_t pods = 10000;
  int64_t rounds = 3;
  int64_t creators = 32;
  int64_t binders = 16;
  int64_t status_threads = 0;  // 0: the scheduler's default
  int64_t timeout_s = 300;
  int64_t server_cpu = 1;
  int64_t load_cpu = 0;
  bool pin = true;
  std::string sync = "full";
  // ReplicaSets the plain pods of the "owned" variant belong to.
  int64_t replicasets = 100;
};

struct Variant {
  std::string name;
  int32_t percentage = 0;
  // When > 0, the plain pods belong to this many ReplicaSets (as Deployment pods do), so
  // the scheduler's default topology spreading scores them.
  int64_t replicasets = 0;
};

struct RoundResult {
  double e2e_pods_per_s = 0;
  double create_pods_per_s = 0;
  double loop_pods_per_s = 0;      // per second of wall time in the algorithm
  double loop_pods_per_cpu_s = 0;  // per CPU-second of the scheduling thread in it
  double cpu_s = 0;
  double server_cpu_s = 0;  // threads on the server side (all but the bench's own)
  double events_s = 0;      // first create to the last status write (event) done; -1: timeout
  double events_cpu_s = 0;  // process CPU after the last binding until then
  std::string cpu_by_thread;
  double seconds = 0;
  uint64_t bound = 0;
  uint64_t conflicts = 0;
  bool placement_ok = false;
  std::string placement_note;
};

void Pin(int64_t cpu, bool enabled) {
  if (!enabled) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>(cpu), &set);
  sched_setaffinity(0, sizeof set, &set);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of each live thread of this process, by tid, with its name.
struct ThreadCpu {
  std::string name;
  double seconds = 0;
};
std::map<int, ThreadCpu> ThreadCpuTimes() {
  std::map<int, ThreadCpu> out;
  static const double kTick = static_cast<double>(sysconf(_SC_CLK_TCK));
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return out;
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + d->d_name + "/stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    // Fields after the name: state is field 3; utime and stime are fields 14 and 15.
    std::vector<std::string> fields;
    size_t p = close + 2;
    while (p < line.size()) {
      size_t sp = line.find(' ', p);
      fields.push_back(line.substr(p, sp - p));
      if (sp == std::string::npos) break;
      p = sp + 1;
    }
    if (fields.size() < 13) continue;
    double ticks = std::stod(fields[11]) + std::stod(fields[12]);
    out[std::atoi(d->d_name)] = {line.substr(open + 1, close - open - 1), ticks / kTick};
  }
  closedir(dir);
  return out;
}

// Per thread name, the CPU seconds spent between two snapshots (threads born in between count
// from zero; threads that ended in between are missing).
std::map<std::string, double> CpuByName(const std::map<int, ThreadCpu>& before,
                                        const std::map<int, ThreadCpu>& after) {
  std::map<std::string, double> out;
  for (const auto& [tid, t] : after) {
    auto it = before.find(tid);
    out[t.name] += t.seconds - (it == before.end() ? 0 : it->second.seconds);
  }
  return out;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The API server's core, in-process, as skiff-server builds it.
struct Stack {
  std::string dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<apiserver::Registry> registry;
  std::unique_ptr<apiserver::LocalClient> client;

  Status Start(const std::string& sync) {
    char tmpl[] = "/tmp/skiff-sched-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return Internal("mkdtemp failed");
    dir = tmpl;
    auto s = store::OpenStore("sqlite:" + dir + "?sync=" + sync);
    if (!s.ok()) return s.status();
    store = std::move(*s);
    // Room for a /24 pod CIDR per node for thousands of nodes.
    apiserver::NetworkRanges ranges;
    ranges.cluster_cidrs = {"10.0.0.0/8"};
    auto plugins = apiserver::DefaultAdmissionPlugins(*store, ranges);
    if (!plugins.ok()) return plugins.status();
    registry = std::make_unique<apiserver::Registry>(*store, std::move(*plugins));
    SKIFF_RETURN_IF_ERROR(registry->EnsureSystemNamespaces());
    client = std::make_unique<apiserver::LocalClient>(*registry);
    return Status::Ok();
  }
  ~Stack() {
    client.reset();
    registry.reset();
    store.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }
};

api::Node MakeNode(int64_t i) {
  api::Node n;
  std::string name = "node-" + std::to_string(i);
  n.mutable_metadata()->set_name(name);
  auto& labels = *n.mutable_metadata()->mutable_labels();
  labels["kubernetes.io/hostname"] = name;
  labels["topology.kubernetes.io/zone"] = "zone-" + std::to_string(i % 10);
  if (i % 5 == 0) labels["disk"] = "ssd";
  // Give each node its pod CIDR up front (as `--pod-cidr` would): the API server then only
  // reserves it instead of searching the cluster range for a free one.
  n.mutable_spec()->set_pod_cidr("10." + std::to_string(i / 256 % 256) + "." +
                                 std::to_string(i % 256) + ".0/24");
  auto& cap = *n.mutable_status()->mutable_capacity();
  cap["cpu"] = "4";
  cap["memory"] = "32Gi";
  cap["pods"] = "110";
  *n.mutable_status()->mutable_allocatable() = cap;
  return n;
}

enum class Kind { kPlain, kSelector, kSpread };

Kind KindOf(int64_t i) {
  int64_t m = i % 10;
  if (m < 7) return Kind::kPlain;
  if (m < 9) return Kind::kSelector;
  return Kind::kSpread;
}

api::ReplicaSet MakeReplicaSet(int64_t i) {
  api::ReplicaSet rs;
  rs.mutable_metadata()->set_name("rs-" + std::to_string(i));
  rs.mutable_metadata()->set_namespace_("default");
  rs.mutable_spec()->set_replicas(0);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["rs"] = std::to_string(i);
  auto* t = rs.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["rs"] = std::to_string(i);
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("app");
  c->set_image("registry.k8s.io/pause:3.9");
  return rs;
}

api::Pod MakePod(int64_t i, const std::vector<std::string>& rs_uids) {
  api::Pod p;
  p.mutable_metadata()->set_name("pod-" + std::to_string(i));
  p.mutable_metadata()->set_namespace_("default");
  auto* c = p.mutable_spec()->add_containers();
  c->set_name("app");
  c->set_image("registry.k8s.io/pause:3.9");
  auto& req = *c->mutable_resources()->mutable_requests();
  req["cpu"] = "100m";
  req["memory"] = "128Mi";
  switch (KindOf(i)) {
    case Kind::kPlain:
      if (!rs_uids.empty()) {
        int64_t r = i % static_cast<int64_t>(rs_uids.size());
        (*p.mutable_metadata()->mutable_labels())["rs"] = std::to_string(r);
        auto* ref = p.mutable_metadata()->add_owner_references();
        ref->set_api_version("apps/v1");
        ref->set_kind("ReplicaSet");
        ref->set_name("rs-" + std::to_string(r));
        ref->set_uid(rs_uids[r]);
        ref->set_controller(true);
      }
      break;
    case Kind::kSelector:
      (*p.mutable_spec()->mutable_node_selector())["disk"] = "ssd";
      break;
    case Kind::kSpread: {
      (*p.mutable_metadata()->mutable_labels())["app"] = "spread";
      auto* tsc = p.mutable_spec()->add_topology_spread_constraints();
      tsc->set_max_skew(1);
      tsc->set_topology_key("topology.kubernetes.io/zone");
      tsc->set_when_unsatisfiable("DoNotSchedule");
      (*tsc->mutable_label_selector()->mutable_match_labels())["app"] = "spread";
      break;
    }
  }
  return p;
}

// Runs `fn(i)` for i in [0, n) on `threads` threads pinned to the load CPU.
template <typename Fn>
void Parallel(int64_t n, int64_t threads, const Options& o, Fn fn) {
  std::atomic<int64_t> next{0};
  std::vector<std::thread> ts;
  for (int64_t t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      Pin(o.load_cpu, o.pin);
      pthread_setname_np(pthread_self(), "bench-client");
      for (int64_t i; (i = next.fetch_add(1)) < n;)
        fn(i);
    });
  }
  for (auto& t : ts)
    t.join();
}

// Checks every placement: allocatable respected, selectors and spread honoured.
void CheckPlacement(api::ApiClient& client, const Options& o, RoundResult* r) {
  auto pods = api::ListObjects<api::Pod>(client, "default");
  auto nodes = api::ListObjects<api::Node>(client);
  if (!pods.ok() || !nodes.ok()) {
    r->placement_note = "list failed";
    return;
  }
  std::map<std::string, const api::Node*> by_name;
  for (const auto& n : *nodes)
    by_name[n.metadata().name()] = &n;
  std::map<std::string, int64_t> cpu, count;
  std::map<std::string, int64_t> spread_per_zone;
  int64_t unbound = 0, bad_selector = 0;
  for (const auto& p : *pods) {
    const std::string& node = p.spec().node_name();
    if (node.empty()) {
      ++unbound;
      continue;
    }
    auto req = scheduler::ComputePodRequests(p);
    cpu[node] += req.ok() ? req->requests.milli_cpu : 0;
    count[node]++;
    const auto& labels = by_name.at(node)->metadata().labels();
    if (!p.spec().node_selector().empty() &&
        (!labels.contains("disk") || labels.at("disk") != "ssd")) {
      ++bad_selector;
    }
    if (p.metadata().labels().contains("app")) {
      spread_per_zone[labels.at("topology.kubernetes.io/zone")]++;
    }
  }
  int64_t over = 0;
  for (const auto& [node, m] : cpu) {
    if (m > 4000 || count[node] > 110) ++over;
  }
  int64_t lo = INT64_MAX, hi = 0;
  for (const auto& [zone, n] : spread_per_zone) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  int64_t skew = spread_per_zone.size() == 10 ? hi - lo : -1;
  r->placement_ok = unbound == 0 && over == 0 && bad_selector == 0 && skew >= 0 && skew <= 1;
  r->placement_note = "unbound=" + std::to_string(unbound) + " over=" + std::to_string(over) +
                      " bad_selector=" + std::to_string(bad_selector) +
                      " zone_skew=" + std::to_string(skew);
  (void)o;
}

Result<RoundResult> RunRound(const Options& o, const Variant& v) {
  Pin(o.server_cpu, o.pin);  // threads created from here on (server side) inherit it
  Stack stack;
  SKIFF_RETURN_IF_ERROR(stack.Start(o.sync));
  api::ApiClient& client = *stack.client;

  const auto nodes_start = Clock::now();
  std::atomic<int64_t> failures{0};
  std::mutex error_mu;
  Status first_error;
  Parallel(o.nodes, o.creators, o, [&](int64_t i) {
    // Concurrent node creations race for pod CIDRs; like any client, retry conflicts.
    auto r = api::CreateObject(client, MakeNode(i));
    for (int attempt = 0; !r.ok() && r.status().code() == StatusCode::kAborted && attempt < 50;
         ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + attempt));
      r = api::CreateObject(client, MakeNode(i));
    }
    if (r.ok()) return;
    std::lock_guard lock(error_mu);
    if (failures++ == 0) first_error = r.status();
  });
  if (failures) return first_error.WithContext("creating nodes");
  std::fprintf(stderr, "registered %lld nodes in %.1f s\n", static_cast<long long>(o.nodes),
               std::chrono::duration<double>(Clock::now() - nodes_start).count());

  std::vector<std::string> rs_uids;
  for (int64_t i = 0; i < v.replicasets; ++i) {
    auto rs = api::CreateObject(client, MakeReplicaSet(i));
    if (!rs.ok()) return rs.status().WithContext("creating ReplicaSets");
    rs_uids.push_back(rs->metadata().uid());
  }

  scheduler::SchedulerOptions so;
  so.percentage_of_nodes_to_score = v.percentage;
  so.binder_threads = static_cast<int>(o.binders);
  if (o.status_threads > 0) so.status_threads = static_cast<int>(o.status_threads);
  scheduler::Scheduler sched(client, so);
  sched.Start();
  if (!sched.WaitForSync(std::chrono::seconds(60))) return Internal("scheduler did not sync");

  // Watch bindings from the current revision.
  api::ListRequest list;
  list.set_kind("Pod");
  list.set_limit(1);
  auto start_rv = client.List(list);
  if (!start_rv.ok()) return start_rv.status();
  api::WatchRequest wr;
  wr.set_kind("Pod");
  wr.set_resource_version(start_rv->resource_version());
  auto watch = client.Watch(wr);
  if (!watch.ok()) return watch.status();
  std::atomic<int64_t> bound{0};
  std::atomic<int64_t> last_bound_ns{0};
  std::atomic<bool> stop_watch{false};
  const auto t0 = Clock::now();
  std::thread watcher([&] {
    Pin(o.load_cpu, o.pin);
    pthread_setname_np(pthread_self(), "bench-watch");
    std::unordered_set<std::string> seen;
    api::WatchEvent ev;
    while (!stop_watch) {
      auto next = (*watch)->Read(&ev, std::chrono::milliseconds(100));
      if (next == api::WatchStream::Next::kEnd) break;
      if (next != api::WatchStream::Next::kEvent || ev.type() == "BOOKMARK") continue;
      api::Pod p;
      if (!p.ParseFromString(ev.object()) || p.spec().node_name().empty()) continue;
      if (seen.insert(p.metadata().uid()).second) {
        last_bound_ns = (Clock::now() - t0).count();
        ++bound;
      }
    }
  });

  const double cpu0 = CpuSeconds();
  const auto threads0 = ThreadCpuTimes();
  Parallel(o.pods, o.creators, o, [&](int64_t i) {
    if (!api::CreateObject(client, MakePod(i, rs_uids)).ok()) ++failures;
  });
  const double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto deadline = t0 + std::chrono::seconds(o.timeout_s);
  while (bound < o.pods - failures && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double cpu1 = CpuSeconds();
  const auto threads1 = ThreadCpuTimes();
  // The "Scheduled" events trail the bindings: time until they are all written, and the CPU
  // that costs after the last binding.
  const bool events_done = sched.WaitForStatusWrites(std::chrono::seconds(o.timeout_s));
  const double events_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu2 = CpuSeconds();
  stop_watch = true;
  (*watch)->Cancel();
  watcher.join();

  RoundResult r;
  r.bound = static_cast<uint64_t>(bound.load());
  r.seconds = static_cast<double>(last_bound_ns.load()) / 1e9;
  r.e2e_pods_per_s = r.seconds > 0 ? static_cast<double>(r.bound) / r.seconds : 0;
  r.create_pods_per_s = static_cast<double>(o.pods) / create_s;
  auto st = sched.stats();
  r.loop_pods_per_s =
      st.algorithm_seconds > 0 ? static_cast<double>(st.attempts) / st.algorithm_seconds : 0;
  r.loop_pods_per_cpu_s = st.algorithm_cpu_seconds > 0
                              ? static_cast<double>(st.attempts) / st.algorithm_cpu_seconds
                              : 0;
  r.conflicts = st.bind_conflicts;
  r.cpu_s = cpu1 - cpu0;
  r.events_s = events_done ? events_s : -1;
  r.events_cpu_s = cpu2 - cpu1;
  for (const auto& [name, secs] : CpuByName(threads0, threads1)) {
    if (name.starts_with("bench-")) continue;
    r.server_cpu_s += secs;
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s=%.2f", name.c_str(), secs);
    r.cpu_by_thread += buf;
  }
  const uint64_t dropped = sched.stats().dropped_events;
  sched.Stop();
  CheckPlacement(client, o, &r);
  if (failures) r.placement_note += " create_failures=" + std::to_string(failures.load());
  if (dropped) r.placement_note += " dropped_events=" + std::to_string(dropped);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string variants = "adaptive,all,owned";
  skiff::FlagSet flags("scheduler_bench [flags]",
                       "Schedules pods onto registered nodes without agents; prints a table.");
  flags.Int("nodes", &o.nodes, "Nodes registered per round.");
  flags.Int("pods", &o.pods, "Pods created per round.");
  flags.Int("rounds", &o.rounds, "Interleaved rounds per variant.");
  flags.Int("creators", &o.creators, "Concurrent clients creating nodes and pods.");
  flags.Int("binders", &o.binders, "Scheduler binder threads.");
  flags.Int("status-threads", &o.status_threads,
            "Scheduler threads writing events and conditions (0: the scheduler's default).");
  flags.Int("timeout", &o.timeout_s, "Seconds to wait for all pods to be bound, per round.");
  flags.Int("server-cpu", &o.server_cpu, "CPU for the store, API and scheduler threads.");
  flags.Int("load-cpu", &o.load_cpu, "CPU for the pod creators and the watcher.");
  flags.Bool("pin", &o.pin, "Pin the server side and the load to their CPUs.");
  flags.String("sync", &o.sync, "SQLite store durability: full (default) or normal.");
  flags.Int("replicasets", &o.replicasets,
            "ReplicaSets owning the plain pods in the \"owned\" variant.");
  flags.String("variants", &variants,
               "Comma-separated: adaptive (default percentageOfNodesToScore), all (100%), "
               "owned (adaptive, plain pods owned by ReplicaSets: default spreading).");
  auto args = flags.Parse(argc, argv);
  if (!args.ok() || flags.help_requested()) {
    std::fputs(args.ok() ? flags.Help().c_str() : args.status().message().c_str(), stderr);
    return args.ok() ? 0 : 2;
  }
  skiff::log::SetLevel("warn");
  std::vector<Variant> vs;
  for (size_t p = 0; p <= variants.size();) {
    size_t comma = variants.find(',', p);
    std::string name =
        variants.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
    if (name == "adaptive") vs.push_back({"skiff (adaptive, default)", 0});
    if (name == "all") vs.push_back({"skiff (percentageOfNodesToScore=100)", 100});
    if (name == "owned") {
      vs.push_back(
          {"skiff (adaptive, pods owned by " + std::to_string(o.replicasets) + " ReplicaSets)", 0,
           o.replicasets});
    }
    if (comma == std::string::npos) break;
    p = comma + 1;
  }
  std::map<std::string, std::vector<RoundResult>> results;
  for (int64_t round = 0; round < o.rounds; ++round) {
    for (const Variant& v : vs) {
      auto r = RunRound(o, v);
      if (!r.ok()) {
        std::fprintf(stderr, "round %lld %s: %s\n", static_cast<long long>(round + 1),
                     v.name.c_str(), r.status().ToString().c_str());
        return 1;
      }
      std::fprintf(stderr,
                   "round %lld %-38s e2e %7.0f pods/s (%llu bound in %.2f s) | creates %7.0f/s "
                   "| loop %8.0f pods/s (%8.0f per CPU-s) | cpu %.1f s | conflicts %llu | %s "
                   "%s\n",
                   static_cast<long long>(round + 1), v.name.c_str(), r->e2e_pods_per_s,
                   static_cast<unsigned long long>(r->bound), r->seconds, r->create_pods_per_s,
                   r->loop_pods_per_s, r->loop_pods_per_cpu_s, r->cpu_s,
                   static_cast<unsigned long long>(r->conflicts),
                   r->placement_ok ? "placement ok" : "PLACEMENT WRONG", r->placement_note.c_str());
      std::fprintf(stderr, "  server-side threads' CPU s: total=%.2f%s\n", r->server_cpu_s,
                   r->cpu_by_thread.c_str());
      std::fprintf(stderr, "  events written %.2f s after the first create (+%.2f CPU s)\n",
                   r->events_s, r->events_cpu_s);
      results[v.name].push_back(*r);
    }
  }
  auto med = [&](const std::string& name, double RoundResult::*f) {
    std::vector<double> v;
    for (const auto& r : results[name])
      v.push_back(r.*f);
    return Median(v);
  };
  std::printf(
      "| scheduler (5,000 nodes, 10,000 pods unless noted) | pods/s, first create to last bind "
      "| scheduling loop pods/s (wall) | scheduling loop pods per CPU-s | process CPU s per 1k "
      "pods | server-side threads' CPU s per 1k pods | pods/s ratio vs first row | placement |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---|\n");
  const std::string base = vs.front().name;
  for (const Variant& v : vs) {
    std::vector<double> ratios;
    bool ok = true;
    for (size_t i = 0; i < results[v.name].size(); ++i) {
      ratios.push_back(results[v.name][i].e2e_pods_per_s / results[base][i].e2e_pods_per_s);
      ok = ok && results[v.name][i].placement_ok;
    }
    std::printf("| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %s |\n", v.name.c_str(),
                med(v.name, &RoundResult::e2e_pods_per_s),
                med(v.name, &RoundResult::loop_pods_per_s),
                med(v.name, &RoundResult::loop_pods_per_cpu_s),
                med(v.name, &RoundResult::cpu_s) * 1000.0 / static_cast<double>(o.pods),
                med(v.name, &RoundResult::server_cpu_s) * 1000.0 / static_cast<double>(o.pods),
                Median(ratios), ok ? "all checks passed" : "CHECK FAILED (see stderr)");
  }
  return 0;
}
