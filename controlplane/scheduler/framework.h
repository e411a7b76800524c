// The scheduling framework's extension points, after kube-scheduler's: for each pod,
// PreFilter (once), Filter (per node: can the pod run there?), PreScore (once, with the
// feasible nodes), Score (per feasible node) and NormalizeScore (scores to 0..100); the
// weighted sum of normalized scores picks the node.
//
// Plugins keep the state of the current scheduling cycle in their own members (PreFilter /
// PreScore reset it). The scheduling thread runs one cycle at a time, so a plugin instance
// must not be shared by concurrent cycles; build one set of plugins per scheduling thread.
//
// Filter failures carry reasons in kube-scheduler's words ("Insufficient cpu",
// "node(s) didn't match Pod's node affinity/selector", ...). Reasons are string_views to
// strings that live at least as long as the plugin (constants or the plugin's interned
// strings), so failing nodes cost no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"

namespace skiff::scheduler {

inline constexpr int64_t kMaxNodeScore = 100;

// Stable plugin identities, used as bits in "which plugins rejected this pod" masks that
// decide which cluster events may make a waiting pod schedulable.
enum class PluginId : uint8_t {
  kNodeUnschedulable,
  kNodeName,
  kTaintToleration,
  kNodeAffinity,
  kNodePorts,
  kNodeResourcesFit,
  kPodTopologySpread,
  kInterPodAffinity,
  kNodeResourcesBalancedAllocation,
  kCount,
};
using PluginMask = uint32_t;
inline constexpr PluginMask Bit(PluginId id) {
  return PluginMask{1} << static_cast<unsigned>(id);
}
inline constexpr PluginMask kAllPlugins =
    (PluginMask{1} << static_cast<unsigned>(PluginId::kCount)) - 1;
std::string_view PluginName(PluginId id);

enum class Code : uint8_t {
  kSuccess,
  // Rejected; another cluster state could change that (e.g. freed resources).
  kUnschedulable,
  // Rejected for reasons that moving pods around cannot fix (taints, selectors, ...).
  kUnschedulableAndUnresolvable,
  // Internal error.
  kError,
  // PreFilter / PreScore: this plugin has nothing to do for this pod.
  kSkip,
};

// The outcome of a plugin for one node (or of a PreFilter for all nodes).
class NodeStatus {
 public:
  static constexpr size_t kInlineReasons = 6;

  Code code() const { return code_; }
  bool ok() const { return code_ == Code::kSuccess; }
  PluginId plugin() const { return plugin_; }
  size_t num_reasons() const { return n_; }
  std::string_view reason(size_t i) const {
    return i < kInlineReasons ? inline_[i] : extra_[i - kInlineReasons];
  }

  void Reset() {
    code_ = Code::kSuccess;
    n_ = 0;
    extra_.clear();
  }
  // Marks the status failed by `plugin` with `code` and adds a reason (see the file comment
  // for the lifetime of `reason`).
  void Fail(PluginId plugin, Code code, std::string_view reason);

 private:
  Code code_ = Code::kSuccess;
  PluginId plugin_ = PluginId::kCount;
  uint32_t n_ = 0;
  std::array<std::string_view, kInlineReasons> inline_;
  std::vector<std::string_view> extra_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual PluginId id() const = 0;
  std::string_view name() const { return PluginName(id()); }
};

// The result of a PreFilter: kSuccess, kSkip (do not call Filter for this pod), or a
// rejection for every node (with its reason in `status`).
struct PreFilterResult {
  Code code = Code::kSuccess;
  std::string message;  // rejection or error message
  // When set, only these nodes can pass (from node-name affinity); others are rejected
  // with "node(s) didn't satisfy plugin(s) [<plugin>]".
  bool restricts_nodes = false;
  std::vector<std::string> node_names;
};

class FilterPlugin : public virtual Plugin {
 public:
  virtual PreFilterResult PreFilter(const PodInfo& pod, Cache& cache) = 0;
  // Sets `status` to a failure when `pod` cannot run on `node`; leaves it OK otherwise.
  virtual void Filter(const PodInfo& pod, const NodeInfo& node, NodeStatus* status) const = 0;
};

struct NodeScore {
  const NodeInfo* node;
  int64_t score;
};

class ScorePlugin : public virtual Plugin {
 public:
  explicit ScorePlugin(int64_t weight) : weight_(weight) {}
  int64_t weight() const { return weight_; }

  // kSuccess or kSkip (the plugin does not score this pod; it adds nothing).
  virtual Code PreScore(const PodInfo& pod, std::span<NodeInfo* const> feasible, Cache& cache) = 0;
  virtual int64_t Score(const PodInfo& pod, const NodeInfo& node) const = 0;
  // Maps raw scores onto 0..kMaxNodeScore; the default keeps them.
  virtual void NormalizeScore(const PodInfo& pod, std::span<NodeScore> scores) const {}

 private:
  int64_t weight_;
};

// kube-scheduler's DefaultNormalizeScore: scales to 0..max_priority by the largest score
// (all max_priority, or all zero, when every score is zero), reversed when `reverse`.
void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::span<NodeScore> scores);

// Interned reason strings with a lifetime of the pool (for reasons formatted at run time,
// like a taint's key and value).
class ReasonPool {
 public:
  std::string_view Intern(std::string s) { return *strings_.insert(std::move(s)).first; }

 private:
  std::unordered_set<std::string> strings_;
};

}  // namespace skiff::scheduler
