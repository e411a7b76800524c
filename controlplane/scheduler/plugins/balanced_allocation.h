// NodeResourcesBalancedAllocation (score, weight 1): prefers nodes whose cpu and memory
// would be used in similar proportions with the pod added: (1 - std-dev of the two
// requested/allocatable fractions, each capped at 1) * 100. Pods that request neither cpu
// nor memory are not scored by it (so best-effort pods do not pile up on one node).
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

class BalancedAllocation : public ScorePlugin {
 public:
  explicit BalancedAllocation(int64_t weight = 1) : ScorePlugin(weight) {}
  PluginId id() const override { return PluginId::kNodeResourcesBalancedAllocation; }

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
};

}  // namespace skiff::scheduler
