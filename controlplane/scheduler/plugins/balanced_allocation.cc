#include "controlplane/scheduler/plugins/balanced_allocation.h"

#include <cmath>
#include <vector>

namespace skiff::scheduler {

Code BalancedAllocation::PreScore(const PodInfo& pod, std::span<NodeInfo* const>, Cache&) {
  const Resources& r = pod.resources.requests;
  return r.milli_cpu == 0 && r.memory == 0 ? Code::kSkip : Code::kSuccess;
}

int64_t BalancedAllocation::Score(const PodInfo& pod, const NodeInfo& node) const {
  const Resources& alloc = node.allocatable();
  const Resources& used = node.requested();
  const Resources& want = pod.resources.requests;
  double fractions[2];
  int n = 0;
  auto add = [&](int64_t requested, int64_t allocatable) {
    if (allocatable == 0) return;
    double f = static_cast<double>(requested) / static_cast<double>(allocatable);
    fractions[n++] = f > 1 ? 1 : f;
  };
  add(used.milli_cpu + want.milli_cpu, alloc.milli_cpu);
  add(used.memory + want.memory, alloc.memory);
  double std_dev = n == 2 ? std::abs((fractions[0] - fractions[1]) / 2) : 0;
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

}  // namespace skiff::scheduler
