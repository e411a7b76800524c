#include "controlplane/autoscaler/behavior.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace skiff::autoscaler {
namespace {

using Events = std::vector<ScalingHistory::ScaleEvent>;

// getReplicasChangePerPeriod: the change recorded within the last period.
int32_t ChangeInPeriod(int32_t period_seconds, const Events& events, Clock::time_point now) {
  auto cutoff = now - std::chrono::seconds(period_seconds);
  int32_t sum = 0;
  for (const auto& e : events) {
    if (e.at > cutoff) sum += e.change;
  }
  return sum;
}

int32_t LongestPeriod(const api::HPAScalingRules& rules) {
  int32_t longest = 0;
  for (const auto& p : rules.policies())
    longest = std::max(longest, p.period_seconds());
  return longest;
}

// Reuses an outdated slot (older than every policy's period) or appends.
void Store(Events& events, int32_t change, int32_t longest_period, Clock::time_point now) {
  auto cutoff = now - std::chrono::seconds(longest_period);
  int outdated = -1;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].at < cutoff) events[i].outdated = true;
    if (events[i].outdated) outdated = static_cast<int>(i);
  }
  ScalingHistory::ScaleEvent e{change, now, false};
  if (outdated >= 0) {
    events[static_cast<size_t>(outdated)] = e;
  } else {
    events.push_back(e);
  }
}

// Records `replicas` at `now` in the slot of the last sample older than
// `older_than` (no window can see it any more), else appends.
void RecordRecommendation(ScalingHistory& h, int32_t replicas, Clock::time_point older_than,
                          Clock::time_point now) {
  for (auto it = h.recommendations.rbegin(); it != h.recommendations.rend(); ++it) {
    if (it->at < older_than) {
      *it = {replicas, now};
      return;
    }
  }
  h.recommendations.push_back({replicas, now});
}

int32_t Saturate(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

void FillRules(const api::HPAScalingRules& from, api::HPAScalingRules* to) {
  if (from.has_select_policy()) to->set_select_policy(from.select_policy());
  if (from.has_stabilization_window_seconds()) {
    to->set_stabilization_window_seconds(from.stabilization_window_seconds());
  }
  if (from.policies_size() > 0) *to->mutable_policies() = from.policies();
  if (from.has_tolerance()) to->set_tolerance(from.tolerance());
}

void AddPolicy(api::HPAScalingRules* rules, const char* type, int32_t value, int32_t period) {
  auto* p = rules->add_policies();
  p->set_type(type);
  p->set_value(value);
  p->set_period_seconds(period);
}

ConditionUpdate Limited(int32_t applied, int32_t wanted, const std::string& reason,
                        const std::string& message) {
  return {"ScalingLimited", applied == wanted ? "False" : "True", reason, message};
}

}  // namespace

void ScalingHistory::RecordInitial(int32_t current_replicas, Clock::time_point now) {
  if (recommendations.empty()) recommendations.push_back({current_replicas, now});
}

void ScalingHistory::RecordScale(const api::HorizontalPodAutoscalerBehavior& behavior,
                                 int32_t previous, int32_t now_replicas, Clock::time_point now) {
  if (now_replicas > previous) {
    Store(scale_up_events, now_replicas - previous, LongestPeriod(behavior.scale_up()), now);
  } else if (now_replicas < previous) {
    Store(scale_down_events, previous - now_replicas, LongestPeriod(behavior.scale_down()), now);
  }
}

api::HorizontalPodAutoscalerBehavior EffectiveBehavior(
    const api::HorizontalPodAutoscalerBehavior& behavior,
    std::chrono::seconds default_down_window) {
  api::HorizontalPodAutoscalerBehavior out;
  api::HPAScalingRules* up = out.mutable_scale_up();
  up->set_stabilization_window_seconds(0);
  up->set_select_policy("Max");
  AddPolicy(up, "Pods", 4, 15);
  AddPolicy(up, "Percent", 100, 15);
  FillRules(behavior.scale_up(), up);
  api::HPAScalingRules* down = out.mutable_scale_down();
  down->set_stabilization_window_seconds(static_cast<int32_t>(default_down_window.count()));
  down->set_select_policy("Max");
  AddPolicy(down, "Percent", 100, 15);
  FillRules(behavior.scale_down(), down);
  return out;
}

