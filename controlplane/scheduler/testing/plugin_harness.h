// Runs one filter or score plugin the way the Algorithm does, for table-driven tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/framework.h"

namespace skiff::scheduler::testing {

struct FilterRun {
  Code prefilter = Code::kSuccess;
  std::string prefilter_message;
  Code code = Code::kSuccess;  // kSuccess when PreFilter skipped the plugin
  std::vector<std::string> reasons;
};

// PreFilter, then Filter on `node` (unless PreFilter skipped or rejected).
inline FilterRun RunFilter(FilterPlugin& plugin, const PodInfo& pod, Cache& cache,
                           const std::string& node) {
  FilterRun out;
  PreFilterResult pre = plugin.PreFilter(pod, cache);
  out.prefilter = pre.code;
  out.prefilter_message = pre.message;
  if (pre.code != Code::kSuccess) return out;
  NodeStatus status;
  plugin.Filter(pod, *cache.GetNode(node), &status);
  out.code = status.code();
  for (size_t i = 0; i < status.num_reasons(); ++i)
    out.reasons.emplace_back(status.reason(i));
  return out;
}

// PreScore over `nodes` (all cached candidates when empty), Score, NormalizeScore; node ->
// normalized score. Empty when PreScore skipped.
inline std::map<std::string, int64_t> RunScore(ScorePlugin& plugin, const PodInfo& pod,
                                               Cache& cache, std::vector<std::string> nodes = {}) {
  std::vector<NodeInfo*> feasible;
  if (nodes.empty()) {
    feasible = cache.Nodes();
  } else {
    for (const std::string& n : nodes)
      feasible.push_back(cache.GetNode(n));
  }
  std::map<std::string, int64_t> out;
  if (plugin.PreScore(pod, feasible, cache) != Code::kSuccess) return out;
  std::vector<NodeScore> scores;
  for (NodeInfo* n : feasible)
    scores.push_back({n, plugin.Score(pod, *n)});
  plugin.NormalizeScore(pod, scores);
  for (const NodeScore& s : scores)
    out[s.node->name()] = s.score;
  return out;
}

}  // namespace skiff::scheduler::testing
