// The node authorizer: what a node agent (user system:node:<name>, group
// system:nodes) may do, as Kubernetes' Node authorizer limits kubelets.
//  - read nodes, pods, services, endpointslices, namespaces; create and
//    update its own Node (and its status);
//  - update the status of, and delete, pods bound to it; create and update
//    Events;
//  - read a Secret, ConfigMap or ServiceAccount only when a pod bound to it
//    references it (volumes, env, envFrom, imagePullSecrets,
//    serviceAccountName), by name: get, or list/watch pinned to that name.
//  - create tokens (serviceaccounts/token) for the ServiceAccount of a pod
//    bound to it.
// Everything else it denies outright (RBAC is not consulted for nodes).
#pragma once

#include <memory>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "controlplane/auth/authorizer.h"
#include "skiff/api/core.pb.h"

namespace skiff::auth {

class NodeAuthorizer : public Authorizer {
 public:
  explicit NodeAuthorizer(api::ApiClient& client);
  ~NodeAuthorizer() override;
  void Start();
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  Decision Authorize(const Attributes& a, std::string* reason) const override;

 private:
  // Whether a pod bound to `node` in `ns` references object `name` of `resource`.
  bool Referenced(const std::string& node, const std::string& resource, const std::string& ns,
                  const std::string& name) const;

  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

}  // namespace skiff::auth
