#include "controlplane/scheduler/queue.h"

#include <gtest/gtest.h>

#include "controlplane/scheduler/testing/builders.h"

namespace skiff::scheduler {
namespace {

using testing::PodBuilder;
using Clock = SchedulingQueue::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

PodInfoPtr Pod(const std::string& name, int32_t priority = 0) {
  PodBuilder p(name);
  if (priority) p.spec().set_priority(priority);
  return p.Info();
}

std::string PopName(SchedulingQueue& q) {
  auto p = q.Pop();
  return p ? p->pod->name() : "";
}

TEST(SchedulingQueueTest, PriorityThenArrivalOrder) {
  SchedulingQueue q;
  auto t = Clock::now();
  q.AddOrUpdate(Pod("low-1"), false, t);
  q.AddOrUpdate(Pod("high", 100), false, t + milliseconds(1));
  q.AddOrUpdate(Pod("low-2"), false, t + milliseconds(2));
  EXPECT_EQ(PopName(q), "high");
  EXPECT_EQ(PopName(q), "low-1");
  EXPECT_EQ(PopName(q), "low-2");
  EXPECT_EQ(PopName(q), "");
  EXPECT_EQ(q.in_flight(), 3u);
}

TEST(SchedulingQueueTest, BackoffDoublesUpToTheMaximum) {
  SchedulingQueue q;
  EXPECT_EQ(q.BackoffDuration(1), seconds(1));
  EXPECT_EQ(q.BackoffDuration(2), seconds(2));
  EXPECT_EQ(q.BackoffDuration(4), seconds(8));
  EXPECT_EQ(q.BackoffDuration(5), seconds(10));
  EXPECT_EQ(q.BackoffDuration(50), seconds(10));
}

TEST(SchedulingQueueTest, UnschedulableWaitsForAnEventItsRejectorsCareAbout) {
  SchedulingQueue q;
  auto t = Clock::now();
  q.AddOrUpdate(Pod("p"), false, t);
  ASSERT_EQ(PopName(q), "p");
  q.Unschedulable("uid-default-p", Bit(PluginId::kNodeResourcesFit), t);
  EXPECT_EQ(q.unschedulable(), 1u);
  q.Tick(t + seconds(20));
  EXPECT_EQ(q.active(), 0u) << "no event, no retry before the leftover flush";
  q.MoveOnEvent(Bit(PluginId::kTaintToleration), t + seconds(20));
  EXPECT_EQ(q.unschedulable(), 1u) << "taint changes cannot free cpu";
  // Within the back-off the pod goes to backoff, after it straight to active.
  q.MoveOnEvent(Bit(PluginId::kNodeResourcesFit), t + milliseconds(500));
  EXPECT_EQ(q.backing_off(), 1u);
  q.Tick(t + milliseconds(999));
  EXPECT_EQ(q.active(), 0u);
  q.Tick(t + milliseconds(1000));
  EXPECT_EQ(PopName(q), "p");
  q.Unschedulable("uid-default-p", Bit(PluginId::kNodeResourcesFit), t + seconds(5));
  q.MoveOnEvent(kAllPlugins, t + seconds(30));
  EXPECT_EQ(q.active(), 1u);
}

TEST(SchedulingQueueTest, ErrorsAndBindFailuresBackOff) {
  SchedulingQueue q;
  auto t = Clock::now();
  q.AddOrUpdate(Pod("p"), false, t);
  PopName(q);
  q.Unschedulable("uid-default-p", 0, t);
  EXPECT_EQ(q.backing_off(), 1u);
  EXPECT_EQ(q.NextWakeup(), t + seconds(1));
  q.Tick(t + seconds(1));
  ASSERT_EQ(PopName(q), "p");  // attempt 2
  q.Backoff("uid-default-p", t + seconds(1));
  q.Tick(t + milliseconds(2999));
  EXPECT_EQ(q.active(), 0u);
  q.Tick(t + seconds(3));
  EXPECT_EQ(q.active(), 1u);
}

TEST(SchedulingQueueTest, LeftoverUnschedulablePodsAreRetried) {
  SchedulingQueue q(
      {.max_in_unschedulable = seconds(60), .unschedulable_flush_interval = seconds(1)});
  auto t = Clock::now();
  q.AddOrUpdate(Pod("p"), false, t);
  PopName(q);
  q.Unschedulable("uid-default-p", Bit(PluginId::kNodeAffinity), t);
  q.Tick(t + seconds(59));
  EXPECT_EQ(q.unschedulable(), 1u);
  q.Tick(t + seconds(61));
  EXPECT_EQ(q.active(), 1u);
}

TEST(SchedulingQueueTest, UpdatesDeletesAndGates) {
  SchedulingQueue q;
  auto t = Clock::now();
  q.AddOrUpdate(Pod("p"), false, t);
  PopName(q);
  q.Unschedulable("uid-default-p", Bit(PluginId::kNodeAffinity), t);
  q.AddOrUpdate(Pod("p"), /*changed=*/false, t + seconds(5));  // e.g. our status write
  EXPECT_EQ(q.unschedulable(), 1u);
  q.AddOrUpdate(Pod("p"), /*changed=*/true, t + seconds(5));
  EXPECT_EQ(q.active(), 1u);
  q.Delete("uid-default-p");
  EXPECT_EQ(q.active(), 0u);
  EXPECT_FALSE(q.Contains("uid-default-p"));
  q.Done("uid-default-p");  // unknown: no-op

  PodBuilder gated("g");
  gated.spec().add_scheduling_gates()->set_name("wait");
  q.AddOrUpdate(gated.Info(), false, t);
  EXPECT_EQ(q.gated(), 1u);
  EXPECT_EQ(PopName(q), "");
  q.AddOrUpdate(Pod("g"), true, t);
  EXPECT_EQ(q.gated(), 0u);
  EXPECT_EQ(PopName(q), "g");

  // Changed while in flight: a failure goes through back-off, not the unschedulable set.
  q.AddOrUpdate(Pod("g"), true, t);
  q.Unschedulable("uid-default-g", Bit(PluginId::kNodeAffinity), t);
  EXPECT_EQ(q.backing_off(), 1u);
  EXPECT_EQ(q.unschedulable(), 0u);
}

}  // namespace
}  // namespace skiff::scheduler
