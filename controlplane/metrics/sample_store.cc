#include "controlplane/metrics/sample_store.h"

#include <algorithm>

namespace skiff::metrics {

std::optional<int64_t> CpuRate(int64_t before_ns, int64_t after_ns,
                               std::chrono::nanoseconds window) {
  if (window.count() <= 0 || after_ns < before_ns) return std::nullopt;
  // 128-bit intermediate: a busy 64-core node over a long window overflows
  // delta * 1e9 in 64 bits.
  __int128 delta = static_cast<__int128>(after_ns) - before_ns;
  __int128 rate = delta * 1'000'000'000 / window.count();
  if (rate > INT64_MAX) return INT64_MAX;
  return static_cast<int64_t>(rate);
}

void SampleStore::Record(const std::string& node, const NodeSummary& summary,
                         WallClock::time_point wall, SteadyClock::time_point mono) {
  std::lock_guard lock(mu_);
  NodeState& st = nodes_[node];
  auto window = std::chrono::duration_cast<std::chrono::nanoseconds>(mono - st.prev_mono);
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(window);
  bool can_rate = st.has_prev && window.count() > 0;

  std::optional<NodeUsage> node_usage;
  if (can_rate && st.prev_node_cpu && summary.usage.cpu_usage_core_ns &&
      summary.usage.memory_working_set_bytes) {
    auto rate = CpuRate(*st.prev_node_cpu, *summary.usage.cpu_usage_core_ns, window);
    if (rate) {
      node_usage = NodeUsage{node, wall, window_ms, *rate, *summary.usage.memory_working_set_bytes};
    }
  }

  std::map<std::string, Prev> prev;
  std::vector<PodUsage> pods;
  for (const PodSummary& pod : summary.pods) {
    PodUsage usage{pod.ns, pod.name, wall, window_ms, {}};
    bool complete = !pod.containers.empty();
    std::string pod_key = pod.uid.empty() ? pod.ns + "/" + pod.name : pod.uid;
    for (const ContainerSummary& c : pod.containers) {
      std::string key = pod_key + "/" + c.name;
      if (!c.usage.cpu_usage_core_ns) {
        complete = false;
        continue;
      }
      prev[key] = Prev{c.start_time_unix_ns, *c.usage.cpu_usage_core_ns};
      auto it = st.prev_containers.find(key);
      if (!can_rate || !c.usage.memory_working_set_bytes || it == st.prev_containers.end() ||
          it->second.start_time_unix_ns != c.start_time_unix_ns) {
        complete = false;
        continue;
      }
      auto rate = CpuRate(it->second.cpu_usage_core_ns, *c.usage.cpu_usage_core_ns, window);
      if (!rate) {
        complete = false;
        continue;
      }
      usage.containers.push_back(ContainerUsage{c.name, *rate, *c.usage.memory_working_set_bytes});
    }
    if (complete) pods.push_back(std::move(usage));
  }

  st.has_prev = true;
  st.prev_mono = mono;
  st.prev_node_cpu = summary.usage.cpu_usage_core_ns;
  st.prev_containers = std::move(prev);
  // A node that reported nothing usable this time keeps no stale figure.
  st.usage = node_usage;
  st.pods = std::move(pods);
}

void SampleStore::Retain(const std::set<std::string>& nodes) {
  std::lock_guard lock(mu_);
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    it = nodes.count(it->first) ? std::next(it) : nodes_.erase(it);
  }
}

std::vector<NodeUsage> SampleStore::Nodes(WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  std::vector<NodeUsage> out;
  for (const auto& [name, st] : nodes_) {
    if (st.usage && Fresh(st.usage->timestamp, now)) out.push_back(*st.usage);
  }
  return out;
}

std::vector<PodUsage> SampleStore::Pods(const std::string& ns, WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  // A pod re-created on another node may briefly show up twice: the newer
  // sample wins.
  std::map<std::pair<std::string, std::string>, const PodUsage*> by_name;
  for (const auto& [name, st] : nodes_) {
    for (const PodUsage& p : st.pods) {
      if ((!ns.empty() && p.ns != ns) || !Fresh(p.timestamp, now)) continue;
      auto& slot = by_name[{p.ns, p.name}];
      if (slot == nullptr || slot->timestamp < p.timestamp) slot = &p;
    }
  }
  std::vector<PodUsage> out;
  out.reserve(by_name.size());
  for (const auto& [key, p] : by_name)
    out.push_back(*p);
  return out;
}

size_t SampleStore::node_count() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace skiff::metrics
