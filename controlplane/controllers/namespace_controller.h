// NamespaceController: finishes namespace deletion. A Namespace being deleted
// (phase Terminating) has every namespaced object in it deleted; when none
// remain, its "kubernetes" finalizer is removed and the API server removes
// it. New objects cannot be created in it meanwhile (the API server refuses).
#pragma once

#include <memory>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"

namespace skiff::controllers {

class NamespaceController : public Controller {
 public:
  explicit NamespaceController(api::ApiClient& client);
  ~NamespaceController() override;
  std::string name() const override { return "namespace-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  api::ApiClient& client_;
  std::unique_ptr<api::InformerBase> namespaces_;
};

}  // namespace skiff::controllers
