// ReplicaSetController: keeps spec.replicas pods running for every
// ReplicaSet, as Kubernetes' ReplicaSet controller does — creates missing
// pods from the template (slow start: 1, 2, 4, ... per round, stopping at the
// first failure), deletes surplus pods in Kubernetes' ranking order, adopts
// matching orphan pods, and reports status (replicas, fullyLabeledReplicas,
// readyReplicas, availableReplicas, observedGeneration). Expectations stop it
// from acting twice on a stale cache.
#pragma once

#include <memory>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "controlplane/controllers/expectations.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

class ReplicaSetController : public Controller {
 public:
  explicit ReplicaSetController(api::ApiClient& client);
  ~ReplicaSetController() override;
  std::string name() const override { return "replicaset-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  void OnPod(const api::Pod& pod);
  Status Scale(const api::ReplicaSet& rs, const std::string& key,
               std::vector<std::shared_ptr<const api::Pod>>& active);
  Status UpdateStatus(const api::ReplicaSet& rs,
                      const std::vector<std::shared_ptr<const api::Pod>>& owned);

  api::ApiClient& client_;
  api::EventRecorder events_;
  Expectations expectations_;
  std::unique_ptr<api::Informer<api::ReplicaSet>> sets_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

}  // namespace skiff::controllers
