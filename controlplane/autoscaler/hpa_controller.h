// HorizontalPodAutoscalerController: keeps every autoscaling/v2
// HorizontalPodAutoscaler's target (Deployment, ReplicaSet, StatefulSet) at
// the size its metrics call for, as kube-controller-manager's HPA
// controller does.
//
// Each HPA is reconciled when it is created or its spec changes, and then
// every `sync_period`: read the target's scale, list the target's pods (pod
// informer) and their usage (MetricsSource), Decide (decision.h), write
// spec.replicas of the target with optimistic concurrency, then the HPA's
// status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
// the AbleToScale / ScalingActive / ScalingLimited conditions) and events
// (SuccessfulRescale, FailedGetScale, FailedGetResourceMetric,
// FailedComputeMetricsReplicas, FailedRescale, ...). Problems with the
// target or the metrics become conditions and events, never a crash; the
// HPA is tried again at the next sync.
//
// The scaling history (recommendations and scale events behind
// stabilization windows and policies) is kept in memory per HPA, as
// Kubernetes keeps it: a restarted controller starts a fresh history.
//
// Thread-safety: run through Controller::Start/Stop; any number of workers.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "api/labels.h"
#include "controlplane/autoscaler/decision.h"
#include "controlplane/controllers/controller.h"
#include "controlplane/metrics/source.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::autoscaler {

struct HpaControllerOptions {
  // --horizontal-pod-autoscaler-sync-period: how often each HPA is evaluated.
  std::chrono::milliseconds sync_period{std::chrono::seconds(15)};
  // Tolerance, CPU initialization period, readiness delay, default
  // scale-down stabilization window.
  DecisionOptions decision;
};

class HorizontalPodAutoscalerController : public controllers::Controller {
 public:
  // `client` and `metrics` must outlive the controller.
  HorizontalPodAutoscalerController(api::ApiClient& client, const metrics::MetricsSource& metrics,
                                    HpaControllerOptions options = {});
  ~HorizontalPodAutoscalerController() override;
  std::string name() const override { return "horizontal-pod-autoscaler"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  // Schedules the next periodic evaluation of `key` unless one is pending.
  void ScheduleSync(const std::string& key);
  // Writes `status` when it differs from what the HPA has.
  Status WriteStatus(const api::HorizontalPodAutoscaler& hpa,
                     const api::HorizontalPodAutoscalerStatus& status);
  // Names of other HPAs in `ns` whose targets select any of `pods`.
  std::vector<std::string> OthersSelecting(const std::string& key, const std::string& ns,
                                           const PodList& pods);

  api::ApiClient& client_;
  const metrics::MetricsSource& metrics_;
  HpaControllerOptions options_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::HorizontalPodAutoscaler>> hpas_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;

  std::mutex mu_;
  std::map<std::string, ScalingHistory> history_;   // by HPA key
  std::map<std::string, api::Selector> selectors_;  // by HPA key: its target's pod selector
  std::map<std::string, std::chrono::steady_clock::time_point> next_sync_;
};

}  // namespace skiff::autoscaler
