// ServiceAccountController: every namespace has a ServiceAccount named
// "default", as Kubernetes' service account controller ensures (pods without
// spec.serviceAccountName run as it).
#pragma once

#include <memory>

#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

class ServiceAccountController : public Controller {
 public:
  explicit ServiceAccountController(api::ApiClient& client) : client_(client) {}
  ~ServiceAccountController() override { Stop(); }
  std::string name() const override { return "serviceaccount-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& ns) override;

 private:
  api::ApiClient& client_;
  std::unique_ptr<api::Informer<api::Namespace>> namespaces_;
  std::unique_ptr<api::Informer<api::ServiceAccount>> accounts_;
};

}  // namespace skiff::controllers
