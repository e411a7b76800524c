// Validation of configuration and cluster kinds: ConfigMap, Secret, Namespace, Node,
// ServiceAccount, Event, and the RBAC kinds.
#include <google/protobuf/map.h>

#include <map>
#include <set>

#include "api/labels.h"
#include "api/names.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

template <typename M>
std::vector<std::string> SortedKeys(const M& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m)
    keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

template <typename M>
int64_t ValueBytes(const M& m) {
  int64_t n = 0;
  for (const auto& [k, v] : m)
    n += static_cast<int64_t>(v.size());
  return n;
}

template <typename M>
void CheckKeys(const M& m, std::string_view path, ErrorList* e) {
  for (const std::string& k : SortedKeys(m))
    e->AddProblems(Key(path, k), k, CheckConfigMapKey(k));
}

void ValidateRules(const google::protobuf::RepeatedPtrField<PolicyRule>& rules, bool namespaced,
                   ErrorList* e) {
  for (int i = 0; i < rules.size(); ++i) {
    const PolicyRule& r = rules[i];
    std::string p = Index("rules", i);
    if (r.verbs_size() == 0)
      e->Required(Child(p, "verbs"), "verbs must contain at least one value");
    if (r.non_resource_urls_size() > 0) {
      if (namespaced) {
        e->InvalidRaw(Child(p, "nonResourceURLs"), "[...]",
                      "namespaced rules cannot apply to non-resource URLs");
      }
      if (r.api_groups_size() > 0 || r.resources_size() > 0 || r.resource_names_size() > 0) {
        e->InvalidRaw(Child(p, "nonResourceURLs"), "[...]",
                      "rules cannot apply to both regular resources and non-resource URLs");
      }
      continue;
    }
    if (r.api_groups_size() == 0) {
      e->Required(Child(p, "apiGroups"), "resource rules must supply at least one api group");
    }
    if (r.resources_size() == 0) {
      e->Required(Child(p, "resources"), "resource rules must supply at least one resource");
    }
  }
}

template <typename B>
void ValidateBinding(const B& b, bool namespaced, ErrorList* e) {
  const RoleRef& ref = b.role_ref();
  if (ref.api_group() != kRbacGroup)
    e->NotSupported("roleRef.apiGroup", ref.api_group(), {kRbacGroup});
  if (namespaced) {
    CheckOneOf(e, "roleRef.kind", ref.kind(), {"ClusterRole", "Role"}, false);
  } else {
    CheckOneOf(e, "roleRef.kind", ref.kind(), {"ClusterRole"}, false);
  }
  if (ref.name().empty()) {
    e->Required("roleRef.name");
  } else {
    e->AddProblems("roleRef.name", ref.name(), CheckPathSegmentName(ref.name(), false));
  }
  for (int i = 0; i < b.subjects_size(); ++i) {
    const Subject& s = b.subjects(i);
    std::string p = Index("subjects", i);
    if (s.name().empty()) e->Required(Child(p, "name"));
    if (s.kind() == "ServiceAccount") {
      if (!s.api_group().empty()) e->NotSupported(Child(p, "apiGroup"), s.api_group(), {""});
      if (!s.name().empty()) {
        e->AddProblems(Child(p, "name"), s.name(), CheckDNS1123Subdomain(s.name()));
      }
      if (s.namespace_().empty() && !namespaced) e->Required(Child(p, "namespace"));
    } else if (s.kind() == "User" || s.kind() == "Group") {
      // apiGroup "" is defaulted to the RBAC group.
      if (!s.api_group().empty() && s.api_group() != kRbacGroup) {
        e->NotSupported(Child(p, "apiGroup"), s.api_group(), {kRbacGroup});
      }
    } else {
      CheckOneOf(e, Child(p, "kind"), s.kind(), {"Group", "ServiceAccount", "User"}, false);
    }
  }
}

}  // namespace

void ValidateConfigMap(const ConfigMap& c, ErrorList* e) {
  CheckKeys(c.data(), "data", e);
  CheckKeys(c.binary_data(), "binaryData", e);
  for (const std::string& k : SortedKeys(c.binary_data())) {
    if (c.data().contains(k)) {
      e->Invalid(Key("binaryData", k), k, "duplicate of key present in data");
    }
  }
  if (ValueBytes(c.data()) + ValueBytes(c.binary_data()) > kMaxConfigDataBytes) {
    e->TooLong("data", kMaxConfigDataBytes);
  }
}

