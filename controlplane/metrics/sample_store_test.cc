#include "controlplane/metrics/sample_store.h"

#include <gtest/gtest.h>

namespace skiff::metrics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;

struct Clocks {
  WallClock::time_point wall = WallClock::now();
  SampleStore::SteadyClock::time_point mono = SampleStore::SteadyClock::now();
  void Advance(std::chrono::milliseconds d) {
    wall += d;
    mono += d;
  }
};

ContainerSummary Container(const std::string& name, int64_t cpu_ns, int64_t mem,
                           int64_t start = 1000) {
  ContainerSummary c;
  c.name = name;
  c.start_time_unix_ns = start;
  c.usage.cpu_usage_core_ns = cpu_ns;
  c.usage.memory_working_set_bytes = mem;
  return c;
}

NodeSummary Summary(int64_t node_cpu, std::vector<PodSummary> pods) {
  NodeSummary s;
  s.node_name = "n1";
  s.usage.cpu_usage_core_ns = node_cpu;
  s.usage.memory_working_set_bytes = 8 << 20;
  s.pods = std::move(pods);
  return s;
}

PodSummary Pod(const std::string& name, std::vector<ContainerSummary> containers,
               const std::string& ns = "default") {
  return PodSummary{ns, name, "uid-" + name, std::move(containers)};
}

TEST(CpuRateTest, Rates) {
  EXPECT_EQ(CpuRate(0, kSecond, seconds(1)), kSecond);
  EXPECT_EQ(CpuRate(kSecond, 2 * kSecond, seconds(4)), kSecond / 4);
  EXPECT_EQ(CpuRate(5, 4, seconds(1)), std::nullopt);
  EXPECT_EQ(CpuRate(0, 1, std::chrono::nanoseconds(0)), std::nullopt);
  // 64 cores busy for a day does not overflow.
  int64_t day = 86400;
  EXPECT_EQ(CpuRate(0, 64 * day * kSecond, seconds(day)), 64 * kSecond);
}

TEST(SampleStoreTest, RatesNeedTwoScrapes) {
  SampleStore store(seconds(60));
  Clocks t;
  store.Record("n1", Summary(10 * kSecond, {Pod("web", {Container("main", kSecond, 100)})}), t.wall,
               t.mono);
  EXPECT_TRUE(store.Pods("", t.wall).empty());
  EXPECT_TRUE(store.Nodes(t.wall).empty());
  t.Advance(seconds(10));
  store.Record("n1", Summary(30 * kSecond, {Pod("web", {Container("main", 6 * kSecond, 200)})}),
               t.wall, t.mono);
  auto pods = store.Pods("", t.wall);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].name, "web");
  EXPECT_EQ(pods[0].window, seconds(10));
  EXPECT_EQ(pods[0].timestamp, t.wall);
  ASSERT_EQ(pods[0].containers.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].cpu_nanocores, kSecond / 2);  // 5 s of CPU in 10 s
  EXPECT_EQ(pods[0].containers[0].memory_bytes, 200);
  auto nodes = store.Nodes(t.wall);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].cpu_nanocores, 2 * kSecond);
  EXPECT_EQ(nodes[0].memory_bytes, 8 << 20);
}

TEST(SampleStoreTest, RestartedOrIncompletePodsAreLeftOut) {
  SampleStore store(seconds(60));
  Clocks t;
  auto first = Summary(0, {Pod("restarted", {Container("main", 5 * kSecond, 1, 1000)}),
                           Pod("reset", {Container("main", 5 * kSecond, 1)}),
                           Pod("partial", {Container("a", kSecond, 1), Container("b", kSecond, 1)}),
                           Pod("nomem", {Container("main", kSecond, 1)}),
                           Pod("ok", {Container("main", kSecond, 1)})});
  store.Record("n1", first, t.wall, t.mono);
  t.Advance(seconds(1));
  PodSummary nomem = Pod("nomem", {Container("main", 2 * kSecond, 1)});
  nomem.containers[0].usage.memory_working_set_bytes.reset();
  auto second = Summary(
      kSecond, {Pod("restarted", {Container("main", 6 * kSecond, 1, 2000)}),
                Pod("reset", {Container("main", kSecond, 1)}),
                Pod("partial", {Container("a", 2 * kSecond, 1), Container("c", 2 * kSecond, 1)}),
                nomem, Pod("ok", {Container("main", 2 * kSecond, 1)})});
  store.Record("n1", second, t.wall, t.mono);
  auto pods = store.Pods("", t.wall);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].name, "ok");
  // Next round, the restarted container has a baseline again.
  t.Advance(seconds(1));
  store.Record("n1",
               Summary(2 * kSecond, {Pod("restarted", {Container("main", 7 * kSecond, 1, 2000)})}),
               t.wall, t.mono);
  pods = store.Pods("", t.wall);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].name, "restarted");
  EXPECT_EQ(pods[0].containers[0].cpu_nanocores, kSecond);
}

TEST(SampleStoreTest, StaleFiguresAndGoneNodesAreNotServed) {
  SampleStore store(seconds(30));
  Clocks t;
  auto s = [](int64_t cpu) {
    return Summary(cpu, {Pod("web", {Container("main", cpu, 1)}, "shop")});
  };
  store.Record("n1", s(0), t.wall, t.mono);
  t.Advance(seconds(5));
  store.Record("n1", s(kSecond), t.wall, t.mono);
  EXPECT_EQ(store.Pods("shop", t.wall).size(), 1u);
  EXPECT_EQ(store.Pods("other", t.wall).size(), 0u);
  EXPECT_EQ(store.Pods("shop", t.wall + seconds(31)).size(), 0u);
  EXPECT_EQ(store.Nodes(t.wall + seconds(31)).size(), 0u);
  store.Retain({"n2"});
  EXPECT_EQ(store.node_count(), 0u);
  EXPECT_TRUE(store.Pods("", t.wall).empty());
}

TEST(SampleStoreTest, ARecreatedPodOnAnotherNodeReportsTheNewerSample) {
  SampleStore store(seconds(60));
  Clocks t;
  auto on = [](const std::string& node, int64_t cpu) {
    NodeSummary s = Summary(cpu, {Pod("db-0", {Container("main", cpu, 1)})});
    s.node_name = node;
    return s;
  };
  store.Record("a", on("a", 0), t.wall, t.mono);
  t.Advance(seconds(1));
  store.Record("a", on("a", kSecond), t.wall, t.mono);
  t.Advance(seconds(1));
  store.Record("b", on("b", 0), t.wall, t.mono);
  t.Advance(seconds(1));
  store.Record("b", on("b", 3 * kSecond), t.wall, t.mono);
  auto pods = store.Pods("default", t.wall);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].cpu_nanocores, 3 * kSecond);
}

}  // namespace
}  // namespace skiff::metrics
