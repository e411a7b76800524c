// DeploymentController: rolls Deployments out through ReplicaSets, as
// Kubernetes' deployment controller does.
//  - Each pod template gets its own ReplicaSet, named <deployment>-<hash> and
//    labelled pod-template-hash=<hash>; the ReplicaSet for the current
//    template is "new", the others "old". Revisions are kept in the
//    deployment.kubernetes.io/revision annotation (a rollback re-uses the old
//    ReplicaSet and gives it the next revision).
//  - RollingUpdate: the new ReplicaSet grows while the total stays within
//    replicas + maxSurge; old ones shrink while at least replicas -
//    maxUnavailable pods stay available (unhealthy old pods go first).
//    Numbers or percentages, as Kubernetes rounds them.
//  - Recreate: old ReplicaSets go to zero and their pods are gone before the
//    new one scales up.
//  - paused stops rollouts; old ReplicaSets beyond revisionHistoryLimit are
//    deleted; status reports replicas, updated/ready/available/unavailable and
//    the Available and Progressing conditions (ProgressDeadlineExceeded after
//    progressDeadlineSeconds without progress).
#pragma once

#include <memory>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/apps.pb.h"

namespace skiff::controllers {

inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";
inline constexpr const char* kChangeCauseAnnotation = "kubernetes.io/change-cause";

class DeploymentController : public Controller {
 public:
  explicit DeploymentController(api::ApiClient& client);
  ~DeploymentController() override;
  std::string name() const override { return "deployment-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  using RsPtr = std::shared_ptr<const api::ReplicaSet>;
  Result<RsPtr> EnsureNewReplicaSet(const api::Deployment& d, const std::string& hash,
                                    RsPtr existing, const std::vector<RsPtr>& old, int replicas);
  // Sets spec.replicas of `rs`; returns true when it changed.
  Result<bool> ScaleReplicaSet(const api::Deployment& d, const api::ReplicaSet& rs, int replicas);
  Status RollingUpdate(const api::Deployment& d, RsPtr new_rs, const std::vector<RsPtr>& old,
                       bool* progressed);
  Status Recreate(const api::Deployment& d, RsPtr new_rs, const std::vector<RsPtr>& old,
                  const std::string& hash, bool* progressed);
  Status CleanupHistory(const api::Deployment& d, const std::vector<RsPtr>& old);
  Status SyncStatus(const api::Deployment& d, RsPtr new_rs, const std::vector<RsPtr>& all,
                    bool progressed);

  api::ApiClient& client_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::Deployment>> deployments_;
  std::unique_ptr<api::Informer<api::ReplicaSet>> sets_;
};

// maxSurge and maxUnavailable resolved against `replicas` (surge rounds up,
// unavailable down; both zero becomes unavailable 1), as Kubernetes does.
struct RollingLimits {
  int max_surge = 0;
  int max_unavailable = 0;
};
RollingLimits ResolveRollingLimits(const api::Deployment& d);

}  // namespace skiff::controllers
