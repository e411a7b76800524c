// Stabilization windows, scaling policies and min/max, with and without
// spec.behavior, after horizontal_test.go's normalization cases.
#include "controlplane/autoscaler/behavior.h"

#include <gtest/gtest.h>

#include <optional>
#include <tuple>

namespace skiff::autoscaler {
namespace {

using std::chrono::seconds;
using Event = ScalingHistory::ScaleEvent;

const Clock::time_point kNow = Clock::now();

api::HPAScalingRules Rules(std::string select, std::vector<std::tuple<std::string, int, int>> pols,
                           std::optional<int> window = std::nullopt) {
  api::HPAScalingRules r;
  r.set_select_policy(select);
  for (auto& [type, value, period] : pols) {
    auto* p = r.add_policies();
    p->set_type(type);
    p->set_value(value);
    p->set_period_seconds(period);
  }
  if (window) r.set_stabilization_window_seconds(*window);
  return r;
}

TEST(ScaleUpLimitTest, Policies) {
  auto pods = std::make_tuple(std::string("Pods"), 4, 60);
  auto percent = std::make_tuple(std::string("Percent"), 100, 60);
  EXPECT_EQ(ScaleUpLimit(5, {}, {}, Rules("Max", {pods}), kNow), 9);
  EXPECT_EQ(ScaleUpLimit(5, {}, {}, Rules("Max", {percent}), kNow), 10);
  EXPECT_EQ(ScaleUpLimit(5, {}, {}, Rules("Max", {pods, percent}), kNow), 10);
  EXPECT_EQ(ScaleUpLimit(5, {}, {}, Rules("Min", {pods, percent}), kNow), 9);
  EXPECT_EQ(ScaleUpLimit(5, {}, {}, Rules("Disabled", {pods, percent}), kNow), 5);
  // Percent rounds up so a small workload can always grow.
  EXPECT_EQ(ScaleUpLimit(1, {}, {}, Rules("Max", {{"Percent", 10, 60}}), kNow), 2);
}

TEST(ScaleUpLimitTest, CountsFromTheStartOfThePeriod) {
  auto rules = Rules("Max", {{"Pods", 4, 60}, {"Percent", 100, 60}});
  // 3 pods were added 30 s ago: the period started at 2.
  std::vector<Event> up = {{3, kNow - seconds(30)}};
  EXPECT_EQ(ScaleUpLimit(5, up, {}, rules, kNow), 6);
  // Outside the period, they no longer count.
  up = {{3, kNow - seconds(90)}};
  EXPECT_EQ(ScaleUpLimit(5, up, {}, rules, kNow), 10);
  // Pods removed within the period raise the starting point.
  std::vector<Event> down = {{2, kNow - seconds(10)}};
  EXPECT_EQ(ScaleUpLimit(5, {}, down, rules, kNow), 14);
}

TEST(ScaleDownLimitTest, Policies) {
  auto percent = std::make_tuple(std::string("Percent"), 10, 60);
  auto pods = std::make_tuple(std::string("Pods"), 3, 60);
  EXPECT_EQ(ScaleDownLimit(10, {}, {}, Rules("Max", {percent}), kNow), 9);
  EXPECT_EQ(ScaleDownLimit(10, {}, {}, Rules("Max", {percent, pods}), kNow), 7);
  EXPECT_EQ(ScaleDownLimit(10, {}, {}, Rules("Min", {percent, pods}), kNow), 9);
  EXPECT_EQ(ScaleDownLimit(10, {}, {}, Rules("Disabled", {percent, pods}), kNow), 10);
  std::vector<Event> down = {{2, kNow - seconds(30)}};
  EXPECT_EQ(ScaleDownLimit(10, {}, down, Rules("Max", {percent}), kNow), 10);  // 12 * 0.9
  EXPECT_EQ(ScaleDownLimit(10, {}, down, Rules("Max", {pods}), kNow), 9);
}

TEST(EffectiveBehaviorTest, Defaults) {
  auto b = EffectiveBehavior({}, seconds(300));
  EXPECT_EQ(b.scale_up().stabilization_window_seconds(), 0);
  EXPECT_EQ(b.scale_up().select_policy(), "Max");
  ASSERT_EQ(b.scale_up().policies_size(), 2);
  EXPECT_EQ(b.scale_up().policies(0).type(), "Pods");
  EXPECT_EQ(b.scale_up().policies(0).value(), 4);
  EXPECT_EQ(b.scale_up().policies(1).type(), "Percent");
  EXPECT_EQ(b.scale_up().policies(1).value(), 100);
  EXPECT_EQ(b.scale_down().stabilization_window_seconds(), 300);
  ASSERT_EQ(b.scale_down().policies_size(), 1);
  EXPECT_EQ(b.scale_down().policies(0).period_seconds(), 15);

  api::HorizontalPodAutoscalerBehavior given;
  *given.mutable_scale_down() = Rules("Min", {{"Pods", 1, 60}});
  given.mutable_scale_up()->set_stabilization_window_seconds(30);
  b = EffectiveBehavior(given, seconds(5));
  EXPECT_EQ(b.scale_down().stabilization_window_seconds(), 5);  // the controller's default
  EXPECT_EQ(b.scale_down().select_policy(), "Min");
  ASSERT_EQ(b.scale_down().policies_size(), 1);
  EXPECT_EQ(b.scale_down().policies(0).type(), "Pods");
  EXPECT_EQ(b.scale_up().stabilization_window_seconds(), 30);
  EXPECT_EQ(b.scale_up().policies_size(), 2);
}

struct Case {
  std::string name;
  api::HorizontalPodAutoscalerBehavior behavior;
  std::vector<ScalingHistory::Recommendation> recommendations;
  std::vector<Event> up, down;
  int32_t current, desired, min, max;
  int32_t want;
  std::string able_reason;     // AbleToScale
  std::string limited_status;  // ScalingLimited
  std::string limited_reason;
};

api::HorizontalPodAutoscalerBehavior Behavior(api::HPAScalingRules up, api::HPAScalingRules down) {
  api::HorizontalPodAutoscalerBehavior b;
  *b.mutable_scale_up() = std::move(up);
  *b.mutable_scale_down() = std::move(down);
  return EffectiveBehavior(b, seconds(300));
}

api::HorizontalPodAutoscalerBehavior Default() {
  return EffectiveBehavior({}, seconds(300));
}

class WithBehaviorTest : public ::testing::TestWithParam<Case> {};

TEST_P(WithBehaviorTest, Normalizes) {
  const Case& c = GetParam();
  ScalingHistory h;
  h.recommendations = c.recommendations;
  h.scale_up_events = c.up;
  h.scale_down_events = c.down;
  Normalized n = NormalizeWithBehavior(h, c.behavior, c.current, c.desired, c.min, c.max, kNow);
  EXPECT_EQ(n.replicas, c.want);
  ASSERT_EQ(n.conditions.size(), 2u);
  EXPECT_EQ(n.conditions[0].type, "AbleToScale");
  EXPECT_EQ(n.conditions[0].status, "True");
  EXPECT_EQ(n.conditions[0].reason, c.able_reason);
  EXPECT_EQ(n.conditions[1].type, "ScalingLimited");
  EXPECT_EQ(n.conditions[1].status, c.limited_status);
  EXPECT_EQ(n.conditions[1].reason, c.limited_reason);
  // The unstabilized recommendation is remembered.
  bool recorded = false;
  for (const auto& r : h.recommendations)
    recorded |= r.replicas == c.desired && r.at == kNow;
  EXPECT_TRUE(recorded);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WithBehaviorTest,
    ::testing::Values(
        // A higher recommendation 100 s ago holds a scale-down (300 s window).
        Case{"ScaleDownStabilized",
             Default(),
             {{5, kNow - seconds(100)}},
             {},
             {},
             5,
             2,
             1,
             10,
             5,
             "ScaleDownStabilized",
             "False",
             "DesiredWithinRange"},
        // Once it is older than the window, the scale-down goes ahead.
        Case{"ScaleDownAfterWindow",
             Default(),
             {{5, kNow - seconds(301)}},
             {},
             {},
             5,
             2,
             1,
             10,
             2,
             "ReadyForNewScale",
             "False",
             "DesiredWithinRange"},
        // The highest recent recommendation in the window is the one used.
        Case{"ScaleDownToHighestRecent",
             Default(),
             {{4, kNow - seconds(200)}, {3, kNow - seconds(10)}, {9, kNow - seconds(400)}},
             {},
             {},
             5,
             1,
             1,
             10,
             4,
             "ScaleDownStabilized",
             "False",
             "DesiredWithinRange"},
        // Scale-up rate: 2 pods per minute.
        Case{"ScaleUpLimit",
             Behavior(Rules("Max", {{"Pods", 2, 60}}), {}),
             {},
             {},
             {},
             3,
             10,
             1,
             20,
             5,
             "ReadyForNewScale",
             "True",
             "ScaleUpLimit"},
        // maxReplicas binds before the rate does.
        Case{"TooManyReplicas",
             Default(),
             {},
             {},
             {},
             3,
             10,
             1,
             4,
             4,
             "ReadyForNewScale",
             "True",
             "TooManyReplicas"},
        // Earlier scale-ups in the period use up the allowance.
        Case{"ScaleUpAllowanceUsed",
             Behavior(Rules("Max", {{"Pods", 2, 60}}), {}),
             {},
             {{2, kNow - seconds(20)}},
             {},
             5,
             10,
             1,
             20,
             5,
             "ReadyForNewScale",
             "True",
             "ScaleUpLimit"},
        // A scale-up stabilization window holds back on a brief spike.
        Case{"ScaleUpStabilized",
             Behavior(Rules("Max", {{"Percent", 100, 15}}, 60), {}),
             {{3, kNow - seconds(30)}},
             {},
             {},
             3,
             6,
             1,
             10,
             3,
             "ScaleUpStabilized",
             "False",
             "DesiredWithinRange"},
        // Scale-down rate: 10% per minute, rounded down from 10 -> 9.
        Case{"ScaleDownLimit",
             Behavior({}, Rules("Max", {{"Percent", 10, 60}}, 0)),
             {},
             {},
             {},
             10,
             2,
             1,
             20,
             9,
             "ReadyForNewScale",
             "True",
             "ScaleDownLimit"},
        // minReplicas binds before the rate does.
        Case{"TooFewReplicas",
             Behavior({}, Rules("Max", {{"Percent", 100, 15}}, 0)),
             {},
             {},
             {},
             4,
             1,
             2,
             20,
             2,
             "ReadyForNewScale",
             "True",
             "TooFewReplicas"},
        // selectPolicy Disabled: no scale-down at all.
        Case{"ScaleDownDisabled",
             Behavior({}, Rules("Disabled", {{"Percent", 100, 15}}, 0)),
             {},
             {},
             {},
             6,
             2,
             1,
             20,
             6,
             "ReadyForNewScale",
             "True",
             "ScaleDownLimit"},
        Case{"ScaleUpDisabled",
             Behavior(Rules("Disabled", {{"Pods", 4, 15}}), {}),
             {},
             {},
             {},
             2,
             6,
             1,
             20,
             2,
             "ReadyForNewScale",
             "True",
             "ScaleUpLimit"},
        Case{"NoChange",
             Default(),
             {},
             {},
             {},
             3,
             3,
             1,
             10,
             3,
             "ReadyForNewScale",
             "False",
             "DesiredWithinRange"}),
    [](const auto& info) { return info.param.name; });

struct LegacyCase {
  std::string name;
  std::vector<ScalingHistory::Recommendation> recommendations;
  int32_t current, desired, min, max;
  int32_t want;
  std::string able_reason;
  std::string limited_status;
  std::string limited_reason;
};

class LegacyTest : public ::testing::TestWithParam<LegacyCase> {};

TEST_P(LegacyTest, Normalizes) {
  const LegacyCase& c = GetParam();
  ScalingHistory h;
  h.recommendations = c.recommendations;
  Normalized n = NormalizeLegacy(h, seconds(300), c.current, c.desired, c.min, c.max, kNow);
  EXPECT_EQ(n.replicas, c.want);
  ASSERT_EQ(n.conditions.size(), 2u);
  EXPECT_EQ(n.conditions[0].reason, c.able_reason);
  EXPECT_EQ(n.conditions[1].status, c.limited_status);
  EXPECT_EQ(n.conditions[1].reason, c.limited_reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LegacyTest,
    ::testing::Values(
        // Scale-up is capped at max(2 x current, 4).
        LegacyCase{"ScaleUpLimit", {}, 3, 10, 1, 20, 6, "ReadyForNewScale", "True", "ScaleUpLimit"},
        LegacyCase{"ScaleUpLimitMinimumFour",
                   {},
                   1,
                   10,
                   1,
                   20,
                   4,
                   "ReadyForNewScale",
                   "True",
                   "ScaleUpLimit"},
        LegacyCase{
            "TooManyReplicas", {}, 1, 10, 1, 3, 3, "ReadyForNewScale", "True", "TooManyReplicas"},
        LegacyCase{
            "TooFewReplicas", {}, 2, 0, 1, 3, 1, "ReadyForNewScale", "True", "TooFewReplicas"},
        LegacyCase{"ScaleDownStabilized",
                   {{5, kNow - seconds(60)}},
                   5,
                   2,
                   1,
                   10,
                   5,
                   "ScaleDownStabilized",
                   "False",
                   "DesiredWithinRange"},
        LegacyCase{"ScaleDownAfterWindow",
                   {{5, kNow - seconds(301)}},
                   5,
                   2,
                   1,
                   10,
                   2,
                   "ReadyForNewScale",
                   "False",
                   "DesiredWithinRange"}),
    [](const auto& info) { return info.param.name; });

TEST(ScalingHistoryTest, InitialRecommendationAndEventReuse) {
  ScalingHistory h;
  h.RecordInitial(4, kNow - seconds(10));
  h.RecordInitial(7, kNow);  // only the first counts
  ASSERT_EQ(h.recommendations.size(), 1u);
  EXPECT_EQ(h.recommendations[0].replicas, 4);

  auto b = Behavior(Rules("Max", {{"Pods", 4, 60}}), Rules("Max", {{"Pods", 4, 60}}, 0));
  h.RecordScale(b, 2, 5, kNow - seconds(100));
  h.RecordScale(b, 5, 6, kNow);  // the old event (past the longest period) is reused
  ASSERT_EQ(h.scale_up_events.size(), 1u);
  EXPECT_EQ(h.scale_up_events[0].change, 1);
  h.RecordScale(b, 6, 3, kNow);
  ASSERT_EQ(h.scale_down_events.size(), 1u);
  EXPECT_EQ(h.scale_down_events[0].change, 3);
  h.RecordScale(b, 3, 3, kNow);  // no change, no event
  EXPECT_EQ(h.scale_up_events.size() + h.scale_down_events.size(), 2u);
}

TEST(ScalingHistoryTest, ScaleDownPolicyCountsRecentScaleDowns) {
  // 20% per minute from 10: 8 now; after removing 2, the period started at
  // 10 again, so no more until the minute is over.
  auto b = Behavior({}, Rules("Max", {{"Percent", 20, 60}}, 0));
  ScalingHistory h;
  Normalized first = NormalizeWithBehavior(h, b, 10, 1, 1, 10, kNow);
  EXPECT_EQ(first.replicas, 8);
  h.RecordScale(b, 10, 8, kNow);
  Normalized second = NormalizeWithBehavior(h, b, 8, 1, 1, 10, kNow + seconds(30));
  EXPECT_EQ(second.replicas, 8);
  EXPECT_EQ(second.conditions[1].reason, "ScaleDownLimit");
  Normalized third = NormalizeWithBehavior(h, b, 8, 1, 1, 10, kNow + seconds(61));
  EXPECT_EQ(third.replicas, 6);  // the period starts at 8 now: floor(8 * 0.8)
}

}  // namespace
}  // namespace skiff::autoscaler
