// RBAC as Kubernetes defines it: Roles and ClusterRoles hold rules (verbs ×
// apiGroups × resources[/subresources] × resourceNames, "*" wildcards);
// RoleBindings grant a Role or ClusterRole within their namespace,
// ClusterRoleBindings grant a ClusterRole everywhere; subjects are Users,
// Groups and ServiceAccounts. Policy is read from informers (so changes
// apply within the watch latency) with bindings indexed by subject, so a
// decision costs a few map lookups. Only allows; never denies (RBAC has no
// deny rules): no match is "no opinion".
#pragma once

#include <memory>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "controlplane/auth/authorizer.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::auth {

class RbacAuthorizer : public Authorizer {
 public:
  explicit RbacAuthorizer(api::ApiClient& client);
  ~RbacAuthorizer() override;
  void Start();
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  Decision Authorize(const Attributes& a, std::string* reason) const override;

 private:
  std::unique_ptr<api::Informer<api::Role>> roles_;
  std::unique_ptr<api::Informer<api::ClusterRole>> cluster_roles_;
  std::unique_ptr<api::Informer<api::RoleBinding>> bindings_;
  std::unique_ptr<api::Informer<api::ClusterRoleBinding>> cluster_bindings_;
};

// Whether one rule allows the request.
bool RuleAllows(const api::PolicyRule& rule, const Attributes& a);

// Creates the default ClusterRoles (cluster-admin, admin, edit, view) and
// the binding of cluster-admin to system:masters when missing.
Status EnsureBootstrapPolicy(api::ApiClient& client);

}  // namespace skiff::auth
