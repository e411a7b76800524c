// NodeResourcesFit. Filter: the pod's requests must fit the node's allocatable minus what
// the pods already there request — cpu, memory, ephemeral-storage, every scalar resource
// the pod asks for — and the node must have room for one more pod. Each shortfall is its own
// reason ("Insufficient cpu", "Insufficient example.com/gpu", "Too many pods").
// Score (weight 1), LeastAllocated: for cpu and memory (weight 1 each),
// (allocatable - requested) * 100 / allocatable with the pod added, using non-zero
// requests (100m / 200Mi for containers that request nothing), averaged.
#pragma once

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonTooManyPods = "Too many pods";
inline constexpr std::string_view kReasonInsufficientCpu = "Insufficient cpu";
inline constexpr std::string_view kReasonInsufficientMemory = "Insufficient memory";
inline constexpr std::string_view kReasonInsufficientEphemeral = "Insufficient ephemeral-storage";

class NodeResourcesFit : public FilterPlugin, public ScorePlugin {
 public:
  explicit NodeResourcesFit(int64_t weight = 1) : ScorePlugin(weight) {}
  PluginId id() const override { return PluginId::kNodeResourcesFit; }

  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;

 private:
  mutable ReasonPool reasons_;
};

// ((capacity - requested) * 100) / capacity; 0 when over capacity or capacity is 0.
int64_t LeastRequestedScore(int64_t requested, int64_t capacity);

}  // namespace skiff::scheduler
