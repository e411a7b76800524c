#include "controlplane/scheduler/plugins/node_unschedulable.h"

#include "controlplane/scheduler/taints.h"

namespace skiff::scheduler {

PreFilterResult NodeUnschedulable::PreFilter(const PodInfo& pod, Cache&) {
  api::Taint taint;
  taint.set_key(std::string(kTaintNodeUnschedulable));
  taint.set_effect(std::string(kEffectNoSchedule));
  tolerates_ = TolerationsTolerateTaint(pod.pod->spec().tolerations(), taint);
  return {};
}

void NodeUnschedulable::Filter(const PodInfo&, const NodeInfo& node, NodeStatus* status) const {
  if (node.unschedulable() && !tolerates_) {
    status->Fail(id(), Code::kUnschedulableAndUnresolvable, kReasonNodeUnschedulable);
  }
}

}  // namespace skiff::scheduler
