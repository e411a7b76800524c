// Turning a metric recommendation into the replica count to apply, as
// kube-controller-manager's horizontal.go does: stabilization over past
// recommendations and rate limits from scaling policies (spec.behavior), or,
// for an HPA without behavior, the legacy rules (scale-down stabilization
// window, scale-up limited to max(2 x current, 4)); then minReplicas and
// maxReplicas. Each step reports the condition it implies (AbleToScale
// ScaleUpStabilized/ScaleDownStabilized/ReadyForNewScale, ScalingLimited
// ScaleUpLimit/ScaleDownLimit/TooManyReplicas/TooFewReplicas/
// DesiredWithinRange).
//
// ScalingHistory is the per-HPA memory the controller keeps (not persisted,
// as in Kubernetes): timestamped recommendations and scale events. All
// functions take `now` explicitly; none reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "skiff/api/autoscaling.pb.h"

namespace skiff::autoscaler {

using Clock = std::chrono::system_clock;

struct ScalingHistory {
  struct Recommendation {
    int32_t replicas = 0;
    Clock::time_point at;
  };
  struct ScaleEvent {
    int32_t change = 0;  // replicas added (scale-up list) or removed (scale-down list)
    Clock::time_point at;
    bool outdated = false;
  };
  std::vector<Recommendation> recommendations;
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;

  // recordInitialRecommendation: the first reconcile remembers the current
  // size, so an HPA never scales down right after it is created.
  void RecordInitial(int32_t current_replicas, Clock::time_point now);
  // storeScaleEvent, after a successful rescale (only with behavior).
  void RecordScale(const api::HorizontalPodAutoscalerBehavior& behavior, int32_t previous,
                   int32_t now_replicas, Clock::time_point now);
};

// A condition to set on the HPA's status.
struct ConditionUpdate {
  std::string type;    // AbleToScale, ScalingActive, ScalingLimited
  std::string status;  // True, False
  std::string reason;
  std::string message;
};

struct Normalized {
  int32_t replicas = 0;
  std::vector<ConditionUpdate> conditions;  // AbleToScale, then ScalingLimited
};

// Behavior with Kubernetes' defaults filled in where the spec leaves them
// unset (scale-up: 0 s window, Max of 4 pods / 100% per 15 s; scale-down:
// `default_down_window`, Max of 100% per 15 s).
api::HorizontalPodAutoscalerBehavior EffectiveBehavior(
    const api::HorizontalPodAutoscalerBehavior& behavior, std::chrono::seconds default_down_window);

// normalizeDesiredReplicasWithBehaviors. `behavior` must be effective
// (see EffectiveBehavior). Records the recommendation in `history`.
Normalized NormalizeWithBehavior(ScalingHistory& history,
                                 const api::HorizontalPodAutoscalerBehavior& behavior,
                                 int32_t current, int32_t desired, int32_t min_replicas,
                                 int32_t max_replicas, Clock::time_point now);

// normalizeDesiredReplicas, for an HPA without spec.behavior.
Normalized NormalizeLegacy(ScalingHistory& history, std::chrono::seconds down_window,
                           int32_t current, int32_t desired, int32_t min_replicas,
                           int32_t max_replicas, Clock::time_point now);

// The building blocks, exposed for tests.
int32_t ScaleUpLimit(int32_t current, const std::vector<ScalingHistory::ScaleEvent>& up,
                     const std::vector<ScalingHistory::ScaleEvent>& down,
                     const api::HPAScalingRules& rules, Clock::time_point now);
int32_t ScaleDownLimit(int32_t current, const std::vector<ScalingHistory::ScaleEvent>& up,
                       const std::vector<ScalingHistory::ScaleEvent>& down,
                       const api::HPAScalingRules& rules, Clock::time_point now);

}  // namespace skiff::autoscaler
