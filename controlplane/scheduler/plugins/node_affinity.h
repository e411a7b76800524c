// NodeAffinity. Filter: spec.nodeSelector and required node affinity must match the node
// ("node(s) didn't match Pod's node affinity/selector"); required terms that pin
// metadata.name restrict the search to those nodes up front (the others are reported as
// "node(s) didn't satisfy plugin(s) [NodeAffinity]"), and terms that pin disjoint names
// reject the pod outright ("pod affinity terms conflict").
// Score (weight 2): the sum of the weights of the preferred terms the node matches,
// normalized to 0..100.
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonNodeAffinity =
    "node(s) didn't match Pod's node affinity/selector";
inline constexpr std::string_view kReasonNodeAffinityConflict = "pod affinity terms conflict";

class NodeAffinity : public FilterPlugin, public ScorePlugin {
 public:
  explicit NodeAffinity(int64_t weight = 2) : ScorePlugin(weight) {}
  PluginId id() const override { return PluginId::kNodeAffinity; }

  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const PodInfo& pod, std::span<NodeScore> scores) const override;
};

}  // namespace skiff::scheduler
