#include "controlplane/scheduler/plugins/node_name.h"

namespace skiff::scheduler {

PreFilterResult NodeName::PreFilter(const PodInfo& pod, Cache&) {
  PreFilterResult r;
  if (pod.pod->spec().node_name().empty()) r.code = Code::kSkip;
  return r;
}

void NodeName::Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const {
  const std::string& want = pod.pod->spec().node_name();
  if (!want.empty() && want != node.name()) {
    status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonNodeName);
  }
}

}  // namespace skiff::scheduler
