// NodeInfo: one node as the scheduler sees it — the Node object, its allocatable
// resources, and the pods bound (or assumed bound) to it with what they request. Kept
// incrementally by the Cache; plugins read it.
//
// A NodeInfo may exist without a Node object (pods bound to a node the scheduler has not
// seen, or whose Node was deleted while pods remain); such entries are never offered as
// scheduling candidates. Not thread-safe: owned by the scheduling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/scheduler/label_index.h"
#include "controlplane/scheduler/pod_info.h"
#include "controlplane/scheduler/resources.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

class NodeInfo {
 public:
  NodeInfo(std::string name, int slot) : name_(std::move(name)), slot_(slot) {}

  const std::string& name() const { return name_; }
  // Dense index of this entry in the Cache (reused after the entry goes), for per-node
  // arrays.
  int slot() const { return slot_; }
  // nullptr when the scheduler has no Node object for this name.
  const api::Node* node() const { return node_.get(); }
  const std::shared_ptr<const api::Node>& node_ptr() const { return node_; }
  const LabelMap& labels() const { return node_ ? node_->metadata().labels() : EmptyLabels(); }
  // The labels for fast lookups (label_index.h).
  const LabelIndex& label_index() const { return label_index_; }
  // Label value or nullptr; the interned-key form is the fast one.
  const std::string* Label(const std::string* key) const { return label_index_.Get(key); }
  const std::string* Label(const std::string& key) const { return label_index_.Get(key); }

  // Digests of the Node object, kept next to the resource counters so that the per-node
  // filter loop reads one small object instead of chasing the Node message.
  bool unschedulable() const { return unschedulable_; }
  // Any taint with effect NoSchedule / NoExecute; any with PreferNoSchedule.
  bool has_hard_taints() const { return has_hard_taints_; }
  bool has_prefer_taints() const { return has_prefer_taints_; }

  const Resources& allocatable() const { return allocatable_; }
  // Sum of the requests of the pods on this node.
  const Resources& requested() const { return requested_; }
  // Same with kube-scheduler's defaults for containers without cpu / memory requests.
  int64_t non_zero_milli_cpu() const { return non_zero_milli_cpu_; }
  int64_t non_zero_memory() const { return non_zero_memory_; }

  const std::vector<PodInfoPtr>& pods() const { return pods_; }
  // Pods with pod affinity or anti-affinity of any kind, and those with required
  // anti-affinity terms.
  const std::vector<PodInfoPtr>& pods_with_affinity() const { return pods_with_affinity_; }
  const std::vector<PodInfoPtr>& pods_with_required_anti_affinity() const {
    return pods_with_required_anti_affinity_;
  }
  // Host ports in use (from every pod's hostPort > 0).
  const std::vector<HostPort>& used_ports() const { return used_ports_; }
  // True when (ip, protocol, port) clashes with a port in use; 0.0.0.0 clashes with any ip.
  bool PortConflicts(const HostPort& want) const;

  // Cache hints for the filter loop, which walks thousands of NodeInfos in a row: the
  // loop calls Prefetch a few nodes ahead (this object's fields the filters read) and
  // PrefetchLabels a little later (the label array it points to, once this object is in
  // the cache). No effect on results.
  void Prefetch() const {
    const char* p = reinterpret_cast<const char*>(this);
    for (size_t off = 0; off < sizeof(NodeInfo); off += 64)
      __builtin_prefetch(p + off);
  }
  void PrefetchLabels() const { label_index_.Prefetch(); }

  // Bumped on every change, so derived caches know when to refresh.
  uint64_t generation() const { return generation_; }

  // Replaces the Node object; `allocatable` is its parsed allocatable resources.
  void SetNode(std::shared_ptr<const api::Node> node, Resources allocatable);
  void ClearNode();
  void AddPod(PodInfoPtr pod);
  // False when no pod with that uid is on this node.
  bool RemovePod(const std::string& uid);

 private:
  void Account(const PodInfo& pod, int sign);

  std::string name_;
  int slot_;
  std::shared_ptr<const api::Node> node_;
  LabelIndex label_index_;
  bool unschedulable_ = false;
  bool has_hard_taints_ = false;
  bool has_prefer_taints_ = false;
  Resources allocatable_;
  Resources requested_;
  int64_t non_zero_milli_cpu_ = 0;
  int64_t non_zero_memory_ = 0;
  std::vector<PodInfoPtr> pods_;
  std::vector<PodInfoPtr> pods_with_affinity_;
  std::vector<PodInfoPtr> pods_with_required_anti_affinity_;
  std::vector<HostPort> used_ports_;
  uint64_t generation_ = 0;
};

}  // namespace skiff::scheduler
