#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

std::string_view PluginName(PluginId id) {
  switch (id) {
    case PluginId::kNodeUnschedulable:
      return "NodeUnschedulable";
    case PluginId::kNodeName:
      return "NodeName";
    case PluginId::kTaintToleration:
      return "TaintToleration";
    case PluginId::kNodeAffinity:
      return "NodeAffinity";
    case PluginId::kNodePorts:
      return "NodePorts";
    case PluginId::kNodeResourcesFit:
      return "NodeResourcesFit";
    case PluginId::kPodTopologySpread:
      return "PodTopologySpread";
    case PluginId::kInterPodAffinity:
      return "InterPodAffinity";
    case PluginId::kNodeResourcesBalancedAllocation:
      return "NodeResourcesBalancedAllocation";
    case PluginId::kCount:
      break;
  }
  return "Unknown";
}

void NodeStatus::Fail(PluginId plugin, Code code, std::string_view reason) {
  code_ = code;
  plugin_ = plugin;
  if (n_ < kInlineReasons) {
    inline_[n_] = reason;
  } else {
    extra_.push_back(reason);
  }
  ++n_;
}

void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::span<NodeScore> scores) {
  int64_t max_count = 0;
  for (const NodeScore& s : scores)
    max_count = std::max(max_count, s.score);
  if (max_count == 0) {
    if (reverse) {
      for (NodeScore& s : scores)
        s.score = max_priority;
    }
    return;
  }
  for (NodeScore& s : scores) {
    int64_t v = max_priority * s.score / max_count;
    s.score = reverse ? max_priority - v : v;
  }
}

}  // namespace skiff::scheduler
