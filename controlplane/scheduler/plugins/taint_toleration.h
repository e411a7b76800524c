// TaintToleration. Filter: every NoSchedule / NoExecute taint of the node must be tolerated
// ("node(s) had untolerated taint {key: value}", naming the node's first untolerated taint).
// Score (weight 3): fewer untolerated PreferNoSchedule taints is better (reverse-normalized
// count).
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

class TaintToleration : public FilterPlugin, public ScorePlugin {
 public:
  explicit TaintToleration(int64_t weight = 3) : ScorePlugin(weight) {}
  PluginId id() const override { return PluginId::kTaintToleration; }

  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const PodInfo& pod, std::span<NodeScore> scores) const override;

  // "node(s) had untolerated taint {key: value}".
  static std::string UntoleratedReason(const api::Taint& taint);

 private:
  mutable ReasonPool reasons_;
  // This cycle's tolerations that can tolerate PreferNoSchedule taints.
  google::protobuf::RepeatedPtrField<api::Toleration> prefer_tolerations_;
};

}  // namespace skiff::scheduler
