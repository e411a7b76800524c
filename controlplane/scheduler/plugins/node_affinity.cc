#include "controlplane/scheduler/plugins/node_affinity.h"

#include <algorithm>
#include <optional>
#include <set>

namespace skiff::scheduler {

PreFilterResult NodeAffinity::PreFilter(const PodInfo& pod, Cache&) {
  PreFilterResult r;
  if (pod.required_node_affinity.empty()) {
    r.code = Code::kSkip;
    return r;
  }
  const api::Affinity& a = pod.pod->spec().affinity();
  if (!a.has_node_affinity() ||
      !a.node_affinity().has_required_during_scheduling_ignored_during_execution()) {
    return r;
  }
  const auto& terms =
      a.node_affinity().required_during_scheduling_ignored_during_execution().node_selector_terms();
  if (terms.empty()) return r;
  // Terms are ORed: the candidates are the union of each term's pinned names, unless some
  // term pins none (then every node is a candidate).
  std::set<std::string> names;
  for (const api::NodeSelectorTerm& t : terms) {
    std::optional<std::set<std::string>> term_names;
    for (const api::NodeSelectorRequirement& f : t.match_fields()) {
      if (f.key() != "metadata.name" || f.operator_() != "In") continue;
      std::set<std::string> values(f.values().begin(), f.values().end());
      if (!term_names) {
        term_names = std::move(values);
      } else {
        std::set<std::string> both;
        std::set_intersection(term_names->begin(), term_names->end(), values.begin(), values.end(),
                              std::inserter(both, both.end()));
        term_names = std::move(both);
      }
    }
    if (!term_names) return r;
    names.insert(term_names->begin(), term_names->end());
  }
  if (names.empty()) {
    r.code = Code::kUnschedulableAndUnresolvable;
    r.message = std::string(kReasonNodeAffinityConflict);
    return r;
  }
  r.restricts_nodes = true;
  r.node_names.assign(names.begin(), names.end());
  return r;
}

void NodeAffinity::Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const {
  if (!pod.required_node_affinity.Matches(node.label_index(), node.name())) {
    status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonNodeAffinity);
  }
}

Code NodeAffinity::PreScore(const PodInfo& pod, std::span<NodeInfo* const>, Cache&) {
  return pod.preferred_node_affinity.empty() ? Code::kSkip : Code::kSuccess;
}

int64_t NodeAffinity::Score(const PodInfo& pod, const NodeInfo& node) const {
  int64_t sum = 0;
  for (const PreferredNodeTerm& t : pod.preferred_node_affinity) {
    if (t.term.Matches(node.label_index(), node.name())) sum += t.weight;
  }
  return sum;
}

void NodeAffinity::NormalizeScore(const PodInfo&, std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, false, scores);
}

}  // namespace skiff::scheduler
