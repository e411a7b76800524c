// PodTopologySpread.
// Filter (whenUnsatisfiable: DoNotSchedule): for each constraint, placing the pod in the
// node's domain must keep (matching pods in that domain + 1 if the pod matches itself) -
// (the smallest count over eligible domains, or 0 while there are fewer than minDomains
// domains) within maxSkew. Eligible domains come from nodes that carry every constraint's
// topology key and pass the inclusion policies (nodeAffinityPolicy: the pod's nodeSelector /
// required affinity; nodeTaintsPolicy: its tolerations). A node without a topology key is
// rejected as unresolvable ("... (missing required label)").
// Score (ScheduleAnyway, or the system defaults for pods without constraints; weight 2):
// fewer matching pods in the node's domains is better, weighted by log(domains + 2), with
// maxSkew - 1 added, then inverted and normalized to 0..100.
#pragma once

#include <vector>

#include "controlplane/scheduler/framework.h"
#include "controlplane/scheduler/plugins/spread_constraints.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonSpreadNotMatch =
    "node(s) didn't match pod topology spread constraints";
inline constexpr std::string_view kReasonSpreadMissingLabel =
    "node(s) didn't match pod topology spread constraints (missing required label)";

class PodTopologySpread : public FilterPlugin, public ScorePlugin {
 public:
  explicit PodTopologySpread(int64_t weight = 2) : ScorePlugin(weight) {}
  PluginId id() const override { return PluginId::kPodTopologySpread; }

  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const PodInfo& pod, std::span<NodeScore> scores) const override;

 private:
  // One constraint with this cycle's per-domain pod counts.
  struct Counted {
    SpreadConstraint c;
    const Cache::Topology* topology = nullptr;
    std::shared_ptr<const Cache::PodCounts> per_slot;
    std::vector<int64_t> per_domain;  // index: domain id; last entry: label missing
    std::vector<char> present;        // domain registered (eligible)
    bool hostname = false;
    int64_t min_match = 0;  // filter
    bool self_match = false;
    double weight = 0;  // score: log(domains + 2)
  };
  static bool IncludesNode(const SpreadConstraint& c, const PodInfo& pod, const NodeInfo& node);
  void Prepare(std::vector<SpreadConstraint> constraints, const PodInfo& pod, Cache& cache,
               std::vector<Counted>* out);

  std::vector<Counted> filter_;
  std::vector<Counted> score_;
  std::vector<char> ignored_;  // by slot: scored 0 (missing a topology key)
};

}  // namespace skiff::scheduler
