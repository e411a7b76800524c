#include "node/pod/backoff.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(CrashBackoffTest, ImmediateThenDoublingUpToMax) {
  CrashBackoff b(seconds(10), seconds(40));
  auto t0 = CrashBackoff::Clock::time_point() + std::chrono::hours(1000);
  // First crash: restart right away.
  EXPECT_EQ(b.Remaining("p/c", t0, t0).count(), 0);
  b.Next("p/c", t0, t0);
  EXPECT_EQ(b.Current("p/c", t0), seconds(10));
  // Second crash 1 s later: wait 10 s from that crash.
  auto t1 = t0 + seconds(1);
  EXPECT_EQ(b.Remaining("p/c", t1, t1), seconds(10));
  EXPECT_EQ(b.Remaining("p/c", t1, t1 + seconds(4)), seconds(6));
  EXPECT_EQ(b.Remaining("p/c", t1, t1 + seconds(10)).count(), 0);
  b.Next("p/c", t1, t1 + seconds(10));
  EXPECT_EQ(b.Current("p/c", t1 + seconds(10)), seconds(20));
  b.Next("p/c", t1, t1 + seconds(30));
  b.Next("p/c", t1, t1 + seconds(30));
  EXPECT_EQ(b.Current("p/c", t1 + seconds(30)), seconds(40));  // capped
  // Other keys are independent.
  EXPECT_EQ(b.Remaining("p/other", t1, t1).count(), 0);
}

TEST(CrashBackoffTest, ForgottenAfterTwiceTheMaximumOfQuiet) {
  CrashBackoff b(seconds(10), seconds(40));
  auto t0 = CrashBackoff::Clock::time_point() + std::chrono::hours(1000);
  b.Next("p/c", t0, t0);
  b.Next("p/c", t0, t0);
  auto later = t0 + seconds(81);
  EXPECT_EQ(b.Current("p/c", later).count(), 0);
  EXPECT_EQ(b.Remaining("p/c", later, later).count(), 0);
  b.Next("p/c", later, later);
  EXPECT_EQ(b.Current("p/c", later), seconds(10));
}

TEST(CrashBackoffTest, ForgetPodDropsItsContainers) {
  CrashBackoff b(seconds(10), seconds(40));
  auto t0 = CrashBackoff::Clock::time_point() + std::chrono::hours(1000);
  b.Next("uid1/a", t0, t0);
  b.Next("uid1/b", t0, t0);
  b.Next("uid10/a", t0, t0);
  b.ForgetPod("uid1");
  EXPECT_EQ(b.Current("uid1/a", t0).count(), 0);
  EXPECT_EQ(b.Current("uid1/b", t0).count(), 0);
  EXPECT_EQ(b.Current("uid10/a", t0), seconds(10));
}

TEST(FormatGoDurationTest, LikeGo) {
  EXPECT_EQ(FormatGoDuration(seconds(10)), "10s");
  EXPECT_EQ(FormatGoDuration(seconds(80)), "1m20s");
  EXPECT_EQ(FormatGoDuration(seconds(300)), "5m0s");
  EXPECT_EQ(FormatGoDuration(seconds(3661)), "1h1m1s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(250)), "250ms");
}

}  // namespace
}  // namespace skiff::node
