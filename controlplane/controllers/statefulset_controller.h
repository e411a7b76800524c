// StatefulSetController: pods with stable identities, as Kubernetes'
// StatefulSet controller runs them.
//  - Pod i is named <set>-<i> (ordinals from spec.ordinals.start), with
//    hostname <set>-<i> and subdomain spec.serviceName, so the headless
//    Service gives it a stable DNS name; labels
//    statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
//    controller-revision-hash.
//  - OrderedReady: pods are created one at a time in ordinal order, each
//    after the previous is Running and Ready; scale-down removes the highest
//    ordinal first, one at a time. Parallel: all at once.
//  - RollingUpdate replaces pods whose revision is old from the highest
//    ordinal down to the partition, one at a time, waiting for readiness;
//    OnDelete leaves that to the user.
//  - Failed pods are replaced. Status: replicas, ready/available/current/
//    updated replicas, currentRevision, updateRevision.
// volumeClaimTemplates are accepted but provision nothing (no volume plugins).
#pragma once

#include <memory>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

class StatefulSetController : public Controller {
 public:
  explicit StatefulSetController(api::ApiClient& client);
  ~StatefulSetController() override;
  std::string name() const override { return "statefulset-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  Status CreatePod(const api::StatefulSet& set, int ordinal, const std::string& revision);
  Status DeletePod(const api::StatefulSet& set, const api::Pod& pod, const std::string& why);
  Status UpdateStatus(const api::StatefulSet& set,
                      const std::vector<std::shared_ptr<const api::Pod>>& pods,
                      const std::string& update_revision);

  api::ApiClient& client_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::StatefulSet>> sets_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

// The ordinal of a pod named <set>-<n>, or -1.
int OrdinalOf(const std::string& set_name, const std::string& pod_name);

}  // namespace skiff::controllers
