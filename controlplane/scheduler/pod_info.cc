#include "controlplane/scheduler/pod_info.h"

#include <algorithm>

namespace skiff::scheduler {
namespace {

using google::protobuf::RepeatedPtrField;

std::string Indexed(const std::string& path, int i) {
  return path + "[" + std::to_string(i) + "]";
}

// kube-scheduler's AffinityTerm from a PodAffinityTerm of `pod`.
Result<AffinityTerm> CompileTerm(const api::Pod& pod, const api::PodAffinityTerm& term,
                                 int32_t weight, const std::string& path) {
  AffinityTerm out;
  out.topology_key = term.topology_key();
  out.topology_key_id = InternLabelKey(out.topology_key);
  out.weight = weight;
  if (term.has_label_selector()) {
    auto sel = CompileSelector(term.label_selector(), term.match_label_keys(),
                               term.mismatch_label_keys(), pod.metadata().labels());
    if (!sel.ok()) return sel.status().WithContext(path + ".labelSelector");
    out.selector = std::move(*sel);
  }
  out.namespaces.assign(term.namespaces().begin(), term.namespaces().end());
  if (term.has_namespace_selector()) {
    auto ns = api::Selector::FromLabelSelector(term.namespace_selector());
    if (!ns.ok()) return ns.status().WithContext(path + ".namespaceSelector");
    out.namespace_selector = std::move(*ns);
  } else if (out.namespaces.empty()) {
    out.namespaces.push_back(pod.metadata().namespace_());
  }
  std::sort(out.namespaces.begin(), out.namespaces.end());
  out.namespaces.erase(std::unique(out.namespaces.begin(), out.namespaces.end()),
                       out.namespaces.end());
  return out;
}

Status CompileRequired(const api::Pod& pod, const RepeatedPtrField<api::PodAffinityTerm>& terms,
                       const std::string& path, std::vector<AffinityTerm>* out) {
  for (int i = 0; i < terms.size(); ++i) {
    auto t = CompileTerm(pod, terms[i], 0, Indexed(path, i));
    if (!t.ok()) return t.status();
    out->push_back(std::move(*t));
  }
  return Status::Ok();
}

Status CompilePreferred(const api::Pod& pod,
                        const RepeatedPtrField<api::WeightedPodAffinityTerm>& terms,
                        const std::string& path, std::vector<AffinityTerm>* out) {
  for (int i = 0; i < terms.size(); ++i) {
    if (terms[i].weight() == 0) continue;
    auto t = CompileTerm(pod, terms[i].pod_affinity_term(), terms[i].weight(),
                         Indexed(path, i) + ".podAffinityTerm");
    if (!t.ok()) return t.status();
    out->push_back(std::move(*t));
  }
  return Status::Ok();
}

template <typename ContainerT>
void AddHostPorts(const ContainerT& c, std::vector<HostPort>* out) {
  for (const api::ContainerPort& p : c.ports()) {
    if (p.host_port() <= 0) continue;
    out->push_back({p.host_ip().empty() ? "0.0.0.0" : p.host_ip(),
                    p.protocol().empty() ? "TCP" : p.protocol(), p.host_port()});
  }
}

}  // namespace

const LabelMap& EmptyLabels() {
  static const LabelMap* empty = new LabelMap();
  return *empty;
}

bool AffinityTerm::Matches(const api::Pod& pod, const LabelMap& ns_labels) const {
  const std::string& ns = pod.metadata().namespace_();
  bool ns_ok = std::binary_search(namespaces.begin(), namespaces.end(), ns) ||
               (namespace_selector && namespace_selector->Matches(ns_labels));
  return ns_ok && selector.Matches(pod.metadata().labels());
}

Result<api::Selector> CompileSelector(const api::LabelSelector& selector,
                                      const RepeatedPtrField<std::string>& match_keys,
                                      const RepeatedPtrField<std::string>& mismatch_keys,
                                      const LabelMap& pod_labels) {
  if (match_keys.empty() && mismatch_keys.empty()) {
    return api::Selector::FromLabelSelector(selector);
  }
  api::LabelSelector merged = selector;
  auto add = [&](const RepeatedPtrField<std::string>& keys, const char* op) {
    for (const std::string& key : keys) {
      auto it = pod_labels.find(key);
      if (it == pod_labels.end()) continue;
      api::LabelSelectorRequirement* r = merged.add_match_expressions();
      r->set_key(key);
      r->set_operator_(op);
      r->add_values(it->second);
    }
  };
  add(match_keys, "In");
  add(mismatch_keys, "NotIn");
  return api::Selector::FromLabelSelector(merged);
}

Result<PodInfoPtr> NewPodInfo(std::shared_ptr<const api::Pod> pod) {
  auto info = std::make_shared<PodInfo>();
  const api::Pod& p = *pod;
  info->key = p.metadata().namespace_() + "/" + p.metadata().name();
  auto resources = ComputePodRequests(p);
  if (!resources.ok()) return resources.status();
  info->resources = std::move(*resources);
  info->required_node_affinity = RequiredNodeAffinity::FromPod(p);
  info->preferred_node_affinity = PreferredNodeTerms(p);

  const api::Affinity& a = p.spec().affinity();
  info->has_pod_affinity = a.has_pod_affinity() || a.has_pod_anti_affinity();
  const std::string pa = "spec.affinity.podAffinity.";
  const std::string paa = "spec.affinity.podAntiAffinity.";
  SKIFF_RETURN_IF_ERROR(CompileRequired(
      p, a.pod_affinity().required_during_scheduling_ignored_during_execution(),
      pa + "requiredDuringSchedulingIgnoredDuringExecution", &info->required_affinity));
  SKIFF_RETURN_IF_ERROR(CompileRequired(
      p, a.pod_anti_affinity().required_during_scheduling_ignored_during_execution(),
      paa + "requiredDuringSchedulingIgnoredDuringExecution", &info->required_anti_affinity));
  SKIFF_RETURN_IF_ERROR(CompilePreferred(
      p, a.pod_affinity().preferred_during_scheduling_ignored_during_execution(),
      pa + "preferredDuringSchedulingIgnoredDuringExecution", &info->preferred_affinity));
  SKIFF_RETURN_IF_ERROR(CompilePreferred(
      p, a.pod_anti_affinity().preferred_during_scheduling_ignored_during_execution(),
      paa + "preferredDuringSchedulingIgnoredDuringExecution", &info->preferred_anti_affinity));

  for (const api::Container& c : p.spec().containers())
    AddHostPorts(c, &info->host_ports);
  for (const api::Container& c : p.spec().init_containers()) {
    if (c.has_restart_policy() && c.restart_policy() == "Always")
      AddHostPorts(c, &info->host_ports);
  }
  info->pod = std::move(pod);
  return PodInfoPtr(std::move(info));
}

}  // namespace skiff::scheduler
