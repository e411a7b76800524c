#include "controlplane/scheduler/plugins/inter_pod_affinity.h"

#include <algorithm>
#include <climits>

namespace skiff::scheduler {

int64_t InterPodAffinity::Lookup(const TopologyCounts& counts, const std::string* key,
                                 const std::string& value) {
  auto k = counts.find(key);
  if (k == counts.end()) return 0;
  auto v = k->second.find(value);
  return v == k->second.end() ? 0 : v->second;
}

std::vector<AffinityTerm> InterPodAffinity::Resolve(const std::vector<AffinityTerm>& terms,
                                                    const Cache& cache) {
  std::vector<AffinityTerm> out = terms;
  for (AffinityTerm& t : out) {
    // An empty namespaceSelector ({}) means every namespace and is kept as is.
    if (!t.namespace_selector || t.namespace_selector->empty()) continue;
    for (std::string& ns : cache.NamespacesMatching(*t.namespace_selector))
      t.namespaces.push_back(std::move(ns));
    std::sort(t.namespaces.begin(), t.namespaces.end());
    t.namespaces.erase(std::unique(t.namespaces.begin(), t.namespaces.end()), t.namespaces.end());
    t.namespace_selector.reset();
  }
  return out;
}

void InterPodAffinity::AddMatching(const AffinityTerm& term, int64_t weight, Cache& cache,
                                   TopologyCounts* out) {
  auto& by_value = (*out)[term.topology_key_id];
  if (term.namespace_selector) {
    // Every namespace: look at each pod.
    for (NodeInfo* n : cache.Nodes()) {
      const std::string* v = n->Label(term.topology_key_id);
      if (!v) continue;
      for (const PodInfoPtr& p : n->pods()) {
        if (term.Matches(*p->pod, EmptyLabels())) by_value[*v] += weight;
      }
    }
  } else {
    for (const std::string& ns : term.namespaces) {
      auto counts = cache.CountMatchingPods(ns, term.selector, true);
      for (NodeInfo* n : cache.Nodes()) {
        int32_t c = (*counts)[n->slot()];
        if (c == 0) continue;
        if (const std::string* v = n->Label(term.topology_key_id)) by_value[*v] += weight * c;
      }
    }
  }
  if (by_value.empty()) out->erase(term.topology_key_id);
}

PreFilterResult InterPodAffinity::PreFilter(const PodInfo& pod, Cache& cache) {
  PreFilterResult r;
  affinity_ = Resolve(pod.required_affinity, cache);
  anti_affinity_ = Resolve(pod.required_anti_affinity, cache);
  affinity_counts_.clear();
  anti_affinity_counts_.clear();
  existing_anti_counts_.clear();

  const LabelMap& ns_labels = cache.NamespaceLabels(pod.ns());
  for (NodeInfo* n : cache.NodesWithRequiredAntiAffinity()) {
    for (const PodInfoPtr& existing : n->pods_with_required_anti_affinity()) {
      for (const AffinityTerm& t : existing->required_anti_affinity) {
        const std::string* v = n->Label(t.topology_key_id);
        if (v && t.Matches(*pod.pod, ns_labels)) existing_anti_counts_[t.topology_key_id][*v]++;
      }
    }
  }
  for (const AffinityTerm& t : affinity_)
    AddMatching(t, 1, cache, &affinity_counts_);
  for (const AffinityTerm& t : anti_affinity_)
    AddMatching(t, 1, cache, &anti_affinity_counts_);
  matches_own_terms_ = !affinity_.empty() &&
                       std::all_of(affinity_.begin(), affinity_.end(), [&](const AffinityTerm& t) {
                         return t.Matches(*pod.pod, EmptyLabels());
                       });
  if (existing_anti_counts_.empty() && affinity_.empty() && anti_affinity_.empty()) {
    r.code = Code::kSkip;
  }
  return r;
}

void InterPodAffinity::Filter(const PodInfo&, const NodeInfo& node, NodeStatus* status) const {
  if (!affinity_.empty()) {
    bool pods_exist = true;
    for (const AffinityTerm& t : affinity_) {
      const std::string* v = node.Label(t.topology_key_id);
      if (!v) {
        status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonAffinityNotMatch);
        return;
      }
      if (Lookup(affinity_counts_, t.topology_key_id, *v) <= 0) pods_exist = false;
    }
    // The first of a group of pods with affinity to each other may start anywhere.
    if (!pods_exist && !(affinity_counts_.empty() && matches_own_terms_)) {
      status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonAffinityNotMatch);
      return;
    }
  }
  if (!anti_affinity_counts_.empty()) {
    for (const AffinityTerm& t : anti_affinity_) {
      const std::string* v = node.Label(t.topology_key_id);
      if (v && Lookup(anti_affinity_counts_, t.topology_key_id, *v) > 0) {
        status->Fail(id(), Code::kUnschedulable, kReasonAntiAffinityNotMatch);
        return;
      }
    }
  }
  for (const auto& [key, values] : existing_anti_counts_) {
    const std::string* v = node.Label(key);
    if (!v) continue;
    auto it = values.find(*v);
    if (it != values.end() && it->second > 0) {
      status->Fail(id(), Code::kUnschedulable, kReasonExistingAntiAffinityNotMatch);
      return;
    }
  }
}

Code InterPodAffinity::PreScore(const PodInfo& pod, std::span<NodeInfo* const>, Cache& cache) {
  scores_.clear();
  for (const AffinityTerm& t : Resolve(pod.preferred_affinity, cache))
    AddMatching(t, t.weight, cache, &scores_);
  for (const AffinityTerm& t : Resolve(pod.preferred_anti_affinity, cache))
    AddMatching(t, -t.weight, cache, &scores_);
  // Terms of pods already placed that speak about this pod.
  const LabelMap& ns_labels = cache.NamespaceLabels(pod.ns());
  for (NodeInfo* n : cache.NodesWithPodAffinity()) {
    auto add = [&](const AffinityTerm& t, int64_t w) {
      const std::string* v = n->Label(t.topology_key_id);
      if (v && t.Matches(*pod.pod, ns_labels)) scores_[t.topology_key_id][*v] += w;
    };
    for (const PodInfoPtr& existing : n->pods_with_affinity()) {
      if (hard_weight_ > 0) {
        for (const AffinityTerm& t : existing->required_affinity)
          add(t, hard_weight_);
      }
      for (const AffinityTerm& t : existing->preferred_affinity)
        add(t, t.weight);
      for (const AffinityTerm& t : existing->preferred_anti_affinity)
        add(t, -t.weight);
    }
  }
  return scores_.empty() ? Code::kSkip : Code::kSuccess;
}

int64_t InterPodAffinity::Score(const PodInfo&, const NodeInfo& node) const {
  int64_t score = 0;
  for (const auto& [key, values] : scores_) {
    const std::string* v = node.Label(key);
    if (!v) continue;
    auto it = values.find(*v);
    if (it != values.end()) score += it->second;
  }
  return score;
}

void InterPodAffinity::NormalizeScore(const PodInfo&, std::span<NodeScore> scores) const {
  int64_t min = INT64_MAX, max = INT64_MIN;
  for (const NodeScore& s : scores) {
    min = std::min(min, s.score);
    max = std::max(max, s.score);
  }
  int64_t diff = max - min;
  for (NodeScore& s : scores) {
    s.score =
        diff > 0
            ? static_cast<int64_t>(static_cast<double>(kMaxNodeScore) *
                                   (static_cast<double>(s.score - min) / static_cast<double>(diff)))
            : 0;
  }
}

}  // namespace skiff::scheduler
