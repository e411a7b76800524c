// The scheduling cycle: why an unschedulable pod is unschedulable (kube-scheduler's FitError
// wording), node sampling, round robin, scoring and tie breaking.
#include "controlplane/scheduler/algorithm.h"

#include <gtest/gtest.h>

#include <set>

#include "controlplane/scheduler/fit_error.h"
#include "controlplane/scheduler/testing/builders.h"

namespace skiff::scheduler {
namespace {

using testing::NodeBuilder;
using testing::PodBuilder;
using Kind = ScheduleOutcome::Kind;

TEST(FitErrorMessageTest, KubeSchedulerWording) {
  EXPECT_EQ(FitErrorMessage(
                3, "",
                {{"Insufficient cpu", 1},
                 {"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", 2}}),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }.");
  // Sorted as strings, so "10 ..." comes before "2 ...".
  EXPECT_EQ(FitErrorMessage(12, "", {{"b", 2}, {"a", 10}}), "0/12 nodes are available: 10 a, 2 b.");
  EXPECT_EQ(FitErrorMessage(5, "pod affinity terms conflict", {{"x", 1}}),
            "0/5 nodes are available: pod affinity terms conflict.");
}

TEST(AlgorithmTest, UnschedulablePodSaysWhyPerReasonAndNodeCount) {
  Cache cache;
  const std::string cp = "node-role.kubernetes.io/control-plane";
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("cp-1").Taint(cp, "", "NoSchedule").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("cp-2").Taint(cp, "", "NoSchedule").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("worker", "1", "1Gi").Build()).ok());
  Algorithm algo({.seed = 1});
  auto out = algo.Schedule(*PodBuilder("big").Req("2").Info(), cache);
  EXPECT_EQ(out.kind, Kind::kUnschedulable);
  EXPECT_EQ(out.message,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }.");
  EXPECT_EQ(out.rejected_by, Bit(PluginId::kTaintToleration) | Bit(PluginId::kNodeResourcesFit));
  EXPECT_EQ(out.evaluated_nodes, 3u);
}

TEST(AlgorithmTest, PodBiggerThanEveryNode) {
  Cache cache;
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(cache.UpsertNode(NodeBuilder("n" + std::to_string(i), "4", "8Gi").Build()).ok());
  Algorithm algo;
  auto out = algo.Schedule(*PodBuilder("huge").Req("100", "1Ti").Info(), cache);
  EXPECT_EQ(out.kind, Kind::kUnschedulable);
  EXPECT_EQ(out.message, "0/4 nodes are available: 4 Insufficient cpu, 4 Insufficient memory.");
}

TEST(AlgorithmTest, MixedReasonsFirstFailingPluginDecides) {
  Cache cache;
  ASSERT_TRUE(
      cache.UpsertNode(NodeBuilder("cordoned").Unschedulable().Taint("a", "", "NoSchedule").Build())
          .ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("wrong-zone").Label("zone", "b").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("small", "100m").Label("zone", "a").Build()).ok());
  ASSERT_TRUE(
      cache.UpsertNode(NodeBuilder("full", "4", "8Gi", "1").Label("zone", "a").Build()).ok());
  cache.AddPod(PodBuilder("x").Info(), "full");
  Algorithm algo;
  auto out = algo.Schedule(*PodBuilder("p").Req("1").NodeSelector("zone", "a").Info(), cache);
  EXPECT_EQ(out.kind, Kind::kUnschedulable);
  EXPECT_EQ(out.message,
            "0/4 nodes are available: 1 Insufficient cpu, 1 Too many pods, 1 node(s) didn't match "
            "Pod's node affinity/selector, 1 node(s) were unschedulable.");
}

TEST(AlgorithmTest, NoNodes) {
  Cache cache;
  Algorithm algo;
  auto out = algo.Schedule(*PodBuilder("p").Info(), cache);
  EXPECT_EQ(out.kind, Kind::kUnschedulable);
  EXPECT_EQ(out.message, "no nodes available to schedule pods");
  EXPECT_EQ(out.rejected_by, kAllPlugins);
}

TEST(AlgorithmTest, NodeNameAffinityRestrictsCandidates) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("a").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("b").Taint("k", "v", "NoSchedule").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("c").Build()).ok());
  // matchFields take one value each (as Kubernetes validates); terms are ORed.
  PodBuilder p("p");
  auto* required = p.spec()
                       .mutable_affinity()
                       ->mutable_node_affinity()
                       ->mutable_required_during_scheduling_ignored_during_execution();
  api::NodeSelectorRequirement* r = nullptr;
  for (const char* name : {"b", "missing"}) {
    auto* f = required->add_node_selector_terms()->add_match_fields();
    f->set_key("metadata.name");
    f->set_operator_("In");
    f->add_values(name);
    if (!r) r = f;
  }
  Algorithm algo;
  auto out = algo.Schedule(*p.Info(), cache);
  EXPECT_EQ(out.kind, Kind::kUnschedulable);
  EXPECT_EQ(out.message,
            "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 node(s) didn't "
            "satisfy plugin(s) [NodeAffinity].");
  r->set_values(0, "c");
  out = algo.Schedule(*p.Info(), cache);
  EXPECT_EQ(out.kind, Kind::kScheduled) << out.message;
  EXPECT_EQ(out.node, "c");
  EXPECT_EQ(out.evaluated_nodes, 1u);
}

