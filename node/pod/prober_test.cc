#include "node/pod/prober.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace skiff::node {
namespace {

using namespace std::chrono_literals;

TEST(ProbeTrackerTest, InitialResults) {
  EXPECT_EQ(ProbeTracker(ProbeTracker::Kind::kLiveness, 1, 3).reported(), true);
  EXPECT_EQ(ProbeTracker(ProbeTracker::Kind::kReadiness, 1, 3).reported(), false);
  EXPECT_FALSE(ProbeTracker(ProbeTracker::Kind::kStartup, 1, 3).reported().has_value());
}

TEST(ProbeTrackerTest, Thresholds) {
  ProbeTracker live(ProbeTracker::Kind::kLiveness, 1, 3);
  EXPECT_FALSE(live.Observe(false));
  EXPECT_FALSE(live.Observe(false));
  EXPECT_EQ(live.reported(), true);
  EXPECT_TRUE(live.Observe(false));  // third in a row
  EXPECT_EQ(live.reported(), false);
  // A success in between resets the run.
  ProbeTracker flaky(ProbeTracker::Kind::kLiveness, 1, 2);
  flaky.Observe(false);
  flaky.Observe(true);
  flaky.Observe(false);
  EXPECT_EQ(flaky.reported(), true);

  ProbeTracker ready(ProbeTracker::Kind::kReadiness, 2, 1);
  EXPECT_FALSE(ready.Observe(true));
  EXPECT_TRUE(ready.Observe(true));
  EXPECT_EQ(ready.reported(), true);
  EXPECT_FALSE(ready.Observe(true));  // unchanged
  EXPECT_TRUE(ready.Observe(false));
  EXPECT_EQ(ready.reported(), false);
}

TEST(ProberTest, RunsPeriodicallyAfterTheDelayAndStopsOnCancel) {
  Prober prober(2);
  std::atomic<int> runs{0};
  auto start = std::chrono::steady_clock::now();
  std::atomic<int64_t> first_ms{-1};
  uint64_t id = prober.Schedule(100ms, 20ms, [&] {
    if (runs++ == 0) {
      first_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    }
  });
  for (int i = 0; i < 200 && runs < 5; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_GE(runs.load(), 5);
  EXPECT_GE(first_ms.load(), 100);
  prober.Cancel(id);
  std::this_thread::sleep_for(50ms);
  int after = runs.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(runs.load(), after);
}

TEST(ProberTest, ASlowTaskDoesNotOverlapItselfOrBlockOthers) {
  Prober prober(2);
  std::atomic<int> concurrent{0}, max_concurrent{0}, fast{0};
  prober.Schedule(0ms, 1ms, [&] {
    int c = ++concurrent;
    max_concurrent = std::max(max_concurrent.load(), c);
    std::this_thread::sleep_for(50ms);
    --concurrent;
  });
  prober.Schedule(0ms, 5ms, [&] { ++fast; });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(max_concurrent.load(), 1);
  EXPECT_GE(fast.load(), 10);
}

}  // namespace
}  // namespace skiff::node
