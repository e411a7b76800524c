#include "controlplane/auth/rbac_authorizer.h"

#include <algorithm>

#include "api/client/typed.h"

namespace skiff::auth {
namespace {

constexpr const char* kSubjectIndex = "subject";

bool Has(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

template <typename Binding>
std::vector<std::string> SubjectKeys(const google::protobuf::Message& m) {
  const auto& b = static_cast<const Binding&>(m);
  std::vector<std::string> keys;
  for (const auto& s : b.subjects()) {
    if (s.kind() == "ServiceAccount") {
      std::string ns = s.namespace_().empty() ? b.metadata().namespace_() : s.namespace_();
      keys.push_back("User:system:serviceaccount:" + ns + ":" + s.name());
    } else {
      keys.push_back(s.kind() + ":" + s.name());
    }
  }
  return keys;
}

std::vector<std::string> KeysOf(const UserInfo& user) {
  std::vector<std::string> keys = {"User:" + user.name};
  for (const auto& g : user.groups)
    keys.push_back("Group:" + g);
  if (std::find(user.groups.begin(), user.groups.end(), "system:authenticated") ==
      user.groups.end()) {
    keys.push_back("Group:system:authenticated");
  }
  return keys;
}

}  // namespace

bool RuleAllows(const api::PolicyRule& rule, const Attributes& a) {
  if (!Has(rule.verbs(), a.verb) && !Has(rule.verbs(), "*")) return false;
  if (!Has(rule.api_groups(), a.api_group) && !Has(rule.api_groups(), "*")) return false;
  std::string full = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  bool resource = Has(rule.resources(), full) || Has(rule.resources(), "*") ||
                  (!a.subresource.empty() && (Has(rule.resources(), a.resource + "/*") ||
                                              Has(rule.resources(), "*/" + a.subresource)));
  if (!resource) return false;
  if (rule.resource_names_size() > 0) {
    return !a.name.empty() && Has(rule.resource_names(), a.name);
  }
  return true;
}

RbacAuthorizer::RbacAuthorizer(api::ApiClient& client)
    : roles_(std::make_unique<api::Informer<api::Role>>(client)),
      cluster_roles_(std::make_unique<api::Informer<api::ClusterRole>>(client)),
      bindings_(std::make_unique<api::Informer<api::RoleBinding>>(client)),
      cluster_bindings_(std::make_unique<api::Informer<api::ClusterRoleBinding>>(client)) {
  bindings_->AddIndex(kSubjectIndex, SubjectKeys<api::RoleBinding>);
  cluster_bindings_->AddIndex(kSubjectIndex, SubjectKeys<api::ClusterRoleBinding>);
}

RbacAuthorizer::~RbacAuthorizer() {
  for (api::InformerBase* i : std::initializer_list<api::InformerBase*>{
           roles_.get(), cluster_roles_.get(), bindings_.get(), cluster_bindings_.get()}) {
    i->Stop();
  }
}

void RbacAuthorizer::Start() {
  roles_->Start();
  cluster_roles_->Start();
  bindings_->Start();
  cluster_bindings_->Start();
}

bool RbacAuthorizer::WaitForSync(std::chrono::milliseconds timeout) const {
  return roles_->WaitForSync(timeout) && cluster_roles_->WaitForSync(timeout) &&
         bindings_->WaitForSync(timeout) && cluster_bindings_->WaitForSync(timeout);
}

Decision RbacAuthorizer::Authorize(const Attributes& a, std::string* reason) const {
  auto allows = [&](const google::protobuf::RepeatedPtrField<api::PolicyRule>& rules) {
    for (const auto& r : rules) {
      if (RuleAllows(r, a)) return true;
    }
    return false;
  };
  for (const auto& key : KeysOf(a.user)) {
    for (const auto& b : cluster_bindings_->Indexed(kSubjectIndex, key)) {
      auto role = cluster_roles_->Get("", b->role_ref().name());
      if (role && allows(role->rules())) {
        *reason = "allowed by ClusterRoleBinding \"" + b->metadata().name() +
                  "\" of ClusterRole \"" + role->metadata().name() + "\" to " + key;
        return Decision::kAllow;
      }
    }
    if (a.ns.empty()) continue;
    for (const auto& b : bindings_->Indexed(kSubjectIndex, key)) {
      if (b->metadata().namespace_() != a.ns) continue;
      bool ok = false;
      if (b->role_ref().kind() == "ClusterRole") {
        auto role = cluster_roles_->Get("", b->role_ref().name());
        ok = role && allows(role->rules());
      } else {
        auto role = roles_->Get(a.ns, b->role_ref().name());
        ok = role && allows(role->rules());
      }
      if (ok) {
        *reason = "allowed by RoleBinding \"" + b->metadata().name() + "/" + a.ns + "\" of " +
                  b->role_ref().kind() + " \"" + b->role_ref().name() + "\" to " + key;
        return Decision::kAllow;
      }
    }
  }
  return Decision::kNoOpinion;
}

namespace {

api::PolicyRule Rule(std::vector<std::string> verbs, std::vector<std::string> groups,
                     std::vector<std::string> resources) {
  api::PolicyRule r;
  for (auto& v : verbs)
    r.add_verbs(v);
  for (auto& g : groups)
    r.add_api_groups(g);
  for (auto& res : resources)
    r.add_resources(res);
  return r;
}

}  // namespace

Status EnsureBootstrapPolicy(api::ApiClient& client) {
  const std::vector<std::string> read = {"get", "list", "watch"};
  const std::vector<std::string> write = {"get",    "list",  "watch",  "create",
                                          "update", "patch", "delete", "deletecollection"};
  const std::vector<std::string> workloads = {
      "pods",   "pods/log",        "services",  "configmaps",
      "events", "serviceaccounts", "endpoints", "persistentvolumeclaims"};
  const std::vector<std::string> apps = {"deployments", "replicasets",       "statefulsets",
                                         "daemonsets",  "deployments/scale", "statefulsets/scale"};
  const std::vector<std::string> batch = {"jobs", "cronjobs"};
  struct Def {
    std::string name;
    std::vector<api::PolicyRule> rules;
  };
  std::vector<Def> roles = {
      {"cluster-admin", {Rule({"*"}, {"*"}, {"*"})}},
      {"admin",
       {Rule(write, {""}, workloads), Rule(write, {""}, {"secrets"}), Rule(write, {"apps"}, apps),
        Rule(write, {"batch"}, batch), Rule(write, {"discovery.k8s.io"}, {"endpointslices"}),
        Rule(write, {"autoscaling"}, {"horizontalpodautoscalers"}),
        Rule(write, {"rbac.authorization.k8s.io"}, {"roles", "rolebindings"}),
        Rule({"create"}, {""}, {"serviceaccounts/token"})}},
      {"edit",
       {Rule(write, {""}, workloads), Rule(write, {""}, {"secrets"}), Rule(write, {"apps"}, apps),
        Rule(write, {"batch"}, batch), Rule(write, {"discovery.k8s.io"}, {"endpointslices"}),
        Rule(write, {"autoscaling"}, {"horizontalpodautoscalers"})}},
      {"view",
       {Rule(read, {""}, workloads), Rule(read, {"apps"}, apps), Rule(read, {"batch"}, batch),
        Rule(read, {"discovery.k8s.io"}, {"endpointslices"}),
        Rule(read, {"autoscaling"}, {"horizontalpodautoscalers"})}},
  };
  for (const auto& def : roles) {
    api::ClusterRole role;
    role.mutable_metadata()->set_name(def.name);
    (*role.mutable_metadata()->mutable_labels())["kubernetes.io/bootstrapping"] = "rbac-defaults";
    for (const auto& r : def.rules)
      *role.add_rules() = r;
    auto created = api::CreateObject(client, role);
    if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
      return created.status().WithContext("bootstrap ClusterRole " + def.name);
    }
  }
  api::ClusterRoleBinding binding;
  binding.mutable_metadata()->set_name("cluster-admin");
  (*binding.mutable_metadata()->mutable_labels())["kubernetes.io/bootstrapping"] = "rbac-defaults";
  auto* subject = binding.add_subjects();
  subject->set_kind("Group");
  subject->set_api_group("rbac.authorization.k8s.io");
  subject->set_name("system:masters");
  binding.mutable_role_ref()->set_api_group("rbac.authorization.k8s.io");
  binding.mutable_role_ref()->set_kind("ClusterRole");
  binding.mutable_role_ref()->set_name("cluster-admin");
  auto created = api::CreateObject(client, binding);
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return created.status().WithContext("bootstrap ClusterRoleBinding cluster-admin");
  }
  return Status::Ok();
}

}  // namespace skiff::auth
