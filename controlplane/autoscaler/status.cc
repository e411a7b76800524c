#include "controlplane/autoscaler/status.h"

#include <google/protobuf/util/time_util.h>

namespace skiff::autoscaler {

google::protobuf::Timestamp ToTimestamp(Clock::time_point t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

const api::HorizontalPodAutoscalerCondition* FindCondition(
    const api::HorizontalPodAutoscalerStatus& status, const std::string& type) {
  for (const auto& c : status.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

void SetCondition(api::HorizontalPodAutoscalerStatus* status, const ConditionUpdate& update,
                  Clock::time_point now) {
  api::HorizontalPodAutoscalerCondition* cond = nullptr;
  for (auto& c : *status->mutable_conditions()) {
    if (c.type() == update.type) cond = &c;
  }
  if (cond == nullptr) {
    cond = status->add_conditions();
    cond->set_type(update.type);
  }
  if (cond->status() != update.status) *cond->mutable_last_transition_time() = ToTimestamp(now);
  cond->set_status(update.status);
  cond->set_reason(update.reason);
  cond->set_message(update.message);
}

}  // namespace skiff::autoscaler
