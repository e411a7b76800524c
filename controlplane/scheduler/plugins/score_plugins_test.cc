// Score plugins: NodeResourcesFit (LeastAllocated), NodeResourcesBalancedAllocation,
// TaintToleration (PreferNoSchedule), NodeAffinity (preferred terms).
#include <gtest/gtest.h>

#include "controlplane/scheduler/plugins/balanced_allocation.h"
#include "controlplane/scheduler/plugins/node_affinity.h"
#include "controlplane/scheduler/plugins/node_resources_fit.h"
#include "controlplane/scheduler/plugins/taint_toleration.h"
#include "controlplane/scheduler/testing/builders.h"
#include "controlplane/scheduler/testing/plugin_harness.h"

namespace skiff::scheduler {
namespace {

using testing::NodeBuilder;
using testing::PodBuilder;
using testing::RunScore;
using Scores = std::map<std::string, int64_t>;

TEST(LeastAllocatedScore, FreeCapacityAfterPlacingThePod) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("busy", "4", "8Gi").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("idle", "4", "8Gi").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("no-alloc", "").Build()).ok());
  cache.AddPod(PodBuilder("a").Req("1", "2Gi").Info(), "busy");
  NodeResourcesFit plugin;
  EXPECT_EQ(RunScore(plugin, *PodBuilder("p").Req("1", "2Gi").Info(), cache),
            (Scores{{"busy", 50}, {"idle", 75}, {"no-alloc", 0}}));
  // A pod without requests counts as 100m / 200Mi for scoring.
  EXPECT_EQ(RunScore(plugin, *PodBuilder("q").Info(), cache, {"idle"}), (Scores{{"idle", 97}}));
  EXPECT_EQ(LeastRequestedScore(5, 4), 0);
  EXPECT_EQ(LeastRequestedScore(1, 0), 0);
}

TEST(BalancedAllocationScore, EvenCpuAndMemoryUseScoresHigher) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("even", "4", "8Gi").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("skewed", "4", "8Gi").Build()).ok());
  cache.AddPod(PodBuilder("a").Req("2", "1Gi").Info(), "skewed");
  BalancedAllocation plugin;
  // even: cpu 1/4, memory 1/8 -> 1 - 0.0625; skewed: 3/4 vs 2/8 -> 1 - 0.25.
  EXPECT_EQ(RunScore(plugin, *PodBuilder("p").Req("1", "1Gi").Info(), cache),
            (Scores{{"even", 93}, {"skewed", 75}}));
  EXPECT_TRUE(RunScore(plugin, *PodBuilder("best-effort").Info(), cache).empty());
}

TEST(TaintTolerationScore, FewerUntoleratedPreferNoScheduleTaints) {
  Cache cache;
  ASSERT_TRUE(cache
                  .UpsertNode(NodeBuilder("two")
                                  .Taint("a", "1", "PreferNoSchedule")
                                  .Taint("b", "1", "PreferNoSchedule")
                                  .Build())
                  .ok());
  ASSERT_TRUE(
      cache.UpsertNode(NodeBuilder("one").Taint("a", "1", "PreferNoSchedule").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("none").Build()).ok());
  TaintToleration plugin;
  EXPECT_EQ(RunScore(plugin, *PodBuilder("p").Info(), cache),
            (Scores{{"two", 0}, {"one", 50}, {"none", 100}}));
  // Tolerating "b" leaves one untolerated taint on both tainted nodes.
  EXPECT_EQ(
      RunScore(plugin, *PodBuilder("q").Toleration("b", "Exists", "", "PreferNoSchedule").Info(),
               cache),
      (Scores{{"two", 0}, {"one", 0}, {"none", 100}}));
  // Without any PreferNoSchedule taint every node scores the maximum.
  Cache plain;
  ASSERT_TRUE(plain.UpsertNode(NodeBuilder("x").Build()).ok());
  EXPECT_EQ(RunScore(plugin, *PodBuilder("p").Info(), plain), (Scores{{"x", 100}}));
}

TEST(NodeAffinityScore, SumOfMatchingPreferredWeights) {
  Cache cache;
  ASSERT_TRUE(
      cache.UpsertNode(NodeBuilder("both").Label("zone", "a").Label("gen", "5").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("zone").Label("zone", "a").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("neither").Build()).ok());
  PodBuilder p("p");
  auto* na = p.spec().mutable_affinity()->mutable_node_affinity();
  auto add = [&](int32_t weight, const std::string& key, const std::string& op,
                 std::vector<std::string> values) {
    auto* t = na->add_preferred_during_scheduling_ignored_during_execution();
    t->set_weight(weight);
    auto* r = t->mutable_preference()->add_match_expressions();
    r->set_key(key);
    r->set_operator_(op);
    for (auto& v : values)
      r->add_values(v);
  };
  add(2, "zone", "In", {"a"});
  add(3, "gen", "Exists", {});
  add(0, "zone", "Exists", {});  // zero weight: ignored
  NodeAffinity plugin;
  EXPECT_EQ(RunScore(plugin, *p.Info(), cache),
            (Scores{{"both", 100}, {"zone", 40}, {"neither", 0}}));
  EXPECT_TRUE(RunScore(plugin, *PodBuilder("plain").Info(), cache).empty());
}

}  // namespace
}  // namespace skiff::scheduler
