#include "controlplane/controllers/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace skiff::controllers {
namespace {

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
}

TEST(WorkQueue, KeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue q;
  q.Add("a");
  auto k = q.Get();
  q.Add("a");  // while processing
  EXPECT_EQ(q.size(), 0u);
  q.Done(*k);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(*q.Get(), "a");
}

TEST(WorkQueue, DelayedKeysArriveLater) {
  WorkQueue q;
  auto start = std::chrono::steady_clock::now();
  q.AddAfter("late", std::chrono::milliseconds(50));
  q.Add("now");
  EXPECT_EQ(*q.Get(), "now");
  EXPECT_EQ(*q.Get(), "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(WorkQueue, ShutDownWakesGetters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_FALSE(q.Get().has_value()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.ShutDown();
  t.join();
}

}  // namespace
}  // namespace skiff::controllers
