#include "controlplane/scheduler/plugins/node_resources_fit.h"

namespace skiff::scheduler {

int64_t LeastRequestedScore(int64_t requested, int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

PreFilterResult NodeResourcesFit::PreFilter(const PodInfo&, Cache&) {
  return {};
}

void NodeResourcesFit::Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const {
  const Resources& alloc = node.allocatable();
  const Resources& used = node.requested();
  const Resources& want = pod.resources.requests;
  if (static_cast<int64_t>(node.pods().size()) + 1 > alloc.allowed_pods) {
    status->Fail(id(), Code::kUnschedulable, kReasonTooManyPods);
  }
  if (want.IsEmptyRequest()) return;
  if (want.milli_cpu > 0 && want.milli_cpu > alloc.milli_cpu - used.milli_cpu) {
    status->Fail(id(), Code::kUnschedulable, kReasonInsufficientCpu);
  }
  if (want.memory > 0 && want.memory > alloc.memory - used.memory) {
    status->Fail(id(), Code::kUnschedulable, kReasonInsufficientMemory);
  }
  if (want.ephemeral_storage > 0 &&
      want.ephemeral_storage > alloc.ephemeral_storage - used.ephemeral_storage) {
    status->Fail(id(), Code::kUnschedulable, kReasonInsufficientEphemeral);
  }
  for (const auto& [name, quantity] : want.scalars) {
    if (quantity == 0) continue;
    if (quantity > alloc.Scalar(name) - used.Scalar(name)) {
      status->Fail(id(), Code::kUnschedulable, reasons_.Intern("Insufficient " + name));
    }
  }
}

Code NodeResourcesFit::PreScore(const PodInfo&, std::span<NodeInfo* const>, Cache&) {
  return Code::kSuccess;
}

int64_t NodeResourcesFit::Score(const PodInfo& pod, const NodeInfo& node) const {
  int64_t sum = 0, weights = 0;
  const Resources& alloc = node.allocatable();
  if (alloc.milli_cpu != 0) {
    sum += LeastRequestedScore(node.non_zero_milli_cpu() + pod.resources.non_zero_milli_cpu,
                               alloc.milli_cpu);
    ++weights;
  }
  if (alloc.memory != 0) {
    sum +=
        LeastRequestedScore(node.non_zero_memory() + pod.resources.non_zero_memory, alloc.memory);
    ++weights;
  }
  return weights == 0 ? 0 : sum / weights;
}

}  // namespace skiff::scheduler
