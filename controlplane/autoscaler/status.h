// Writing an HPA's status the way Kubernetes does: conditions keep their
// lastTransitionTime while their status stays the same (reason and message
// are updated), new condition types are appended.
#pragma once

#include <chrono>

#include "controlplane/autoscaler/behavior.h"
#include "skiff/api/autoscaling.pb.h"

namespace skiff::autoscaler {

void SetCondition(api::HorizontalPodAutoscalerStatus* status, const ConditionUpdate& update,
                  Clock::time_point now);

// The condition of `type`, or nullptr.
const api::HorizontalPodAutoscalerCondition* FindCondition(
    const api::HorizontalPodAutoscalerStatus& status, const std::string& type);

google::protobuf::Timestamp ToTimestamp(Clock::time_point t);

}  // namespace skiff::autoscaler
