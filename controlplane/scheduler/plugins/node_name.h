// NodeName (filter): a pod that names its node (spec.nodeName) fits only that node.
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonNodeName = "node(s) didn't match the requested node name";

class NodeName : public FilterPlugin {
 public:
  PluginId id() const override { return PluginId::kNodeName; }
  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;
};

}  // namespace skiff::scheduler
