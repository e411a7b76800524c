#include "controlplane/scheduler/cache.h"

#include <algorithm>

namespace skiff::scheduler {
namespace {

std::string ZoneKey(const NodeInfo& n) {
  const std::string* region = n.Label(kLabelRegion);
  const std::string* zone = n.Label(kLabelZone);
  if (!region && !zone) return "";
  std::string key = region ? *region : "";
  key += std::string(":\0:", 3);
  if (zone) key += *zone;
  return key;
}

template <typename Map>
auto FindPtr(const Map& m, const std::string& key) -> decltype(m.begin()->second.get()) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : it->second.get();
}

}  // namespace

NodeInfo& Cache::NodeEntry(const std::string& name) {
  auto& entry = nodes_[name];
  if (!entry) {
    int slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<int>(slots_.size());
      slots_.push_back(nullptr);
      for (auto& [key, e] : counts_)
        e.counts->resize(slots_.size(), 0);
    }
    entry = std::make_unique<NodeInfo>(name, slot);
    slots_[slot] = entry.get();
  }
  return *entry;
}

Status Cache::UpsertNode(std::shared_ptr<const api::Node> node) {
  const std::string& name = node->metadata().name();
  NodeInfo& info = NodeEntry(name);
  auto alloc = NodeAllocatable(*node);
  Status status = alloc.ok() ? Status::Ok() : alloc.status().WithContext("node " + name);
  bool is_new = info.node() == nullptr;
  std::string old_zone = is_new ? "" : ZoneKey(info);
  if (is_new || !SameLabels(info.labels(), node->metadata().labels())) topologies_.clear();
  info.SetNode(std::move(node), alloc.ok() ? std::move(*alloc) : Resources());
  if (is_new) node_order_.push_back(name);
  if (is_new || ZoneKey(info) != old_zone) node_list_dirty_ = true;
  affinity_lists_dirty_ = true;
  return status;
}

void Cache::RemoveNode(const std::string& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second->node()) return;
  it->second->ClearNode();
  topologies_.clear();
  node_order_.erase(std::find(node_order_.begin(), node_order_.end(), name));
  node_list_dirty_ = true;
  affinity_lists_dirty_ = true;
  DropIfEmpty(name);
}

void Cache::DropIfEmpty(const std::string& name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end() || it->second->node() || !it->second->pods().empty()) return;
  slots_[it->second->slot()] = nullptr;
  free_slots_.push_back(it->second->slot());
  nodes_.erase(it);
}

const Cache::Topology& Cache::TopologyOf(const std::string& key) {
  auto it = topologies_.find(key);
  if (it != topologies_.end()) return it->second;
  Topology& t = topologies_[key];
  t.domain_of_slot.assign(slots_.size(), -1);
  std::unordered_map<std::string, int32_t> ids;
  for (NodeInfo* n : Nodes()) {
    const std::string* v = n->Label(key);
    if (!v) continue;
    auto [id, added] = ids.emplace(*v, static_cast<int32_t>(t.values.size()));
    if (added) t.values.push_back(*v);
    t.domain_of_slot[n->slot()] = id->second;
  }
  return t;
}

std::shared_ptr<const Cache::PodCounts> Cache::CountMatchingPods(const std::string& ns,
                                                                 const api::Selector& selector,
                                                                 bool include_terminating) {
  std::string key = ns;
  key += '\0';
  key += selector.matches_nothing() ? "\x01" : selector.ToString();
  key += include_terminating ? "\0t" : "\0f";
  auto it = counts_.find(key);
  if (it != counts_.end()) {
    it->second.last_used = ++counts_clock_;
    return it->second.counts;
  }
  if (counts_.size() >= kMaxCountEntries) {
    auto oldest = counts_.begin();
    for (auto e = counts_.begin(); e != counts_.end(); ++e) {
      if (e->second.last_used < oldest->second.last_used) oldest = e;
    }
    counts_.erase(oldest);
  }
  CountsEntry e{ns, selector, include_terminating, std::make_shared<PodCounts>(slots_.size(), 0),
                ++counts_clock_};
  for (const auto& [uid, pod] : pods_) {
    const PodInfo& p = *pod.info;
    if (p.ns() != ns || (!include_terminating && p.terminating())) continue;
    if (!selector.Matches(p.labels())) continue;
    if (const NodeInfo* n = GetNode(pod.node)) (*e.counts)[n->slot()]++;
  }
  auto counts = e.counts;
  counts_.emplace(std::move(key), std::move(e));
  return counts;
}

void Cache::CountPod(const CachedPod& pod, int delta) {
  const PodInfo& p = *pod.info;
  const NodeInfo* n = GetNode(pod.node);
  if (!n) return;
  for (auto& [key, e] : counts_) {
    if (e.ns != p.ns() || (!e.include_terminating && p.terminating())) continue;
    if (e.selector.Matches(p.labels())) (*e.counts)[n->slot()] += delta;
  }
}

void Cache::RebuildNodeList() {
  // Round-robin over zones (in order of first appearance), nodes in arrival order.
  std::vector<std::string> zone_order;
  std::unordered_map<std::string, std::vector<NodeInfo*>> by_zone;
  for (const std::string& name : node_order_) {
    NodeInfo* n = nodes_.at(name).get();
    std::string zone = ZoneKey(*n);
    auto& list = by_zone[zone];
    if (list.empty()) zone_order.push_back(zone);
    list.push_back(n);
  }
  node_list_.clear();
  node_list_.reserve(node_order_.size());
  for (size_t i = 0; node_list_.size() < node_order_.size(); ++i) {
    for (const std::string& zone : zone_order) {
      const auto& list = by_zone[zone];
      if (i < list.size()) node_list_.push_back(list[i]);
    }
  }
  node_list_dirty_ = false;
}

