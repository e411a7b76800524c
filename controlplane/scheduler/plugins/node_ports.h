// NodePorts (filter): a pod's hostPorts must be free on the node (same protocol and port
// on the same host IP, where 0.0.0.0 overlaps every IP).
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonNodePorts =
    "node(s) didn't have free ports for the requested pod ports";

class NodePorts : public FilterPlugin {
 public:
  PluginId id() const override { return PluginId::kNodePorts; }
  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;
};

}  // namespace skiff::scheduler
