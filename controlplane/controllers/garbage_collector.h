// GarbageCollector: deletion through ownerReferences, as Kubernetes' garbage
// collector does it.
//  - Background: an object all of whose owners are gone (no object with the
//    owner's kind, namespace, name and uid) is deleted.
//  - Foreground: an owner being deleted with the "foregroundDeletion"
//    finalizer has its dependents deleted (foreground too, so the cascade
//    runs depth-first); when none remain the finalizer is removed and the
//    owner goes.
//  - Orphan: an owner being deleted with the "orphan" finalizer has its
//    ownerReference removed from every dependent, then the finalizer.
// Owner absence seen in the caches is confirmed with a live read before
// anything is deleted, so a dependent created just before its owner reached
// the cache survives.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"

namespace skiff::controllers {

class GarbageCollector : public Controller {
 public:
  explicit GarbageCollector(api::ApiClient& client);
  ~GarbageCollector() override;
  std::string name() const override { return "garbage-collector"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  // Queue keys are "<Kind>|<namespace/name>".
  void Enqueue(const api::KindInfo& kind, const google::protobuf::Message& object);
  std::vector<api::ObjectPtr> DependentsOf(const std::string& uid) const;
  // Owner present (same uid), absent, or unknown (read failed).
  enum class OwnerState { kPresent, kAbsent, kUnknown };
  OwnerState LookupOwner(const std::string& ns, const std::string& api_version,
                         const std::string& kind, const std::string& name, const std::string& uid);
  Status ProcessDeletingOwner(const api::KindInfo& kind, const api::ObjectPtr& object);
  Status RemoveFinalizer(const api::KindInfo& kind, const api::ObjectPtr& object,
                         const std::string& finalizer);

  api::ApiClient& client_;
  std::map<std::string, std::unique_ptr<api::InformerBase>> informers_;  // by kind
};

}  // namespace skiff::controllers