void ValidateSecret(const Secret& s, ErrorList* e) {
  CheckKeys(s.data(), "data", e);
  CheckKeys(s.string_data(), "stringData", e);
  // stringData is merged into data on write, so both count.
  int64_t total = ValueBytes(s.data());
  for (const auto& [k, v] : s.string_data()) {
    auto it = s.data().find(k);
    total += static_cast<int64_t>(v.size()) -
             (it == s.data().end() ? 0 : static_cast<int64_t>(it->second.size()));
  }
  if (total > kMaxConfigDataBytes) e->TooLong("data", kMaxConfigDataBytes);

  auto has = [&](const std::string& key) {
    return s.data().contains(key) || s.string_data().contains(key);
  };
  const std::string& type = s.type();
  auto require = [&](const std::string& key) {
    if (!has(key)) e->Required(Key("data", key));
  };
  if (type == "kubernetes.io/service-account-token") {
    if (!s.metadata().annotations().contains("kubernetes.io/service-account.name")) {
      e->Required("metadata.annotations[kubernetes.io/service-account.name]");
    }
  } else if (type == "kubernetes.io/dockercfg") {
    require(".dockercfg");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    require(".dockerconfigjson");
  } else if (type == "kubernetes.io/basic-auth") {
    if (!has("username") && !has("password")) {
      e->Required("data[username]",
                  "either username or password is required to use basic "
                  "authentication");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    require("ssh-privatekey");
  } else if (type == "kubernetes.io/tls") {
    require("tls.crt");
    require("tls.key");
  }
}

void ValidateNamespace(const Namespace& n, ErrorList* e) {
  for (int i = 0; i < n.spec().finalizers_size(); ++i) {
    const std::string& f = n.spec().finalizers(i);
    e->AddProblems(Index("spec.finalizers", i), f, CheckQualifiedName(f));
  }
  CheckOneOf(e, "status.phase", n.status().phase(), {"Active", "Terminating"});
}

void ValidateNode(const Node& n, ErrorList* e) {
  const NodeSpec& spec = n.spec();
  if (!spec.pod_cidr().empty())
    e->AddProblems("spec.podCIDR", spec.pod_cidr(), CheckCIDR(spec.pod_cidr()));
  if (spec.pod_cidrs_size() > 2) {
    e->InvalidRaw("spec.podCIDRs", std::to_string(spec.pod_cidrs_size()) + " items",
                  "may specify no more than one CIDR for each IP family");
  }
  for (int i = 0; i < spec.pod_cidrs_size(); ++i) {
    e->AddProblems(Index("spec.podCIDRs", i), spec.pod_cidrs(i), CheckCIDR(spec.pod_cidrs(i)));
  }
  if (spec.pod_cidrs_size() > 0 && !spec.pod_cidr().empty() &&
      spec.pod_cidrs(0) != spec.pod_cidr()) {
    e->Invalid("spec.podCIDRs[0]", spec.pod_cidrs(0), "must be equal to `podCIDR`");
  }
  std::set<std::pair<std::string, std::string>> taints;
  for (int i = 0; i < spec.taints_size(); ++i) {
    const Taint& t = spec.taints(i);
    std::string p = Index("spec.taints", i);
    if (t.key().empty()) {
      e->Required(Child(p, "key"));
    } else {
      e->AddProblems(Child(p, "key"), t.key(), CheckQualifiedName(t.key()));
    }
    e->AddProblems(Child(p, "value"), t.value(), CheckLabelValue(t.value()));
    CheckOneOf(e, Child(p, "effect"), t.effect(), {"NoExecute", "NoSchedule", "PreferNoSchedule"},
               false);
    if (!taints.insert({t.key(), t.effect()}).second) {
      e->Duplicate(p, "{" + t.key() + ", " + t.effect() + "}");
    }
  }
  ValidateResourceList(n.status().capacity(), "status.capacity", e);
  ValidateResourceList(n.status().allocatable(), "status.allocatable", e);
  for (int i = 0; i < n.status().addresses_size(); ++i) {
    CheckOneOf(e, Child(Index("status.addresses", i), "type"), n.status().addresses(i).type(),
               {"ExternalDNS", "ExternalIP", "Hostname", "InternalDNS", "InternalIP"}, false);
  }
}

void ValidateServiceAccount(const ServiceAccount& s, ErrorList* e) {
  for (int i = 0; i < s.image_pull_secrets_size(); ++i) {
    if (s.image_pull_secrets(i).name().empty()) {
      e->Required(Child(Index("imagePullSecrets", i), "name"));
    }
  }
  for (int i = 0; i < s.secrets_size(); ++i) {
    if (s.secrets(i).name().empty()) e->Required(Child(Index("secrets", i), "name"));
  }
}

void ValidateEvent(const Event& ev, ErrorList* e) {
  const std::string& ns = ev.metadata().namespace_();
  const std::string& involved_ns = ev.involved_object().namespace_();
  if (!involved_ns.empty() && !ns.empty() && involved_ns != ns) {
    e->Invalid("involvedObject.namespace", involved_ns, "does not match event.namespace");
  }
  CheckOneOf(e, "type", ev.type(), {"Normal", "Warning"});
  CheckNonNegative(e, "count", ev.count());
  if (ev.reason().size() > 128) e->TooLong("reason", 128);
  if (ev.message().size() > 4096) e->TooLong("message", 4096);
}

void ValidateRole(const Role& r, ErrorList* e) {
  ValidateRules(r.rules(), true, e);
}

void ValidateClusterRole(const ClusterRole& r, ErrorList* e) {
  ValidateRules(r.rules(), false, e);
  if (r.has_aggregation_rule()) {
    const AggregationRule& a = r.aggregation_rule();
    if (a.cluster_role_selectors_size() == 0) {
      e->Required("aggregationRule.clusterRoleSelectors",
                  "at least one clusterRoleSelector required if aggregationRule is non-nil");
    }
    for (int i = 0; i < a.cluster_role_selectors_size(); ++i) {
      ValidateLabelSelector(a.cluster_role_selectors(i),
                            Index("aggregationRule.clusterRoleSelectors", i), e);
    }
  }
}

void ValidateRoleBinding(const RoleBinding& b, ErrorList* e) {
  ValidateBinding(b, true, e);
}

void ValidateClusterRoleBinding(const ClusterRoleBinding& b, ErrorList* e) {
  ValidateBinding(b, false, e);
}

}  // namespace skiff::api
