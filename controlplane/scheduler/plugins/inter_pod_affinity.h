// InterPodAffinity.
// Filter: (1) every required podAffinity term must find a matching pod in the node's
// topology domain (the node must carry each term's topology key) — except that the first
// pod of a group whose terms match itself may go anywhere no matching pod exists yet;
// (2) no required podAntiAffinity term may find a matching pod in the node's domain;
// (3) no pod already placed may have a required anti-affinity term that matches this pod
// within its own domain.
// Score (weight 2): + weight for each matching pod of a preferred affinity term in the
// node's domains, - weight for preferred anti-affinity, and the symmetric terms of pods
// already placed (their preferred terms, and their required affinity terms with weight 1)
// that match this pod; normalized to 0..100 between the lowest and highest score.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler {

inline constexpr std::string_view kReasonAffinityNotMatch =
    "node(s) didn't match pod affinity rules";
inline constexpr std::string_view kReasonAntiAffinityNotMatch =
    "node(s) didn't match pod anti-affinity rules";
inline constexpr std::string_view kReasonExistingAntiAffinityNotMatch =
    "node(s) didn't satisfy existing pods anti-affinity rules";

class InterPodAffinity : public FilterPlugin, public ScorePlugin {
 public:
  explicit InterPodAffinity(int64_t weight = 2, int64_t hard_pod_affinity_weight = 1)
      : ScorePlugin(weight), hard_weight_(hard_pod_affinity_weight) {}
  PluginId id() const override { return PluginId::kInterPodAffinity; }

  PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) override;
  void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const override;

  Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const PodInfo& pod, std::span<NodeScore> scores) const override;

 private:
  // interned topology key -> value -> count (or score)
  using TopologyCounts =
      std::unordered_map<const std::string*, std::unordered_map<std::string, int64_t>>;
  static int64_t Lookup(const TopologyCounts& counts, const std::string* key,
                        const std::string& value);
  // The incoming pod's terms with their namespaceSelector resolved to namespace names.
  static std::vector<AffinityTerm> Resolve(const std::vector<AffinityTerm>& terms,
                                           const Cache& cache);
  // Adds `sign * weight` per pod matching `term` to the domain of the pod's node.
  static void AddMatching(const AffinityTerm& term, int64_t weight, Cache& cache,
                          TopologyCounts* out);

  int64_t hard_weight_;
  std::vector<AffinityTerm> affinity_, anti_affinity_;
  TopologyCounts affinity_counts_, anti_affinity_counts_, existing_anti_counts_;
  bool matches_own_terms_ = false;
  TopologyCounts scores_;
};

}  // namespace skiff::scheduler
