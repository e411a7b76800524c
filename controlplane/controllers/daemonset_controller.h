// DaemonSetController: one pod of each DaemonSet on every eligible node, as
// Kubernetes' DaemonSet controller keeps them.
//  - A node is eligible when the template's nodeSelector and required node
//    affinity match it and its NoSchedule/NoExecute taints are tolerated
//    (DaemonSet pods tolerate the node-condition taints Kubernetes adds for
//    them: not-ready, unreachable, disk/memory/pid-pressure, unschedulable).
//  - Pods are placed directly (spec.nodeName) rather than through the
//    scheduler, so system daemons start even when the scheduler is down.
//  - Extra pods on a node and pods on nodes no longer eligible are deleted.
//  - RollingUpdate: pods of an old template are replaced on at most
//    maxUnavailable nodes at a time (numbers or percentages of the desired
//    count), waiting for the new pods to be available; OnDelete leaves that
//    to the user.
//  - Status: desired/current/misscheduled/ready/updated/available/
//    unavailable numbers, observedGeneration.
#pragma once

#include <memory>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

class DaemonSetController : public Controller {
 public:
  explicit DaemonSetController(api::ApiClient& client);
  ~DaemonSetController() override;
  std::string name() const override { return "daemonset-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  api::ApiClient& client_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::DaemonSet>> sets_;
  std::unique_ptr<api::Informer<api::Node>> nodes_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

// Whether a pod from `tmpl` should run on `node`.
bool DaemonPodFits(const api::PodTemplateSpec& tmpl, const api::Node& node);

}  // namespace skiff::controllers
