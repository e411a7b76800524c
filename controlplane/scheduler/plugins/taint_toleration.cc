#include "controlplane/scheduler/plugins/taint_toleration.h"

#include "controlplane/scheduler/taints.h"

namespace skiff::scheduler {

std::string TaintToleration::UntoleratedReason(const api::Taint& taint) {
  return "node(s) had untolerated taint {" + taint.key() + ": " + taint.value() + "}";
}

PreFilterResult TaintToleration::PreFilter(const PodInfo&, Cache&) {
  return {};
}

void TaintToleration::Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const {
  if (!node.has_hard_taints()) return;
  const api::Taint* t =
      FindUntoleratedTaint(node.node()->spec().taints(), pod.pod->spec().tolerations());
  if (t) {
    status->Fail(id(), Code::kUnschedulableAndUnresolvable, reasons_.Intern(UntoleratedReason(*t)));
  }
}

Code TaintToleration::PreScore(const PodInfo& pod, std::span<NodeInfo* const>, Cache&) {
  prefer_tolerations_.Clear();
  for (const api::Toleration& t : pod.pod->spec().tolerations()) {
    if (t.effect().empty() || t.effect() == kEffectPreferNoSchedule) *prefer_tolerations_.Add() = t;
  }
  return Code::kSuccess;
}

int64_t TaintToleration::Score(const PodInfo&, const NodeInfo& node) const {
  if (!node.has_prefer_taints()) return 0;
  int64_t count = 0;
  for (const api::Taint& taint : node.node()->spec().taints()) {
    if (taint.effect() != kEffectPreferNoSchedule) continue;
    if (!TolerationsTolerateTaint(prefer_tolerations_, taint)) ++count;
  }
  return count;
}

void TaintToleration::NormalizeScore(const PodInfo&, std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, true, scores);
}

}  // namespace skiff::scheduler
