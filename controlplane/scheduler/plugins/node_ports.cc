#include "controlplane/scheduler/plugins/node_ports.h"

namespace skiff::scheduler {

PreFilterResult NodePorts::PreFilter(const PodInfo& pod, Cache&) {
  PreFilterResult r;
  if (pod.host_ports.empty()) r.code = Code::kSkip;
  return r;
}

void NodePorts::Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const {
  for (const HostPort& want : pod.host_ports) {
    if (node.PortConflicts(want)) {
      status->Fail(id(), Code::kUnschedulable, kReasonNodePorts);
      return;
    }
  }
}

}  // namespace skiff::scheduler
