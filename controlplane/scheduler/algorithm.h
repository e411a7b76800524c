// Algorithm: one scheduling cycle for one pod against the Cache, as kube-scheduler's
// schedulePod does it.
//  1. PreFilter every filter plugin (a rejection fails the pod for all nodes; node-name
//     affinity may narrow the candidates).
//  2. Filter nodes, starting where the previous cycle stopped (round robin) and stopping
//     once enough feasible nodes are found: percentageOfNodesToScore of the cluster —
//     adaptive by default, 50% minus 1% per 125 nodes, at least 5%, at least 100 nodes.
//     Plugins run in kube-scheduler's order and the first to reject a node decides why.
//  3. No feasible node: the outcome says why, per reason and node count (fit_error.h), and
//     which plugins rejected nodes (for requeueing on relevant cluster events).
//  4. One feasible node: take it. Several: PreScore/Score/NormalizeScore every score
//     plugin, sum scores times weights, pick the highest (ties broken at random).
//
// Default plugins and weights (kube-scheduler's): filters NodeUnschedulable, NodeName,
// TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread,
// InterPodAffinity; scores TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1,
// PodTopologySpread 2, InterPodAffinity 2, NodeResourcesBalancedAllocation 1.
//
// Not thread-safe: one Algorithm per scheduling thread (plugins hold per-cycle state).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/framework.h"
#include "controlplane/scheduler/pod_info.h"

namespace skiff::scheduler {

struct AlgorithmOptions {
  // 0: adaptive (see above); 1..100: that percentage of the nodes.
  int32_t percentage_of_nodes_to_score = 0;
  // Seed for breaking score ties; 0 picks a random seed.
  uint64_t seed = 0;
};

struct ScheduleOutcome {
  enum class Kind { kScheduled, kUnschedulable, kError };
  Kind kind = Kind::kError;
  std::string node;            // kScheduled
  std::string message;         // kUnschedulable: the FitError message; kError: what went wrong
  PluginMask rejected_by = 0;  // plugins that rejected at least one node
  size_t evaluated_nodes = 0;
  size_t feasible_nodes = 0;
};

class Algorithm {
 public:
  explicit Algorithm(AlgorithmOptions options = {});
  ~Algorithm();

  ScheduleOutcome Schedule(const PodInfo& pod, Cache& cache);

  // How many feasible nodes to look for in a cluster of `num_nodes`.
  static size_t NumFeasibleNodesToFind(int32_t percentage, size_t num_nodes);

 private:
  std::string SelectHost(const PodInfo& pod, Cache& cache);

  AlgorithmOptions options_;
  std::vector<std::unique_ptr<Plugin>> plugins_;
  std::vector<FilterPlugin*> filters_;
  std::vector<ScorePlugin*> scorers_;
  size_t next_start_ = 0;
  std::mt19937_64 rng_;
  // Reused between cycles to avoid allocation.
  std::vector<FilterPlugin*> active_filters_;
  std::vector<NodeInfo*> candidates_;
  std::vector<NodeInfo*> feasible_;
  std::vector<NodeStatus> statuses_;  // parallel to the evaluated nodes
  std::vector<NodeScore> scores_;
  std::vector<int64_t> totals_;
};

}  // namespace skiff::scheduler
