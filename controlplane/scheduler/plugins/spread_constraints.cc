#include "controlplane/scheduler/plugins/spread_constraints.h"

#include <map>

namespace skiff::scheduler {

Result<std::vector<SpreadConstraint>> PodSpreadConstraints(const PodInfo& pod,
                                                           std::string_view when) {
  std::vector<SpreadConstraint> out;
  const auto& list = pod.pod->spec().topology_spread_constraints();
  for (int i = 0; i < list.size(); ++i) {
    const api::TopologySpreadConstraint& c = list[i];
    if (c.when_unsatisfiable() != when) continue;
    SpreadConstraint s;
    s.max_skew = c.max_skew();
    s.topology_key = c.topology_key();
    std::string path = "spec.topologySpreadConstraints[" + std::to_string(i) + "].labelSelector";
    if (c.has_label_selector()) {
      auto sel = CompileSelector(c.label_selector(), c.match_label_keys(), {}, pod.labels());
      if (!sel.ok()) return sel.status().WithContext(path);
      s.selector = std::move(*sel);
    } else {
      // An unset selector matches nothing, unless matchLabelKeys supplies requirements.
      api::LabelSelector from_keys;
      for (const std::string& key : c.match_label_keys()) {
        auto it = pod.labels().find(key);
        if (it != pod.labels().end()) (*from_keys.mutable_match_labels())[key] = it->second;
      }
      if (!from_keys.match_labels().empty()) {
        auto sel = api::Selector::FromLabelSelector(from_keys);
        if (!sel.ok()) return sel.status().WithContext(path);
        s.selector = std::move(*sel);
      }
    }
    if (c.has_min_domains()) s.min_domains = c.min_domains();
    if (c.has_node_affinity_policy()) s.honor_node_affinity = c.node_affinity_policy() == "Honor";
    if (c.has_node_taints_policy()) s.honor_node_taints = c.node_taints_policy() == "Honor";
    out.push_back(std::move(s));
  }
  return out;
}

api::Selector DefaultSpreadSelector(const PodInfo& pod, const Cache& cache) {
  api::LabelSelector merged;
  auto& labels = *merged.mutable_match_labels();
  for (const api::Service* svc : cache.ServicesIn(pod.ns())) {
    const auto& sel = svc->spec().selector();
    if (sel.empty()) continue;
    if (!api::Selector::FromLabels(sel).Matches(pod.labels())) continue;
    for (const auto& [k, v] : sel)
      labels[k] = v;
  }
  const api::LabelSelector* owner_selector = nullptr;
  for (const api::OwnerReference& ref : pod.pod->metadata().owner_references()) {
    if (!ref.has_controller() || !ref.controller()) continue;
    if (ref.api_version() == "apps/v1" && ref.kind() == "ReplicaSet") {
      if (const api::ReplicaSet* rs = cache.GetReplicaSet(pod.ns(), ref.name())) {
        if (rs->spec().has_selector()) owner_selector = &rs->spec().selector();
      }
    } else if (ref.api_version() == "apps/v1" && ref.kind() == "StatefulSet") {
      if (const api::StatefulSet* ss = cache.GetStatefulSet(pod.ns(), ref.name())) {
        if (ss->spec().has_selector()) owner_selector = &ss->spec().selector();
      }
    }
    break;
  }
  if (owner_selector) {
    for (const auto& [k, v] : owner_selector->match_labels()) {
      // Services and the owner all select this pod, so equal keys carry equal values; a
      // duplicate becomes an explicit requirement to keep every term.
      if (labels.contains(k) && labels.at(k) != v) {
        auto* r = merged.add_match_expressions();
        r->set_key(k);
        r->set_operator_("In");
        r->add_values(v);
      } else {
        labels[k] = v;
      }
    }
    for (const auto& e : owner_selector->match_expressions())
      *merged.add_match_expressions() = e;
  }
  auto sel = api::Selector::FromLabelSelector(merged);
  return sel.ok() ? std::move(*sel) : api::Selector::Everything();
}

std::vector<SpreadConstraint> DefaultSpreadConstraints(const PodInfo& pod, const Cache& cache) {
  api::Selector selector = DefaultSpreadSelector(pod, cache);
  if (selector.empty()) return {};
  std::vector<SpreadConstraint> out(2);
  out[0].max_skew = 3;
  out[0].topology_key = kLabelHostname;
  out[1].max_skew = 5;
  out[1].topology_key = kLabelZone;
  for (SpreadConstraint& c : out)
    c.selector = selector;
  return out;
}

}  // namespace skiff::scheduler