const std::vector<NodeInfo*>& Cache::Nodes() {
  if (node_list_dirty_) RebuildNodeList();
  return node_list_;
}

size_t Cache::NumNodes() {
  return Nodes().size();
}

NodeInfo* Cache::GetNode(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

const NodeInfo* Cache::GetNode(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

void Cache::RebuildAffinityLists() {
  with_affinity_.clear();
  with_required_anti_affinity_.clear();
  for (NodeInfo* n : Nodes()) {
    if (!n->pods_with_affinity().empty()) with_affinity_.push_back(n);
    if (!n->pods_with_required_anti_affinity().empty()) with_required_anti_affinity_.push_back(n);
  }
  affinity_lists_dirty_ = false;
}

const std::vector<NodeInfo*>& Cache::NodesWithPodAffinity() {
  if (affinity_lists_dirty_ || node_list_dirty_) RebuildAffinityLists();
  return with_affinity_;
}

const std::vector<NodeInfo*>& Cache::NodesWithRequiredAntiAffinity() {
  if (affinity_lists_dirty_ || node_list_dirty_) RebuildAffinityLists();
  return with_required_anti_affinity_;
}

void Cache::Unplace(const CachedPod& pod) {
  CountPod(pod, -1);
  if (NodeInfo* n = GetNode(pod.node)) {
    n->RemovePod(pod.info->uid());
    if (pod.info->has_pod_affinity) affinity_lists_dirty_ = true;
    DropIfEmpty(pod.node);
  }
}

void Cache::Place(const std::string& uid, CachedPod pod) {
  auto it = pods_.find(uid);
  if (it != pods_.end()) {
    Unplace(it->second);
    pods_.erase(it);
  }
  NodeEntry(pod.node).AddPod(pod.info);
  if (pod.info->has_pod_affinity) affinity_lists_dirty_ = true;
  CountPod(pod, +1);
  pods_.emplace(uid, std::move(pod));
}

void Cache::AddPod(PodInfoPtr pod, const std::string& node) {
  std::string uid = pod->uid();
  Place(uid, CachedPod{std::move(pod), node, false});
}

void Cache::AssumePod(PodInfoPtr pod, const std::string& node) {
  std::string uid = pod->uid();
  Place(uid, CachedPod{std::move(pod), node, true});
}

void Cache::RemovePod(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) return;
  Unplace(it->second);
  pods_.erase(it);
}

bool Cache::ForgetPod(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || !it->second.assumed) return false;
  Unplace(it->second);
  pods_.erase(it);
  return true;
}

bool Cache::ConfirmAssumed(const std::string& uid, const std::string& node,
                           const LabelMap& labels) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || !it->second.assumed || it->second.node != node ||
      !SameLabels(it->second.info->labels(), labels)) {
    return false;
  }
  it->second.assumed = false;
  return true;
}

bool Cache::IsAssumed(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it != pods_.end() && it->second.assumed;
}

const std::string* Cache::NodeOfPod(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second.node;
}

void Cache::UpsertNamespace(std::shared_ptr<const api::Namespace> ns) {
  std::string name = ns->metadata().name();
  namespaces_[name] = std::move(ns);
}

void Cache::RemoveNamespace(const std::string& name) {
  namespaces_.erase(name);
}

const LabelMap& Cache::NamespaceLabels(const std::string& name) const {
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? EmptyLabels() : it->second->metadata().labels();
}

std::vector<std::string> Cache::NamespacesMatching(const api::Selector& selector) const {
  std::vector<std::string> out;
  for (const auto& [name, ns] : namespaces_) {
    if (selector.Matches(ns->metadata().labels())) out.push_back(name);
  }
  return out;
}

void Cache::UpsertService(std::shared_ptr<const api::Service> s) {
  std::string key = s->metadata().namespace_() + "/" + s->metadata().name();
  services_[key] = std::move(s);
}

void Cache::RemoveService(const std::string& ns, const std::string& name) {
  services_.erase(ns + "/" + name);
}

void Cache::UpsertReplicaSet(std::shared_ptr<const api::ReplicaSet> rs) {
  std::string key = rs->metadata().namespace_() + "/" + rs->metadata().name();
  replica_sets_[key] = std::move(rs);
}

void Cache::RemoveReplicaSet(const std::string& ns, const std::string& name) {
  replica_sets_.erase(ns + "/" + name);
}

void Cache::UpsertStatefulSet(std::shared_ptr<const api::StatefulSet> ss) {
  std::string key = ss->metadata().namespace_() + "/" + ss->metadata().name();
  stateful_sets_[key] = std::move(ss);
}

void Cache::RemoveStatefulSet(const std::string& ns, const std::string& name) {
  stateful_sets_.erase(ns + "/" + name);
}

std::vector<const api::Service*> Cache::ServicesIn(const std::string& ns) const {
  std::vector<const api::Service*> out;
  std::string prefix = ns + "/";
  for (auto it = services_.lower_bound(prefix);
       it != services_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second.get());
  }
  return out;
}

const api::ReplicaSet* Cache::GetReplicaSet(const std::string& ns, const std::string& name) const {
  return FindPtr(replica_sets_, ns + "/" + name);
}

const api::StatefulSet* Cache::GetStatefulSet(const std::string& ns,
                                              const std::string& name) const {
  return FindPtr(stateful_sets_, ns + "/" + name);
}

}  // namespace skiff::scheduler