TEST(AlgorithmTest, PreFilterRejectionStandsAlone) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("a").Build()).ok());
  PodBuilder p("p");
  auto* term = p.spec()
                   .mutable_affinity()
                   ->mutable_node_affinity()
                   ->mutable_required_during_scheduling_ignored_during_execution()
                   ->add_node_selector_terms();
  for (const char* n : {"a", "b"}) {
    auto* f = term->add_match_fields();
    f->set_key("metadata.name");
    f->set_operator_("In");
    f->add_values(n);
  }
  Algorithm algo;
  auto out = algo.Schedule(*p.Info(), cache);
  EXPECT_EQ(out.message, "0/1 nodes are available: pod affinity terms conflict.");
  EXPECT_EQ(out.rejected_by, Bit(PluginId::kNodeAffinity));
}

TEST(AlgorithmTest, NumFeasibleNodesToFind) {
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(0, 50), 50u);
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(0, 100), 100u);
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(0, 1000), 420u);  // 50 - 8 = 42%
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(0, 5000), 500u);  // 50 - 40 = 10%
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(0, 6000), 300u);  // floor of 5%
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(100, 5000), 5000u);
  EXPECT_EQ(Algorithm::NumFeasibleNodesToFind(1, 5000), 100u);  // at least 100
}

TEST(AlgorithmTest, StopsAfterEnoughFeasibleNodesAndRoundRobins) {
  Cache cache;
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(cache.UpsertNode(NodeBuilder("n" + std::to_string(i)).Build()).ok());
  Algorithm algo({.seed = 7});
  auto first = algo.Schedule(*PodBuilder("p").Req("100m").Info(), cache);
  ASSERT_EQ(first.kind, Kind::kScheduled);
  EXPECT_EQ(first.evaluated_nodes, 420u);
  EXPECT_EQ(first.feasible_nodes, 420u);
  // The next cycle starts where this one stopped: its pick comes from nodes 420..839.
  std::set<std::string> second_window;
  for (int i = 420; i < 840; ++i)
    second_window.insert("n" + std::to_string(i));
  auto second = algo.Schedule(*PodBuilder("q").Req("100m").Info(), cache);
  EXPECT_TRUE(second_window.contains(second.node)) << second.node;
  // 100% scores every node.
  Algorithm all({.percentage_of_nodes_to_score = 100, .seed = 7});
  EXPECT_EQ(all.Schedule(*PodBuilder("r").Info(), cache).evaluated_nodes, 1000u);
}

TEST(AlgorithmTest, PicksTheBestScoreAndBreaksTiesAtRandom) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("busy", "4", "8Gi").Build()).ok());
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("idle", "4", "8Gi").Build()).ok());
  cache.AddPod(PodBuilder("a").Req("3", "6Gi").Info(), "busy");
  Algorithm algo({.seed = 3});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(algo.Schedule(*PodBuilder("p").Req("500m", "1Gi").Info(), cache).node, "idle");
  // Identical nodes: both get picked over repeated cycles.
  Cache twins;
  ASSERT_TRUE(twins.UpsertNode(NodeBuilder("t1").Build()).ok());
  ASSERT_TRUE(twins.UpsertNode(NodeBuilder("t2").Build()).ok());
  std::set<std::string> picked;
  for (int i = 0; i < 40; ++i)
    picked.insert(algo.Schedule(*PodBuilder("p").Req("100m").Info(), twins).node);
  EXPECT_EQ(picked, (std::set<std::string>{"t1", "t2"}));
}

TEST(AlgorithmTest, AssumedPodsCountImmediately) {
  Cache cache;
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("only", "1", "1Gi").Build()).ok());
  Algorithm algo;
  PodInfoPtr a = PodBuilder("a").Req("600m").Info();
  auto out = algo.Schedule(*a, cache);
  ASSERT_EQ(out.kind, Kind::kScheduled);
  cache.AssumePod(a, out.node);
  EXPECT_EQ(algo.Schedule(*PodBuilder("b").Req("600m").Info(), cache).message,
            "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_TRUE(cache.ForgetPod(a->uid()));
  EXPECT_EQ(algo.Schedule(*PodBuilder("b").Req("600m").Info(), cache).kind, Kind::kScheduled);
}

TEST(CacheTest, ZonesInterleaveAndAssumedPodsConfirm) {
  Cache cache;
  for (auto [name, zone] :
       {std::pair{"a1", "a"}, {"a2", "a"}, {"a3", "a"}, {"b1", "b"}, {"b2", "b"}}) {
    ASSERT_TRUE(cache.UpsertNode(NodeBuilder(name).Label(kLabelZone, zone).Build()).ok());
  }
  std::vector<std::string> order;
  for (NodeInfo* n : cache.Nodes())
    order.push_back(n->name());
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b1", "a2", "b2", "a3"}));

  PodInfoPtr p = PodBuilder("p").Req("1").Info();
  cache.AssumePod(p, "a1");
  EXPECT_TRUE(cache.IsAssumed(p->uid()));
  // The watch reports it bound elsewhere: the confirmed placement wins, forgetting is a no-op.
  cache.AddPod(p, "b1");
  EXPECT_FALSE(cache.IsAssumed(p->uid()));
  EXPECT_FALSE(cache.ForgetPod(p->uid()));
  EXPECT_EQ(cache.GetNode("a1")->requested().milli_cpu, 0);
  EXPECT_EQ(cache.GetNode("b1")->requested().milli_cpu, 1000);
  // Pods on a node the cache has no Node object for are kept but never candidates.
  cache.AddPod(PodBuilder("q").Info(), "ghost");
  EXPECT_EQ(cache.NumNodes(), 5u);
  ASSERT_NE(cache.GetNode("ghost"), nullptr);
  cache.RemovePod(PodBuilder("q").pod().metadata().uid());
  EXPECT_EQ(cache.GetNode("ghost"), nullptr);
  cache.RemoveNode("a1");
  EXPECT_EQ(cache.NumNodes(), 4u);
}

}  // namespace
}  // namespace skiff::scheduler
