// Table-driven tests of the node-local filter plugins: NodeResourcesFit, NodeName,
// NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts.
#include <gtest/gtest.h>

#include <functional>

#include "controlplane/scheduler/plugins/node_affinity.h"
#include "controlplane/scheduler/plugins/node_name.h"
#include "controlplane/scheduler/plugins/node_ports.h"
#include "controlplane/scheduler/plugins/node_resources_fit.h"
#include "controlplane/scheduler/plugins/node_unschedulable.h"
#include "controlplane/scheduler/plugins/taint_toleration.h"
#include "controlplane/scheduler/testing/builders.h"
#include "controlplane/scheduler/testing/plugin_harness.h"

namespace skiff::scheduler {
namespace {

using testing::NodeBuilder;
using testing::PodBuilder;
using testing::RunFilter;
using Reasons = std::vector<std::string>;

struct Case {
  std::string name;
  PodBuilder pod;
  NodeBuilder node;
  std::vector<PodBuilder> existing;  // bound to the node
  Code code;
  Reasons reasons;
};

void RunCases(FilterPlugin& plugin, std::vector<Case> cases) {
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    Cache cache;
    ASSERT_TRUE(cache.UpsertNode(c.node.Build()).ok());
    const std::string node = c.node.node().metadata().name();
    for (PodBuilder& e : c.existing)
      cache.AddPod(e.Info(), node);
    PodInfoPtr pod = c.pod.Info();
    ASSERT_NE(pod, nullptr);
    auto run = RunFilter(plugin, *pod, cache, node);
    EXPECT_EQ(run.code, c.code);
    EXPECT_EQ(run.reasons, c.reasons);
  }
}

TEST(NodeResourcesFitFilter, RequestsAgainstAllocatableMinusBoundPods) {
  NodeResourcesFit fit;
  RunCases(fit, {
                    {"fits empty node",
                     PodBuilder("p").Req("1", "1Gi"),
                     NodeBuilder("n", "2", "2Gi"),
                     {},
                     Code::kSuccess,
                     {}},
                    {"exactly fits",
                     PodBuilder("p").Req("1", "1Gi"),
                     NodeBuilder("n", "2", "2Gi"),
                     {PodBuilder("a").Req("1", "1Gi")},
                     Code::kSuccess,
                     {}},
                    {"cpu short",
                     PodBuilder("p").Req("1500m", "1Gi"),
                     NodeBuilder("n", "2", "2Gi"),
                     {PodBuilder("a").Req("1", "1Gi")},
                     Code::kUnschedulable,
                     {"Insufficient cpu"}},
                    {"cpu and memory short",
                     PodBuilder("p").Req("2", "2Gi"),
                     NodeBuilder("n", "2", "2Gi"),
                     {PodBuilder("a").Req("100m", "1Mi")},
                     Code::kUnschedulable,
                     {"Insufficient cpu", "Insufficient memory"}},
                    {"asks more than the node has",
                     PodBuilder("p").Req("64"),
                     NodeBuilder("n", "4"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient cpu"}},
                    {"too many pods",
                     PodBuilder("p"),
                     NodeBuilder("n", "2", "2Gi", "1"),
                     {PodBuilder("a")},
                     Code::kUnschedulable,
                     {"Too many pods"}},
                    {"zero request fits an overcommitted node",
                     PodBuilder("p"),
                     NodeBuilder("n", "1", "1Gi"),
                     {PodBuilder("a").Req("2", "2Gi")},
                     Code::kSuccess,
                     {}},
                    {"zero cpu request ignores cpu shortage",
                     PodBuilder("p").Req("", "1Mi"),
                     NodeBuilder("n", "1", "1Gi"),
                     {PodBuilder("a").Req("2")},
                     Code::kSuccess,
                     {}},
                    {"ephemeral storage",
                     PodBuilder("p").Resource("ephemeral-storage", "20Gi"),
                     NodeBuilder("n").Allocatable("ephemeral-storage", "10Gi"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient ephemeral-storage"}},
                    {"extended resource missing on node",
                     PodBuilder("p").Resource("example.com/gpu", "1"),
                     NodeBuilder("n"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient example.com/gpu"}},
                    {"extended resource used up",
                     PodBuilder("p").Resource("example.com/gpu", "1"),
                     NodeBuilder("n").Allocatable("example.com/gpu", "2"),
                     {PodBuilder("a").Resource("example.com/gpu", "2")},
                     Code::kUnschedulable,
                     {"Insufficient example.com/gpu"}},
                    {"extended resource fits",
                     PodBuilder("p").Resource("example.com/gpu", "1"),
                     NodeBuilder("n").Allocatable("example.com/gpu", "2"),
                     {PodBuilder("a").Resource("example.com/gpu", "1")},
                     Code::kSuccess,
                     {}},
                    {"hugepages",
                     PodBuilder("p").Resource("hugepages-2Mi", "4Mi"),
                     NodeBuilder("n").Allocatable("hugepages-2Mi", "2Mi"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient hugepages-2Mi"}},
                    {"node without allocatable",
                     PodBuilder("p").Req("1"),
                     NodeBuilder("n", ""),
                     {},
                     Code::kUnschedulable,
                     {"Too many pods", "Insufficient cpu"}},
                });
}

TEST(NodeResourcesFitFilter, InitContainersAndOverhead) {
  NodeResourcesFit fit;
  // Regular containers 1 cpu; an init container 3 cpu: the pod needs max(1, 3) = 3.
  PodBuilder init = PodBuilder("p").Req("1");
  auto* ic = init.spec().add_init_containers();
  ic->set_name("init");
  (*ic->mutable_resources()->mutable_requests())["cpu"] = "3";
  // Overhead adds on top.
  PodBuilder overhead = PodBuilder("q").Req("1");
  (*overhead.spec().mutable_overhead())["cpu"] = "1500m";
  RunCases(fit, {
                    {"init max fits", init, NodeBuilder("n", "3"), {}, Code::kSuccess, {}},
                    {"init max short",
                     init,
                     NodeBuilder("n", "2900m"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient cpu"}},
                    {"overhead short",
                     overhead,
                     NodeBuilder("n", "2"),
                     {},
                     Code::kUnschedulable,
                     {"Insufficient cpu"}},
                    {"overhead fits", overhead, NodeBuilder("n", "2500m"), {}, Code::kSuccess, {}},
                });
}

TEST(NodeNameFilter, OnlyTheNamedNode) {
  NodeName plugin;
  RunCases(
      plugin,
      {
          {"no name", PodBuilder("p"), NodeBuilder("n1"), {}, Code::kSuccess, {}},
          {"same name", PodBuilder("p").NodeName("n1"), NodeBuilder("n1"), {}, Code::kSuccess, {}},
          {"other name",
           PodBuilder("p").NodeName("n2"),
           NodeBuilder("n1"),
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match the requested node name"}},
      });
}

TEST(NodeUnschedulableFilter, CordonedNodes) {
  NodeUnschedulable plugin;
  RunCases(plugin, {
                       {"schedulable", PodBuilder("p"), NodeBuilder("n"), {}, Code::kSuccess, {}},
                       {"cordoned",
                        PodBuilder("p"),
                        NodeBuilder("n").Unschedulable(),
                        {},
                        Code::kUnschedulableAndUnresolvable,
                        {"node(s) were unschedulable"}},
                       {"tolerates the unschedulable taint",
                        PodBuilder("p").Toleration("node.kubernetes.io/unschedulable", "Exists", "",
                                                   "NoSchedule"),
                        NodeBuilder("n").Unschedulable(),
                        {},
                        Code::kSuccess,
                        {}},
                       {"tolerates everything",
                        PodBuilder("p").Toleration("", "Exists", "", ""),
                        NodeBuilder("n").Unschedulable(),
                        {},
                        Code::kSuccess,
                        {}},
                       {"wrong effect does not tolerate",
                        PodBuilder("p").Toleration("node.kubernetes.io/unschedulable", "Exists", "",
                                                   "NoExecute"),
                        NodeBuilder("n").Unschedulable(),
                        {},
                        Code::kUnschedulableAndUnresolvable,
                        {"node(s) were unschedulable"}},
                   });
}

TEST(TaintTolerationFilter, NoScheduleAndNoExecuteMustBeTolerated) {
  TaintToleration plugin;
  const std::string cp = "node-role.kubernetes.io/control-plane";
  RunCases(plugin,
           {
               {"no taints", PodBuilder("p"), NodeBuilder("n"), {}, Code::kSuccess, {}},
               {"untolerated NoSchedule",
                PodBuilder("p"),
                NodeBuilder("n").Taint(cp, "", "NoSchedule"),
                {},
                Code::kUnschedulableAndUnresolvable,
                {"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"}},
               {"untolerated NoExecute with value",
                PodBuilder("p"),
                NodeBuilder("n").Taint("dedicated", "db", "NoExecute"),
                {},
                Code::kUnschedulableAndUnresolvable,
                {"node(s) had untolerated taint {dedicated: db}"}},
               {"PreferNoSchedule does not filter",
                PodBuilder("p"),
                NodeBuilder("n").Taint("soft", "x", "PreferNoSchedule"),
                {},
                Code::kSuccess,
                {}},
               {"Equal with value",
                PodBuilder("p").Toleration("dedicated", "Equal", "db", "NoSchedule"),
                NodeBuilder("n").Taint("dedicated", "db", "NoSchedule"),
                {},
                Code::kSuccess,
                {}},
               {"empty operator means Equal",
                PodBuilder("p").Toleration("dedicated", "", "db", ""),
                NodeBuilder("n").Taint("dedicated", "db", "NoSchedule"),
                {},
                Code::kSuccess,
                {}},
               {"Equal with other value",
                PodBuilder("p").Toleration("dedicated", "Equal", "web", "NoSchedule"),
                NodeBuilder("n").Taint("dedicated", "db", "NoSchedule"),
                {},
                Code::kUnschedulableAndUnresolvable,
                {"node(s) had untolerated taint {dedicated: db}"}},
               {"Exists on key",
                PodBuilder("p").Toleration("dedicated", "Exists", "", ""),
                NodeBuilder("n").Taint("dedicated", "db", "NoExecute"),
                {},
                Code::kSuccess,
                {}},
               {"empty key with Exists tolerates all",
                PodBuilder("p").Toleration("", "Exists", "", ""),
                NodeBuilder("n").Taint("a", "1", "NoSchedule").Taint("b", "2", "NoExecute"),
                {},
                Code::kSuccess,
                {}},
               {"effect must match",
                PodBuilder("p").Toleration("a", "Exists", "", "NoExecute"),
                NodeBuilder("n").Taint("a", "1", "NoSchedule"),
                {},
                Code::kUnschedulableAndUnresolvable,
                {"node(s) had untolerated taint {a: 1}"}},
               {"first untolerated taint is named",
                PodBuilder("p").Toleration("a", "Exists", "", ""),
                NodeBuilder("n").Taint("a", "1", "NoSchedule").Taint("b", "2", "NoSchedule"),
                {},
                Code::kUnschedulableAndUnresolvable,
                {"node(s) had untolerated taint {b: 2}"}},
           });
}

PodBuilder WithRequiredTerms(PodBuilder p,
                             std::vector<std::vector<api::NodeSelectorRequirement>> terms,
                             bool fields = false) {
  auto* sel = p.spec()
                  .mutable_affinity()
                  ->mutable_node_affinity()
                  ->mutable_required_during_scheduling_ignored_during_execution();
  for (auto& reqs : terms) {
    auto* term = sel->add_node_selector_terms();
    for (auto& r : reqs)
      *(fields ? term->add_match_fields() : term->add_match_expressions()) = r;
  }
  return p;
}

api::NodeSelectorRequirement Req(const std::string& key, const std::string& op,
                                 std::vector<std::string> values = {}) {
  api::NodeSelectorRequirement r;
  r.set_key(key);
  r.set_operator_(op);
  for (auto& v : values)
    r.add_values(v);
  return r;
}

TEST(NodeAffinityFilter, NodeSelectorAndRequiredTerms) {
  NodeAffinity plugin;
  auto zone_a = NodeBuilder("n").Label("zone", "a").Label("gen", "5");
  RunCases(
      plugin,
      {
          {"no constraints", PodBuilder("p"), zone_a, {}, Code::kSuccess, {}},
          {"nodeSelector match",
           PodBuilder("p").NodeSelector("zone", "a"),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"nodeSelector mismatch",
           PodBuilder("p").NodeSelector("zone", "b"),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"nodeSelector missing label",
           PodBuilder("p").NodeSelector("disk", "ssd"),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"In",
           WithRequiredTerms(PodBuilder("p"), {{Req("zone", "In", {"a", "b"})}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"NotIn",
           WithRequiredTerms(PodBuilder("p"), {{Req("zone", "NotIn", {"a"})}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"NotIn matches a missing label",
           WithRequiredTerms(PodBuilder("p"), {{Req("disk", "NotIn", {"hdd"})}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"Exists",
           WithRequiredTerms(PodBuilder("p"), {{Req("gen", "Exists")}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"DoesNotExist",
           WithRequiredTerms(PodBuilder("p"), {{Req("gen", "DoesNotExist")}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"Gt",
           WithRequiredTerms(PodBuilder("p"), {{Req("gen", "Gt", {"4"})}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"Gt not greater",
           WithRequiredTerms(PodBuilder("p"), {{Req("gen", "Gt", {"5"})}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"Lt",
           WithRequiredTerms(PodBuilder("p"), {{Req("gen", "Lt", {"6"})}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"Lt on a non-integer label",
           WithRequiredTerms(PodBuilder("p"), {{Req("zone", "Lt", {"6"})}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"terms are ORed",
           WithRequiredTerms(PodBuilder("p"), {{Req("zone", "In", {"x"})}, {Req("gen", "Exists")}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"requirements are ANDed",
           WithRequiredTerms(PodBuilder("p"),
                             {{Req("zone", "In", {"a"}), Req("gen", "Lt", {"2"})}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"malformed term is dropped",
           WithRequiredTerms(PodBuilder("p"),
                             {{Req("gen", "Gt", {"x"})}, {Req("zone", "In", {"a"})}}),
           zone_a,
           {},
           Code::kSuccess,
           {}},
          {"nodeSelector and affinity both apply",
           WithRequiredTerms(PodBuilder("p").NodeSelector("zone", "b"), {{Req("gen", "Exists")}}),
           zone_a,
           {},
           Code::kUnschedulableAndUnresolvable,
           {"node(s) didn't match Pod's node affinity/selector"}},
          {"matchFields metadata.name",
           WithRequiredTerms(PodBuilder("p"), {{Req("metadata.name", "NotIn", {"other"})}}, true),
           zone_a,
           {},
           Code::kSuccess,
           {}},
      });
}

TEST(NodeAffinityFilter, NodeNameFieldsNarrowCandidatesOrConflict) {
  NodeAffinity plugin;
  Cache cache;
  auto pinned =
      WithRequiredTerms(
          PodBuilder("p"),
          {{Req("metadata.name", "In", {"n2", "n3"})}, {Req("metadata.name", "In", {"n1"})}}, true)
          .Info();
  PreFilterResult r = plugin.PreFilter(*pinned, cache);
  EXPECT_EQ(r.code, Code::kSuccess);
  EXPECT_TRUE(r.restricts_nodes);
  EXPECT_EQ(r.node_names, (std::vector<std::string>{"n1", "n2", "n3"}));

  api::NodeSelectorTerm both;
  *both.add_match_fields() = Req("metadata.name", "In", {"n1"});
  *both.add_match_fields() = Req("metadata.name", "In", {"n2"});
  PodBuilder conflict("q");
  *conflict.spec()
       .mutable_affinity()
       ->mutable_node_affinity()
       ->mutable_required_during_scheduling_ignored_during_execution()
       ->add_node_selector_terms() = both;
  r = plugin.PreFilter(*conflict.Info(), cache);
  EXPECT_EQ(r.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(r.message, "pod affinity terms conflict");

  // A term without name fields leaves every node a candidate.
  auto open = WithRequiredTerms(PodBuilder("o"), {{Req("zone", "Exists")}}).Info();
  EXPECT_FALSE(plugin.PreFilter(*open, cache).restricts_nodes);
}

TEST(NodePortsFilter, HostPortConflicts) {
  NodePorts plugin;
  RunCases(plugin, {
                       {"no ports",
                        PodBuilder("p"),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(80)},
                        Code::kSuccess,
                        {}},
                       {"free port",
                        PodBuilder("p").HostPort(81),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(80)},
                        Code::kSuccess,
                        {}},
                       {"same port",
                        PodBuilder("p").HostPort(80),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(80)},
                        Code::kUnschedulable,
                        {"node(s) didn't have free ports for the requested pod ports"}},
                       {"other protocol",
                        PodBuilder("p").HostPort(53, "UDP"),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(53, "TCP")},
                        Code::kSuccess,
                        {}},
                       {"different host IPs",
                        PodBuilder("p").HostPort(80, "TCP", "10.0.0.1"),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(80, "TCP", "10.0.0.2")},
                        Code::kSuccess,
                        {}},
                       {"0.0.0.0 overlaps a specific IP",
                        PodBuilder("p").HostPort(80),
                        NodeBuilder("n"),
                        {PodBuilder("a").HostPort(80, "TCP", "10.0.0.2")},
                        Code::kUnschedulable,
                        {"node(s) didn't have free ports for the requested pod ports"}},
                   });
}

}  // namespace
}  // namespace skiff::scheduler
