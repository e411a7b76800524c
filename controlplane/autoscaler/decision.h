// One HPA reconcile minus its I/O, as kube-controller-manager's
// reconcileAutoscaler/computeReplicasForMetrics decide it: given the HPA,
// its target's scale, the target's pods and their metrics, and the HPA's
// scaling history, what replica count to write, why, and which conditions,
// metric statuses and events result. The controller fetches the inputs,
// calls Decide, then writes the scale and the status.
//
//  - target at 0 replicas (with minReplicas > 0): autoscaling is off
//    (ScalingActive False ScalingDisabled);
//  - replicas above maxReplicas / below minReplicas: go straight to the
//    bound;
//  - otherwise every metric proposes a count; the largest wins. Failed
//    metrics set ScalingActive False with their reason (FailedGetResourceMetric,
//    FailedGetPodsMetric, ...); when all fail, or some fail and the rest
//    would scale down, nothing is scaled. Then stabilization, policies and
//    min/max (behavior.h).
//
// Resource and ContainerResource metrics (cpu, memory) come from the
// resource metrics pipeline. Pods, Object and External metrics need a
// custom or external metrics API, which Skiff does not serve: they are
// reported as unavailable metrics.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "controlplane/autoscaler/behavior.h"
#include "controlplane/autoscaler/replica_calculator.h"
#include "controlplane/metrics/source.h"
#include "skiff/api/autoscaling.pb.h"

namespace skiff::autoscaler {

struct DecisionOptions {
  // --horizontal-pod-autoscaler-tolerance; behavior.scaleUp/scaleDown.tolerance override it.
  double tolerance = 0.1;
  CalculatorOptions calculator;
  // --horizontal-pod-autoscaler-downscale-stabilization: the scale-down
  // window when spec.behavior does not set one.
  std::chrono::seconds downscale_stabilization{300};
};

// The scale subresource of the target.
struct ScaleInfo {
  int32_t spec_replicas = 0;
  int32_t status_replicas = 0;
  std::string selector;        // label selector string; "" when the target has none
  std::string selector_error;  // why the target's selector could not be converted
};

struct HpaEvent {
  std::string type;  // Normal, Warning
  std::string reason;
  std::string message;
};

struct DecisionInput {
  const api::HorizontalPodAutoscaler* hpa = nullptr;
  ScaleInfo scale;
  // Pods in the HPA's namespace matching scale.selector.
  PodList pods;
  // What the metrics source answered for those pods.
  Result<std::vector<metrics::PodUsage>> pod_metrics = std::vector<metrics::PodUsage>{};
  // Other HPAs (names) whose targets select some of these pods.
  std::vector<std::string> also_selecting;
  Clock::time_point now;
};

struct Decision {
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
  bool rescale = false;
  std::string rescale_reason;  // "cpu resource utilization (percentage of request) above target"
  // True when no replica count could be computed: the status keeps its
  // previous desiredReplicas and nothing is scaled.
  bool metrics_failed = false;
  std::vector<api::MetricStatus> metric_statuses;  // one per spec.metrics entry
  std::vector<ConditionUpdate> conditions;         // apply in order
  std::vector<HpaEvent> events;
  // Non-OK when the reconcile should report a failure (it may still scale
  // on the metrics that worked).
  Status error;
};

// `history` is this HPA's; Decide records the recommendation in it (the
// controller records the scale event once the write succeeded).
Decision Decide(const DecisionInput& in, const DecisionOptions& options, ScalingHistory& history);

// "Deployment/default/web", how errors name the target.
std::string TargetReference(const api::HorizontalPodAutoscaler& hpa);

}  // namespace skiff::autoscaler
