// NodeUnschedulable (filter): nodes with spec.unschedulable (cordoned) take no new pods,
// unless the pod tolerates the node.kubernetes.io/unschedulable:NoSchedule taint.
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonNodeUnschedulable = "node(s) were unschedulable";

class NodeUnschedulable : public FilterPlugin {
 public:
  PluginId id() const override { return PluginId::kNodeUnschedulable; }
  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

 private:
  bool tolerates_ = false;  // this cycle's pod tolerates the unschedulable taint
};

}  // namespace skiff::scheduler
