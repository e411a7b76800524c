// SampleStore: the collector's memory. For every node it keeps the previous
// scrape's cumulative counters and the latest derived usage: CPU rate =
// (cumulative CPU time now - before) / (time between the two scrapes), and
// the memory working set as reported. A container whose counter went
// backwards or whose start time changed (it restarted) has no rate until the
// next scrape; a pod is reported only when every one of its containers has
// a rate and a working set (as metrics-server does), so the HPA sees it as
// missing rather than under-measured.
//
// Scrape times are the collector's own clocks (a steady clock for the
// window, the wall clock for the timestamp): the agent's per-sample times
// carry whole seconds only, too coarse for short windows.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controlplane/metrics/source.h"
#include "controlplane/metrics/summary.h"

namespace skiff::metrics {

class SampleStore {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // Usage older than `max_age` (by its timestamp) is not served: a node
  // that stopped answering drops out instead of reporting stale figures.
  explicit SampleStore(std::chrono::milliseconds max_age) : max_age_(max_age) {}

  // Records one scrape of `node` taken at `wall` / `mono`. The pods the node
  // reported replace the ones it reported before.
  void Record(const std::string& node, const NodeSummary& summary, WallClock::time_point wall,
              SteadyClock::time_point mono);
  // Forgets every node not in `nodes` (deleted, or no longer Ready).
  void Retain(const std::set<std::string>& nodes);

  // Fresh usage as of `now`.
  std::vector<NodeUsage> Nodes(WallClock::time_point now) const;
  // Pods of namespace `ns` ("" = all namespaces), sorted by namespace/name.
  std::vector<PodUsage> Pods(const std::string& ns, WallClock::time_point now) const;

  size_t node_count() const;

 private:
  struct Prev {
    int64_t start_time_unix_ns = 0;
    int64_t cpu_usage_core_ns = 0;
  };
  struct NodeState {
    bool has_prev = false;
    SteadyClock::time_point prev_mono;
    std::optional<int64_t> prev_node_cpu;
    std::map<std::string, Prev> prev_containers;  // "<pod uid or ns/name>/<container>"
    std::optional<NodeUsage> usage;
    std::vector<PodUsage> pods;
  };
  bool Fresh(WallClock::time_point t, WallClock::time_point now) const {
    return now - t <= max_age_;
  }

  std::chrono::milliseconds max_age_;
  mutable std::mutex mu_;
  std::map<std::string, NodeState> nodes_;
};

// CPU rate in nanocores from two cumulative readings `window` apart; nullopt
// when the counter went backwards or the window is empty.
std::optional<int64_t> CpuRate(int64_t before_ns, int64_t after_ns,
                               std::chrono::nanoseconds window);

}  // namespace skiff::metrics