int32_t ScaleUpLimit(int32_t current, const Events& up, const Events& down,
                     const api::HPAScalingRules& rules, Clock::time_point now) {
  const std::string& select = rules.select_policy();
  if (select == "Disabled") return current;
  bool min = select == "Min";
  int64_t result = min ? INT32_MAX : INT32_MIN;
  for (const auto& p : rules.policies()) {
    int64_t start = int64_t{current} - ChangeInPeriod(p.period_seconds(), up, now) +
                    ChangeInPeriod(p.period_seconds(), down, now);
    int64_t proposed = 0;
    if (p.type() == "Pods") {
      proposed = start + p.value();
    } else if (p.type() == "Percent") {
      // Rounded up: a small percentage of a small size must still add a pod.
      proposed = static_cast<int64_t>(
          std::ceil(static_cast<double>(start) * (1.0 + static_cast<double>(p.value()) / 100.0)));
    }
    result = min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return Saturate(result);
}

int32_t ScaleDownLimit(int32_t current, const Events& up, const Events& down,
                       const api::HPAScalingRules& rules, Clock::time_point now) {
  const std::string& select = rules.select_policy();
  if (select == "Disabled") return current;
  bool min = select == "Min";
  int64_t result = min ? INT32_MIN : INT32_MAX;
  for (const auto& p : rules.policies()) {
    int64_t start = int64_t{current} - ChangeInPeriod(p.period_seconds(), up, now) +
                    ChangeInPeriod(p.period_seconds(), down, now);
    int64_t proposed = 0;
    if (p.type() == "Pods") {
      proposed = start - p.value();
    } else if (p.type() == "Percent") {
      proposed = static_cast<int64_t>(static_cast<double>(start) *
                                      (1.0 - static_cast<double>(p.value()) / 100.0));
    }
    // For scaling down, the smallest change ("Min") is the highest floor.
    result = min ? std::max(result, proposed) : std::min(result, proposed);
  }
  return Saturate(result);
}

Normalized NormalizeWithBehavior(ScalingHistory& history,
                                 const api::HorizontalPodAutoscalerBehavior& behavior,
                                 int32_t current, int32_t desired, int32_t min_replicas,
                                 int32_t max_replicas, Clock::time_point now) {
  Normalized out;
  // stabilizeRecommendationWithBehaviors
  auto up_cutoff = now - std::chrono::seconds(behavior.scale_up().stabilization_window_seconds());
  auto down_cutoff =
      now - std::chrono::seconds(behavior.scale_down().stabilization_window_seconds());
  int32_t up_rec = desired, down_rec = desired;
  for (const auto& r : history.recommendations) {
    if (r.at > up_cutoff) up_rec = std::min(r.replicas, up_rec);
    if (r.at > down_cutoff) down_rec = std::max(r.replicas, down_rec);
  }
  int32_t stabilized = std::min(std::max(current, up_rec), down_rec);
  RecordRecommendation(history, desired, std::min(up_cutoff, down_cutoff), now);
  if (stabilized != desired) {
    if (desired >= current) {
      out.conditions.push_back(
          {"AbleToScale", "True", "ScaleUpStabilized",
           "recent recommendations were lower than current one, applying the lowest recent "
           "recommendation"});
    } else {
      out.conditions.push_back(
          {"AbleToScale", "True", "ScaleDownStabilized",
           "recent recommendations were higher than current one, applying the highest recent "
           "recommendation"});
    }
  } else {
    out.conditions.push_back(
        {"AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"});
  }

  // convertDesiredReplicasWithBehaviorRate
  out.replicas = stabilized;
  std::string reason = "DesiredWithinRange";
  std::string message = "the desired count is within the acceptable range";
  if (stabilized > current) {
    int32_t limit = ScaleUpLimit(current, history.scale_up_events, history.scale_down_events,
                                 behavior.scale_up(), now);
    limit = std::max(limit, current);  // no further scale-up until old events age out
    int32_t allowed = max_replicas;
    std::string r, m;
    if (allowed > limit) {
      allowed = limit;
      r = "ScaleUpLimit";
      m = "the desired replica count is increasing faster than the maximum scale rate";
    } else {
      r = "TooManyReplicas";
      m = "the desired replica count is more than the maximum replica count";
    }
    if (stabilized > allowed) {
      out.replicas = allowed;
      reason = r;
      message = m;
    }
  } else if (stabilized < current) {
    int32_t limit = ScaleDownLimit(current, history.scale_up_events, history.scale_down_events,
                                   behavior.scale_down(), now);
    limit = std::min(limit, current);
    int32_t allowed = min_replicas;
    std::string r, m;
    if (allowed < limit) {
      allowed = limit;
      r = "ScaleDownLimit";
      m = "the desired replica count is decreasing faster than the maximum scale rate";
    } else {
      r = "TooFewReplicas";
      m = "the desired replica count is less than the minimum replica count";
    }
    if (stabilized < allowed) {
      out.replicas = allowed;
      reason = r;
      message = m;
    }
  }
  out.conditions.push_back(Limited(out.replicas, stabilized, reason, message));
  return out;
}

Normalized NormalizeLegacy(ScalingHistory& history, std::chrono::seconds down_window,
                           int32_t current, int32_t desired, int32_t min_replicas,
                           int32_t max_replicas, Clock::time_point now) {
  Normalized out;
  // stabilizeRecommendation: the highest recommendation within the window.
  auto cutoff = now - down_window;
  int32_t stabilized = desired;
  for (const auto& r : history.recommendations) {
    if (r.at >= cutoff) stabilized = std::max(stabilized, r.replicas);
  }
  RecordRecommendation(history, desired, cutoff, now);
  if (stabilized != desired) {
    out.conditions.push_back(
        {"AbleToScale", "True", "ScaleDownStabilized",
         "recent recommendations were higher than current one, applying the highest recent "
         "recommendation"});
  } else {
    out.conditions.push_back(
        {"AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"});
  }

  // convertDesiredReplicasWithRules
  // Scale-up is capped at max(2 x current, 4): bogus usage reports must not
  // blow a workload up in one step.
  int32_t scale_up_limit = static_cast<int32_t>(std::max(2.0 * static_cast<double>(current), 4.0));
  int32_t maximum;
  std::string reason, message;
  if (max_replicas > scale_up_limit) {
    maximum = scale_up_limit;
    reason = "ScaleUpLimit";
    message = "the desired replica count is increasing faster than the maximum scale rate";
  } else {
    maximum = max_replicas;
    reason = "TooManyReplicas";
    message = "the desired replica count is more than the maximum replica count";
  }
  if (stabilized < min_replicas) {
    out.replicas = min_replicas;
    reason = "TooFewReplicas";
    message = "the desired replica count is less than the minimum replica count";
  } else if (stabilized > maximum) {
    out.replicas = maximum;
  } else {
    out.replicas = stabilized;
    reason = "DesiredWithinRange";
    message = "the desired count is within the acceptable range";
  }
  out.conditions.push_back(Limited(out.replicas, stabilized, reason, message));
  return out;
}

}  // namespace skiff::autoscaler
