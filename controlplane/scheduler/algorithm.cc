#include "controlplane/scheduler/algorithm.h"

#include <algorithm>
#include <map>

#include "controlplane/scheduler/fit_error.h"
#include "controlplane/scheduler/plugins/balanced_allocation.h"
#include "controlplane/scheduler/plugins/inter_pod_affinity.h"
#include "controlplane/scheduler/plugins/node_affinity.h"
#include "controlplane/scheduler/plugins/node_name.h"
#include "controlplane/scheduler/plugins/node_ports.h"
#include "controlplane/scheduler/plugins/node_resources_fit.h"
#include "controlplane/scheduler/plugins/node_unschedulable.h"
#include "controlplane/scheduler/plugins/pod_topology_spread.h"
#include "controlplane/scheduler/plugins/taint_toleration.h"

namespace skiff::scheduler {
namespace {

constexpr size_t kMinFeasibleNodesToFind = 100;
constexpr int32_t kMinFeasibleNodesPercentageToFind = 5;

}  // namespace

Algorithm::Algorithm(AlgorithmOptions options)
    : options_(options), rng_(options.seed ? options.seed : std::random_device{}()) {
  auto unschedulable = std::make_unique<NodeUnschedulable>();
  auto node_name = std::make_unique<NodeName>();
  auto taints = std::make_unique<TaintToleration>();
  auto node_affinity = std::make_unique<NodeAffinity>();
  auto ports = std::make_unique<NodePorts>();
  auto fit = std::make_unique<NodeResourcesFit>();
  auto spread = std::make_unique<PodTopologySpread>();
  auto pod_affinity = std::make_unique<InterPodAffinity>();
  auto balanced = std::make_unique<BalancedAllocation>();
  filters_ = {unschedulable.get(), node_name.get(), taints.get(), node_affinity.get(),
              ports.get(),         fit.get(),       spread.get(), pod_affinity.get()};
  scorers_ = {taints.get(), node_affinity.get(), fit.get(),
              spread.get(), pod_affinity.get(),  balanced.get()};
  plugins_.push_back(std::move(unschedulable));
  plugins_.push_back(std::move(node_name));
  plugins_.push_back(std::move(taints));
  plugins_.push_back(std::move(node_affinity));
  plugins_.push_back(std::move(ports));
  plugins_.push_back(std::move(fit));
  plugins_.push_back(std::move(spread));
  plugins_.push_back(std::move(pod_affinity));
  plugins_.push_back(std::move(balanced));
}

Algorithm::~Algorithm() = default;

size_t Algorithm::NumFeasibleNodesToFind(int32_t percentage, size_t num_nodes) {
  if (num_nodes < kMinFeasibleNodesToFind) return num_nodes;
  int64_t pct = percentage;
  if (pct <= 0) {
    pct = 50 - static_cast<int64_t>(num_nodes) / 125;
    pct = std::max<int64_t>(pct, kMinFeasibleNodesPercentageToFind);
  }
  pct = std::min<int64_t>(pct, 100);
  size_t n = num_nodes * static_cast<size_t>(pct) / 100;
  return std::max(n, kMinFeasibleNodesToFind);
}

ScheduleOutcome Algorithm::Schedule(const PodInfo& pod, Cache& cache) {
  ScheduleOutcome out;
  const std::vector<NodeInfo*>& nodes = cache.Nodes();
  const size_t num_nodes = nodes.size();
  if (num_nodes == 0) {
    out.kind = ScheduleOutcome::Kind::kUnschedulable;
    out.message = std::string(kNoNodesAvailable);
    out.rejected_by = kAllPlugins;
    return out;
  }

  // PreFilter.
  active_filters_.clear();
  bool restricted = false;
  std::vector<std::string> allowed;
  std::string restricting;  // "[NodeAffinity ...]"
  for (FilterPlugin* f : filters_) {
    PreFilterResult r = f->PreFilter(pod, cache);
    if (r.code == Code::kSkip) continue;
    if (r.code == Code::kError) {
      out.kind = ScheduleOutcome::Kind::kError;
      out.message = std::string(f->name()) + ": " + r.message;
      return out;
    }
    if (r.code != Code::kSuccess) {
      out.kind = ScheduleOutcome::Kind::kUnschedulable;
      out.message = FitErrorMessage(num_nodes, r.message, {});
      out.rejected_by = Bit(f->id());
      return out;
    }
    if (r.restricts_nodes) {
      if (!restricted) {
        allowed = std::move(r.node_names);
      } else {
        std::vector<std::string> both;
        std::set_intersection(allowed.begin(), allowed.end(), r.node_names.begin(),
                              r.node_names.end(), std::back_inserter(both));
        allowed = std::move(both);
      }
      restricting += (restricted ? " " : "") + std::string(f->name());
      restricted = true;
      out.rejected_by |= Bit(f->id());
    }
    active_filters_.push_back(f);
  }

  // Candidates.
  candidates_.clear();
  size_t num_to_find;
  size_t start = 0;
  if (restricted) {
    for (const std::string& name : allowed) {
      NodeInfo* n = cache.GetNode(name);
      if (n && n->node()) candidates_.push_back(n);
    }
    num_to_find = candidates_.size();
  } else {
    num_to_find = NumFeasibleNodesToFind(options_.percentage_of_nodes_to_score, num_nodes);
    start = next_start_ % num_nodes;
  }

  // Filter.
  feasible_.clear();
  const std::vector<NodeInfo*>& list = restricted ? candidates_ : nodes;
  statuses_.resize(std::max(statuses_.size(), list.size()));
  size_t failed = 0, processed = 0;
  const size_t count = list.size();
  auto node_at = [&](size_t i) {
    size_t at = start + i;
    return list[at < count ? at : at - count];
  };
  // NodeInfos are separate heap objects: without these hints every node's first field read
  // is a cache miss that the pointer chase hides from the hardware prefetcher.
  constexpr size_t kPrefetchNode = 8, kPrefetchLabels = 4;
  for (size_t i = 0; i < std::min(count, kPrefetchNode); ++i)
    node_at(i)->Prefetch();
  for (size_t i = 0; i < count && feasible_.size() < num_to_find; ++i) {
    if (i + kPrefetchNode < count) node_at(i + kPrefetchNode)->Prefetch();
    if (i + kPrefetchLabels < count) node_at(i + kPrefetchLabels)->PrefetchLabels();
    NodeInfo* n = node_at(i);
    NodeStatus& status = statuses_[failed];
    status.Reset();
    for (FilterPlugin* f : active_filters_) {
      f->Filter(pod, *n, &status);
      if (!status.ok()) break;
    }
    ++processed;
    if (status.ok()) {
      feasible_.push_back(n);
    } else {
      ++failed;
    }
  }
  if (!restricted) next_start_ = (start + processed) % num_nodes;
  out.evaluated_nodes = processed;
  out.feasible_nodes = feasible_.size();

  if (feasible_.empty()) {
    std::map<std::string, int, std::less<>> reasons;
    for (size_t i = 0; i < failed; ++i) {
      const NodeStatus& s = statuses_[i];
      out.rejected_by |= Bit(s.plugin());
      for (size_t r = 0; r < s.num_reasons(); ++r) {
        auto it = reasons.find(s.reason(r));
        if (it == reasons.end()) {
          reasons.emplace(std::string(s.reason(r)), 1);
        } else {
          ++it->second;
        }
      }
    }
    if (size_t absent = num_nodes - count; absent > 0) {
      reasons["node(s) didn't satisfy plugin(s) [" + restricting + "]"] += static_cast<int>(absent);
    }
    out.kind = ScheduleOutcome::Kind::kUnschedulable;
    out.message = FitErrorMessage(num_nodes, "", reasons);
    return out;
  }
  out.kind = ScheduleOutcome::Kind::kScheduled;
  if (feasible_.size() == 1) {
    out.node = feasible_[0]->name();
    return out;
  }
  out.node = SelectHost(pod, cache);
  if (out.node.empty()) {
    out.kind = ScheduleOutcome::Kind::kError;
    out.message = "scoring failed";
  }
  return out;
}

std::string Algorithm::SelectHost(const PodInfo& pod, Cache& cache) {
  const size_t n = feasible_.size();
  totals_.assign(n, 0);
  scores_.resize(n);
  for (ScorePlugin* s : scorers_) {
    Code c = s->PreScore(pod, feasible_, cache);
    if (c == Code::kSkip) continue;
    if (c != Code::kSuccess) return "";
    for (size_t i = 0; i < n; ++i)
      scores_[i] = {feasible_[i], s->Score(pod, *feasible_[i])};
    s->NormalizeScore(pod, scores_);
    for (size_t i = 0; i < n; ++i)
      totals_[i] += scores_[i].score * s->weight();
  }
  // Highest total; ties broken uniformly at random (reservoir sampling).
  size_t best = 0, ties = 1;
  for (size_t i = 1; i < n; ++i) {
    if (totals_[i] > totals_[best]) {
      best = i;
      ties = 1;
    } else if (totals_[i] == totals_[best]) {
      ++ties;
      if (std::uniform_int_distribution<size_t>(0, ties - 1)(rng_) == 0) best = i;
    }
  }
  return feasible_[best]->name();
}

}  // namespace skiff::scheduler
