#include "controlplane/scheduler/plugins/pod_topology_spread.h"

#include <climits>
#include <cmath>

#include "controlplane/scheduler/taints.h"

namespace skiff::scheduler {
namespace {

// Domain index of a node for a counted constraint; the slot past the label values stands
// for "label missing" (only system-default constraints score such nodes).
int32_t DomainOf(const Cache::Topology& t, const NodeInfo& n) {
  int32_t d = t.domain_of_slot[n.slot()];
  return d >= 0 ? d : static_cast<int32_t>(t.values.size());
}

}  // namespace

bool PodTopologySpread::IncludesNode(const SpreadConstraint& c, const PodInfo& pod,
                                     const NodeInfo& node) {
  if (c.honor_node_affinity && !pod.required_node_affinity.Matches(node.label_index(), node.name()))
    return false;
  if (c.honor_node_taints && node.has_hard_taints() &&
      FindUntoleratedTaint(node.node()->spec().taints(), pod.pod->spec().tolerations())) {
    return false;
  }
  return true;
}

void PodTopologySpread::Prepare(std::vector<SpreadConstraint> constraints, const PodInfo& pod,
                                Cache& cache, std::vector<Counted>* out) {
  out->clear();
  for (SpreadConstraint& c : constraints) {
    Counted k;
    k.topology = &cache.TopologyOf(c.topology_key);
    k.per_slot = cache.CountMatchingPods(pod.ns(), c.selector, false);
    k.per_domain.assign(k.topology->values.size() + 1, 0);
    k.present.assign(k.topology->values.size() + 1, 0);
    k.hostname = c.topology_key == kLabelHostname;
    k.self_match = c.selector.Matches(pod.labels());
    k.c = std::move(c);
    out->push_back(std::move(k));
  }
}

PreFilterResult PodTopologySpread::PreFilter(const PodInfo& pod, Cache& cache) {
  PreFilterResult r;
  auto constraints = PodSpreadConstraints(pod, "DoNotSchedule");
  if (!constraints.ok()) {
    r.code = Code::kError;
    r.message = constraints.status().message();
    return r;
  }
  if (constraints->empty()) {
    filter_.clear();
    r.code = Code::kSkip;
    return r;
  }
  Prepare(std::move(*constraints), pod, cache, &filter_);
  for (NodeInfo* n : cache.Nodes()) {
    bool has_keys = true;
    for (const Counted& k : filter_)
      has_keys &= k.topology->domain_of_slot[n->slot()] >= 0;
    if (!has_keys) continue;
    for (Counted& k : filter_) {
      if (!IncludesNode(k.c, pod, *n)) continue;
      int32_t d = k.topology->domain_of_slot[n->slot()];
      k.present[d] = 1;
      k.per_domain[d] += (*k.per_slot)[n->slot()];
    }
  }
  for (Counted& k : filter_) {
    int64_t min = INT_MAX, domains = 0;
    for (size_t d = 0; d < k.present.size(); ++d) {
      if (!k.present[d]) continue;
      ++domains;
      min = std::min(min, k.per_domain[d]);
    }
    k.min_match = domains < k.c.min_domains ? 0 : min;
  }
  return r;
}

void PodTopologySpread::Filter(const PodInfo&, const NodeInfo& node, NodeStatus* status) const {
  for (const Counted& k : filter_) {
    int32_t d = k.topology->domain_of_slot[node.slot()];
    if (d < 0) {
      status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonSpreadMissingLabel);
      return;
    }
    int64_t skew = k.per_domain[d] + (k.self_match ? 1 : 0) - k.min_match;
    if (skew > k.c.max_skew) {
      status->Fail(id(), Code::kUnschedulable, kReasonSpreadNotMatch);
      return;
    }
  }
}

Code PodTopologySpread::PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible,
                                 Cache& cache) {
  bool own = !pod.pod->spec().topology_spread_constraints().empty();
  std::vector<SpreadConstraint> constraints;
  if (own) {
    auto c = PodSpreadConstraints(pod, "ScheduleAnyway");
    if (!c.ok()) return Code::kError;
    constraints = std::move(*c);
  } else {
    constraints = DefaultSpreadConstraints(pod, cache);
  }
  if (constraints.empty() || cache.Nodes().empty()) {
    score_.clear();
    return Code::kSkip;
  }
  Prepare(std::move(constraints), pod, cache, &score_);
  // Only the pod's own constraints need every topology key on a node; with the system
  // defaults a node without a zone label still gets hostname spreading.
  const bool require_all = own;
  auto has_all_keys = [&](const NodeInfo& n) {
    for (const Counted& k : score_) {
      if (k.topology->domain_of_slot[n.slot()] < 0) return false;
    }
    return true;
  };
  ignored_.assign(cache.NumSlots(), 0);
  size_t num_ignored = 0;
  std::vector<int64_t> sizes(score_.size(), 0);
  for (NodeInfo* n : feasible) {
    if (require_all && !has_all_keys(*n)) {
      ignored_[n->slot()] = 1;
      ++num_ignored;
      continue;
    }
    for (size_t i = 0; i < score_.size(); ++i) {
      Counted& k = score_[i];
      if (k.hostname) continue;
      int32_t d = DomainOf(*k.topology, *n);
      if (!k.present[d]) {
        k.present[d] = 1;
        ++sizes[i];
      }
    }
  }
  for (size_t i = 0; i < score_.size(); ++i) {
    int64_t size =
        score_[i].hostname ? static_cast<int64_t>(feasible.size() - num_ignored) : sizes[i];
    score_[i].weight = std::log(static_cast<double>(size + 2));
  }
  // Count matching pods in the domains the feasible nodes are in, over every node.
  for (NodeInfo* n : cache.Nodes()) {
    if (require_all && !has_all_keys(*n)) continue;
    for (Counted& k : score_) {
      if (k.hostname || !IncludesNode(k.c, pod, *n)) continue;
      int32_t d = DomainOf(*k.topology, *n);
      if (k.present[d]) k.per_domain[d] += (*k.per_slot)[n->slot()];
    }
  }
  return Code::kSuccess;
}

int64_t PodTopologySpread::Score(const PodInfo&, const NodeInfo& node) const {
  if (ignored_[node.slot()]) return 0;
  double score = 0;
  for (const Counted& k : score_) {
    int32_t d = k.topology->domain_of_slot[node.slot()];
    if (d < 0) continue;  // the node lacks this key: no credit either way
    int64_t count = k.hostname ? (*k.per_slot)[node.slot()] : k.per_domain[d];
    score += static_cast<double>(count) * k.weight + static_cast<double>(k.c.max_skew - 1);
  }
  return static_cast<int64_t>(std::llround(score));
}

void PodTopologySpread::NormalizeScore(const PodInfo&, std::span<NodeScore> scores) const {
  int64_t min = INT64_MAX, max = 0;
  for (const NodeScore& s : scores) {
    if (ignored_[s.node->slot()]) continue;
    min = std::min(min, s.score);
    max = std::max(max, s.score);
  }
  for (NodeScore& s : scores) {
    if (ignored_[s.node->slot()]) {
      s.score = 0;
    } else if (max == 0) {
      s.score = kMaxNodeScore;
    } else {
      s.score = kMaxNodeScore * (max + min - s.score) / max;
    }
  }
}

}  // namespace skiff::scheduler
