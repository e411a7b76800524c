#include "controlplane/scheduler/node_info.h"

#include <algorithm>

namespace skiff::scheduler {
namespace {

bool EraseByUid(std::vector<PodInfoPtr>* pods, const std::string& uid) {
  auto it = std::find_if(pods->begin(), pods->end(),
                         [&](const PodInfoPtr& p) { return p->uid() == uid; });
  if (it == pods->end()) return false;
  // Order does not matter to any plugin: swap with the last for O(1) removal.
  std::swap(*it, pods->back());
  pods->pop_back();
  return true;
}

}  // namespace

bool NodeInfo::PortConflicts(const HostPort& want) const {
  if (want.port <= 0) return false;
  for (const HostPort& used : used_ports_) {
    if (used.port != want.port || used.protocol != want.protocol) continue;
    if (want.ip == "0.0.0.0" || used.ip == "0.0.0.0" || used.ip == want.ip) return true;
  }
  return false;
}

void NodeInfo::SetNode(std::shared_ptr<const api::Node> node, Resources allocatable) {
  node_ = std::move(node);
  label_index_ = LabelIndex(node_->metadata().labels());
  unschedulable_ = node_->spec().unschedulable();
  has_hard_taints_ = has_prefer_taints_ = false;
  for (const api::Taint& t : node_->spec().taints()) {
    if (t.effect() == "PreferNoSchedule") {
      has_prefer_taints_ = true;
    } else if (t.effect() == "NoSchedule" || t.effect() == "NoExecute") {
      has_hard_taints_ = true;
    }
  }
  allocatable_ = std::move(allocatable);
  ++generation_;
}

void NodeInfo::ClearNode() {
  node_.reset();
  label_index_ = LabelIndex();
  unschedulable_ = has_hard_taints_ = has_prefer_taints_ = false;
  allocatable_ = Resources();
  ++generation_;
}

void NodeInfo::Account(const PodInfo& pod, int sign) {
  const PodRequests& r = pod.resources;
  if (sign > 0) {
    requested_.Add(r.requests);
  } else {
    requested_.Sub(r.requests);
  }
  non_zero_milli_cpu_ += sign * r.non_zero_milli_cpu;
  non_zero_memory_ += sign * r.non_zero_memory;
}

void NodeInfo::AddPod(PodInfoPtr pod) {
  Account(*pod, +1);
  if (pod->has_pod_affinity) pods_with_affinity_.push_back(pod);
  if (!pod->required_anti_affinity.empty()) pods_with_required_anti_affinity_.push_back(pod);
  used_ports_.insert(used_ports_.end(), pod->host_ports.begin(), pod->host_ports.end());
  pods_.push_back(std::move(pod));
  ++generation_;
}

bool NodeInfo::RemovePod(const std::string& uid) {
  auto it = std::find_if(pods_.begin(), pods_.end(),
                         [&](const PodInfoPtr& p) { return p->uid() == uid; });
  if (it == pods_.end()) return false;
  PodInfoPtr pod = *it;
  EraseByUid(&pods_, uid);
  EraseByUid(&pods_with_affinity_, uid);
  EraseByUid(&pods_with_required_anti_affinity_, uid);
  for (const HostPort& hp : pod->host_ports) {
    auto used = std::find_if(used_ports_.begin(), used_ports_.end(), [&](const HostPort& u) {
      return u.port == hp.port && u.protocol == hp.protocol && u.ip == hp.ip;
    });
    if (used != used_ports_.end()) used_ports_.erase(used);
  }
  Account(*pod, -1);
  ++generation_;
  return true;
}

}  // namespace skiff::scheduler
