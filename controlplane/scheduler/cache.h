// Cache: the scheduler's picture of the cluster — every node with the pods bound to it and
// what they request, plus the namespaces, Services, ReplicaSets and StatefulSets some
// plugins consult. Pods the scheduler has just placed are "assumed": counted on their node
// at once, before the binding is written and the watch confirms it, so the next pod sees
// the node's resources already taken. A confirmation replaces the assumed entry; a failed
// binding forgets it.
//
// The candidate list (Nodes()) holds nodes with a Node object, interleaved across zones
// (topology.kubernetes.io/region + zone) like kube-scheduler's node tree, so that a search
// that stops early still sees every zone.
//
// Not thread-safe: the scheduling thread owns the cache; informer threads hand it events.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/labels.h"
#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

inline constexpr const char* kLabelHostname = "kubernetes.io/hostname";
inline constexpr const char* kLabelZone = "topology.kubernetes.io/zone";
inline constexpr const char* kLabelRegion = "topology.kubernetes.io/region";

class Cache {
 public:
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // --- nodes -------------------------------------------------------------------------
  // Adds or replaces a Node. An allocatable quantity that does not parse counts as zero
  // (the API server's validation keeps such nodes out); the error is returned for logging.
  Status UpsertNode(std::shared_ptr<const api::Node> node);
  void RemoveNode(const std::string& name);

  // Scheduling candidates: nodes with a Node object, zone-interleaved (see above).
  const std::vector<NodeInfo*>& Nodes();
  size_t NumNodes();
  // Any node entry by name (also those without a Node object); nullptr if unknown.
  NodeInfo* GetNode(const std::string& name);
  const NodeInfo* GetNode(const std::string& name) const;
  // Candidates hosting at least one pod with pod (anti-)affinity / required anti-affinity.
  const std::vector<NodeInfo*>& NodesWithPodAffinity();
  const std::vector<NodeInfo*>& NodesWithRequiredAntiAffinity();

  // --- indexes for topology-aware plugins -------------------------------------------
  // Size of per-slot arrays: every NodeInfo::slot() is below it.
  size_t NumSlots() const { return slots_.size(); }

  // The domains of a topology key: each candidate node's value of that label as a dense
  // id. Valid until the next node change.
  struct Topology {
    std::vector<int32_t> domain_of_slot;  // -1: not a candidate, or the label is missing
    std::vector<std::string> values;      // domain id -> label value
  };
  const Topology& TopologyOf(const std::string& key);

  // Per-slot counts of the pods in namespace `ns` whose labels `selector` matches
  // (terminating pods only when `include_terminating`). Kept up to date incrementally as
  // pods come and go, so plugins that count matching pods per node or domain (topology
  // spread, inter-pod affinity) do not rescan every pod for every pod they schedule. A
  // bounded number of (namespace, selector) entries is remembered, least recently used
  // evicted; the returned counts stay valid (and current) while held.
  using PodCounts = std::vector<int32_t>;
  std::shared_ptr<const PodCounts> CountMatchingPods(const std::string& ns,
                                                     const api::Selector& selector,
                                                     bool include_terminating);

  // --- pods bound to nodes -----------------------------------------------------------
  // A pod bound to `node` as the API server reports it; replaces an assumed or older entry
  // of the same uid (moving it when the node differs).
  void AddPod(PodInfoPtr pod, const std::string& node);
  void RemovePod(const std::string& uid);
  // Counts `pod` on `node` before its binding is confirmed.
  void AssumePod(PodInfoPtr pod, const std::string& node);
  // Drops an assumed pod (its binding failed). False, and no change, when the pod is not
  // assumed any more (the watch confirmed it meanwhile) or unknown.
  bool ForgetPod(const std::string& uid);
  // The watch reports an assumed pod bound where it was assumed, with the labels it had:
  // the assumption becomes a confirmed placement without re-parsing the pod. False (no
  // change) otherwise; the caller then adds the pod as reported.
  bool ConfirmAssumed(const std::string& uid, const std::string& node, const LabelMap& labels);
  bool IsAssumed(const std::string& uid) const;
  // Node of a cached pod, or nullptr.
  const std::string* NodeOfPod(const std::string& uid) const;
  size_t NumPods() const { return pods_.size(); }

  // --- objects plugins consult ------------------------------------------------------
  void UpsertNamespace(std::shared_ptr<const api::Namespace> ns);
  void RemoveNamespace(const std::string& name);
  // Labels of a namespace; empty when unknown.
  const LabelMap& NamespaceLabels(const std::string& name) const;
  // Names of the known namespaces whose labels `selector` matches.
  std::vector<std::string> NamespacesMatching(const api::Selector& selector) const;

  void UpsertService(std::shared_ptr<const api::Service> s);
  void RemoveService(const std::string& ns, const std::string& name);
  void UpsertReplicaSet(std::shared_ptr<const api::ReplicaSet> rs);
  void RemoveReplicaSet(const std::string& ns, const std::string& name);
  void UpsertStatefulSet(std::shared_ptr<const api::StatefulSet> ss);
  void RemoveStatefulSet(const std::string& ns, const std::string& name);
  // Services of a namespace (nullptr entries never appear).
  std::vector<const api::Service*> ServicesIn(const std::string& ns) const;
  const api::ReplicaSet* GetReplicaSet(const std::string& ns, const std::string& name) const;
  const api::StatefulSet* GetStatefulSet(const std::string& ns, const std::string& name) const;

 private:
  struct CachedPod {
    PodInfoPtr info;
    std::string node;
    bool assumed = false;
  };
  NodeInfo& NodeEntry(const std::string& name);
  void Place(const std::string& uid, CachedPod pod);
  void Unplace(const CachedPod& pod);
  void DropIfEmpty(const std::string& name);
  void RebuildNodeList();
  void RebuildAffinityLists();
  void CountPod(const CachedPod& pod, int delta);

  struct CountsEntry {
    std::string ns;
    api::Selector selector;
    bool include_terminating = false;
    std::shared_ptr<PodCounts> counts;
    uint64_t last_used = 0;
  };
  static constexpr size_t kMaxCountEntries = 256;

  std::unordered_map<std::string, std::unique_ptr<NodeInfo>> nodes_;
  std::vector<NodeInfo*> slots_;  // by slot; nullptr when free
  std::vector<int> free_slots_;
  std::unordered_map<std::string, Topology> topologies_;  // by key; cleared on node changes
  std::unordered_map<std::string, CountsEntry> counts_;
  uint64_t counts_clock_ = 0;
  std::vector<std::string> node_order_;  // names with a Node object, in arrival order
  std::vector<NodeInfo*> node_list_;
  bool node_list_dirty_ = true;
  std::vector<NodeInfo*> with_affinity_, with_required_anti_affinity_;
  bool affinity_lists_dirty_ = true;
  std::unordered_map<std::string, CachedPod> pods_;  // by uid

  std::map<std::string, std::shared_ptr<const api::Namespace>> namespaces_;
  std::map<std::string, std::shared_ptr<const api::Service>> services_;  // "ns/name"
  std::map<std::string, std::shared_ptr<const api::ReplicaSet>> replica_sets_;
  std::map<std::string, std::shared_ptr<const api::StatefulSet>> stateful_sets_;
};

}  // namespace skiff::scheduler
