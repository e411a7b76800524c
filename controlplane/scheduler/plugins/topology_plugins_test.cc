// Tests of the plugins that look beyond one node: PodTopologySpread and InterPodAffinity.
#include <gtest/gtest.h>

#include "controlplane/scheduler/plugins/inter_pod_affinity.h"
#include "controlplane/scheduler/plugins/pod_topology_spread.h"
#include "controlplane/scheduler/testing/builders.h"
#include "controlplane/scheduler/testing/plugin_harness.h"

namespace skiff::scheduler {
namespace {

using testing::NodeBuilder;
using testing::PodBuilder;
using testing::RunFilter;
using testing::RunScore;

constexpr const char* kZone = "topology.kubernetes.io/zone";
constexpr const char* kHost = "kubernetes.io/hostname";

// node-a, node-b in zone1; node-x, node-y in zone2.
void AddFourNodes(Cache& cache) {
  for (auto [name, zone] : {std::pair{"node-a", "zone1"},
                            {"node-b", "zone1"},
                            {"node-x", "zone2"},
                            {"node-y", "zone2"}}) {
    ASSERT_TRUE(cache.UpsertNode(NodeBuilder(name).Label(kZone, zone).Build()).ok());
  }
}

int pod_seq = 0;
void Place(Cache& cache, const std::string& node, PodBuilder p) {
  cache.AddPod(p.Info(), node);
}
PodBuilder Foo() {
  return PodBuilder("foo-" + std::to_string(++pod_seq)).Label("foo", "");
}

// foo pods: node-a 2, node-b 1, node-x 1, node-y 0.
void AddFooPods(Cache& cache) {
  Place(cache, "node-a", Foo());
  Place(cache, "node-a", Foo());
  Place(cache, "node-b", Foo());
  Place(cache, "node-x", Foo());
}

PodBuilder Spread(PodBuilder p, const std::string& key, int32_t max_skew,
                  const std::string& when = "DoNotSchedule") {
  auto* c = p.spec().add_topology_spread_constraints();
  c->set_max_skew(max_skew);
  c->set_topology_key(key);
  c->set_when_unsatisfiable(when);
  auto* e = c->mutable_label_selector()->add_match_expressions();
  e->set_key("foo");
  e->set_operator_("Exists");
  return p;
}

std::vector<std::string> Passing(FilterPlugin& plugin, const PodInfo& pod, Cache& cache) {
  std::vector<std::string> out;
  for (NodeInfo* n : cache.Nodes()) {
    if (RunFilter(plugin, pod, cache, n->name()).code == Code::kSuccess) out.push_back(n->name());
  }
  std::sort(out.begin(), out.end());
  return out;
}

using Names = std::vector<std::string>;

TEST(PodTopologySpreadFilter, MaxSkewPerZoneAndHost) {
  Cache cache;
  AddFourNodes(cache);
  AddFooPods(cache);
  PodTopologySpread plugin;
  // zone1 has 3, zone2 has 1: only zone2 keeps the skew within 1.
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kZone, 1).Info(), cache), (Names{"node-x", "node-y"}));
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kZone, 3).Info(), cache),
            (Names{"node-a", "node-b", "node-x", "node-y"}));
  // Per host: 2,1,1,0 -> only node-y.
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kHost, 1).Info(), cache), (Names{"node-y"}));
  // A pod that does not match its own selector does not count itself.
  PodInfoPtr other = Spread(PodBuilder("other"), kHost, 1).Info();
  EXPECT_EQ(Passing(plugin, *other, cache), (Names{"node-b", "node-x", "node-y"}));
  auto run = RunFilter(plugin, *Spread(Foo(), kHost, 1).Info(), cache, "node-a");
  EXPECT_EQ(run.code, Code::kUnschedulable);
  EXPECT_EQ(run.reasons,
            (std::vector<std::string>{"node(s) didn't match pod topology spread constraints"}));
  // ScheduleAnyway constraints do not filter.
  EXPECT_EQ(RunFilter(plugin, *Spread(Foo(), kHost, 1, "ScheduleAnyway").Info(), cache, "node-a")
                .prefilter,
            Code::kSkip);
}

TEST(PodTopologySpreadFilter, MissingLabelIsUnresolvable) {
  Cache cache;
  AddFourNodes(cache);
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("bare").Build()).ok());
  PodTopologySpread plugin;
  auto run = RunFilter(plugin, *Spread(Foo(), kZone, 1).Info(), cache, "bare");
  EXPECT_EQ(run.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(run.reasons, (std::vector<std::string>{
                             "node(s) didn't match pod topology spread constraints (missing "
                             "required label)"}));
}

TEST(PodTopologySpreadFilter, MinDomainsTreatsMissingDomainsAsZero) {
  Cache cache;
  AddFourNodes(cache);
  AddFooPods(cache);
  PodTopologySpread plugin;
  PodBuilder p = Spread(Foo(), kZone, 1);
  p.spec().mutable_topology_spread_constraints(0)->set_min_domains(3);
  // Two zones < minDomains 3: the global minimum is 0, so even zone2 (1 + 1) is too many.
  EXPECT_EQ(Passing(plugin, *p.Info(), cache), Names{});
  p.spec().mutable_topology_spread_constraints(0)->set_max_skew(2);
  EXPECT_EQ(Passing(plugin, *p.Info(), cache), (Names{"node-x", "node-y"}));
}

TEST(PodTopologySpreadFilter, NodeInclusionPolicies) {
  Cache cache;
  AddFourNodes(cache);
  AddFooPods(cache);
  PodTopologySpread plugin;
  // nodeAffinityPolicy Honor (default): with a selector for zone1 only zone1 is a domain,
  // its own minimum, so zone1 nodes pass the spread filter.
  PodBuilder honor = Spread(Foo().NodeSelector(kZone, "zone1"), kZone, 1);
  EXPECT_EQ(Passing(plugin, *honor.Info(), cache), (Names{"node-a", "node-b", "node-x", "node-y"}));
  PodBuilder ignore = honor;
  ignore.spec().mutable_topology_spread_constraints(0)->set_node_affinity_policy("Ignore");
  EXPECT_EQ(Passing(plugin, *ignore.Info(), cache), (Names{"node-x", "node-y"}));
  // nodeTaintsPolicy Honor: tainted zone2 nodes stop being domains.
  Cache tainted;
  for (auto [name, zone] : {std::pair{"node-a", "zone1"}, {"node-x", "zone2"}}) {
    NodeBuilder b(name);
    b.Label(kZone, zone);
    if (std::string(zone) == "zone2") b.Taint("t", "", "NoSchedule");
    ASSERT_TRUE(tainted.UpsertNode(b.Build()).ok());
  }
  Place(tainted, "node-a", Foo());
  PodBuilder taints = Spread(Foo(), kZone, 1);
  EXPECT_EQ(Passing(plugin, *taints.Info(), tainted), (Names{"node-x"}));
  taints.spec().mutable_topology_spread_constraints(0)->set_node_taints_policy("Honor");
  EXPECT_EQ(Passing(plugin, *taints.Info(), tainted), (Names{"node-a", "node-x"}));
}

TEST(PodTopologySpreadFilter, CountsOnlyLiveMatchingPodsOfTheNamespace) {
  Cache cache;
  AddFourNodes(cache);
  PodTopologySpread plugin;
  Place(cache, "node-a", Foo().Terminating());
  Place(cache, "node-a", PodBuilder("elsewhere", "other").Label("foo", ""));
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kHost, 1).Info(), cache),
            (Names{"node-a", "node-b", "node-x", "node-y"}));
  // Counts follow pods as they come and go (the cache keeps them incrementally).
  PodBuilder live = Foo();
  Place(cache, "node-a", live);
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kHost, 1).Info(), cache),
            (Names{"node-b", "node-x", "node-y"}));
  cache.RemovePod(live.pod().metadata().uid());
  EXPECT_EQ(Passing(plugin, *Spread(Foo(), kHost, 1).Info(), cache),
            (Names{"node-a", "node-b", "node-x", "node-y"}));
}

TEST(PodTopologySpreadFilter, MatchLabelKeys) {
  Cache cache;
  AddFourNodes(cache);
  Place(cache, "node-a", Foo().Label("rev", "1"));
  Place(cache, "node-b", Foo().Label("rev", "2"));
  PodTopologySpread plugin;
  PodBuilder p = Spread(Foo().Label("rev", "2"), kHost, 1);
  p.spec().mutable_topology_spread_constraints(0)->add_match_label_keys("rev");
  // Only rev=2 pods count: node-b has one, so node-b is out.
  EXPECT_EQ(Passing(plugin, *p.Info(), cache), (Names{"node-a", "node-x", "node-y"}));
}

TEST(PodTopologySpreadScore, FewerMatchingPodsScoresHigher) {
  Cache cache;
  AddFourNodes(cache);
  AddFooPods(cache);
  PodTopologySpread plugin;
  auto scores = RunScore(plugin, *Spread(Foo(), kHost, 1, "ScheduleAnyway").Info(), cache);
  // raw: count * log(4 + 2) rounded: 4, 2, 2, 0 -> 100 * (4 + 0 - s) / 4.
  EXPECT_EQ(scores, (std::map<std::string, int64_t>{
                        {"node-a", 0}, {"node-b", 50}, {"node-x", 50}, {"node-y", 100}}));
  auto zones = RunScore(plugin, *Spread(Foo(), kZone, 1, "ScheduleAnyway").Info(), cache);
  EXPECT_GT(zones["node-x"], zones["node-a"]);
  EXPECT_EQ(zones["node-x"], zones["node-y"]);
  EXPECT_TRUE(RunScore(plugin, *Foo().Info(), cache).empty()) << "no constraints, no owner";
}

TEST(PodTopologySpreadScore, SystemDefaultsForReplicaSetPods) {
  Cache cache;
  AddFourNodes(cache);
  auto rs = std::make_shared<api::ReplicaSet>();
  rs->mutable_metadata()->set_name("web-1");
  rs->mutable_metadata()->set_namespace_("default");
  (*rs->mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "web";
  cache.UpsertReplicaSet(rs);
  auto web = [&](const std::string& name) {
    PodBuilder p(name);
    p.Label("app", "web");
    auto* ref = p.pod().mutable_metadata()->add_owner_references();
    ref->set_api_version("apps/v1");
    ref->set_kind("ReplicaSet");
    ref->set_name("web-1");
    ref->set_controller(true);
    return p;
  };
  Place(cache, "node-a", web("w1"));
  Place(cache, "node-a", web("w2"));
  Place(cache, "node-x", web("w3"));
  PodTopologySpread plugin;
  auto scores = RunScore(plugin, *web("new").Info(), cache);
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_GT(scores["node-b"], scores["node-a"]);
  EXPECT_GT(scores["node-y"], scores["node-x"]);
  EXPECT_EQ(DefaultSpreadSelector(*web("new").Info(), cache).ToString(), "app=web");
}

// --- InterPodAffinity ---------------------------------------------------------------------

api::PodAffinityTerm Term(const std::string& key, const std::string& app) {
  api::PodAffinityTerm t;
  t.set_topology_key(key);
  (*t.mutable_label_selector()->mutable_match_labels())["app"] = app;
  return t;
}

PodBuilder App(const std::string& name, const std::string& app, const std::string& ns = "default") {
  return PodBuilder(name, ns).Label("app", app);
}

TEST(InterPodAffinityFilter, RequiredAffinity) {
  Cache cache;
  AddFourNodes(cache);
  ASSERT_TRUE(cache.UpsertNode(NodeBuilder("bare").Build()).ok());
  Place(cache, "node-a", App("db-0", "db"));
  InterPodAffinity plugin;
  PodBuilder web = App("web", "web");
  *web.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kZone, "db");
  EXPECT_EQ(Passing(plugin, *web.Info(), cache), (Names{"node-a", "node-b"}));
  auto run = RunFilter(plugin, *web.Info(), cache, "node-x");
  EXPECT_EQ(run.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(run.reasons, (std::vector<std::string>{"node(s) didn't match pod affinity rules"}));
  EXPECT_EQ(RunFilter(plugin, *web.Info(), cache, "bare").code,
            Code::kUnschedulableAndUnresolvable);
  // Another namespace's db pods do not count.
  PodBuilder elsewhere = App("web", "web", "other");
  *elsewhere.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kZone, "db");
  EXPECT_EQ(Passing(plugin, *elsewhere.Info(), cache), Names{});
}

TEST(InterPodAffinityFilter, FirstPodOfASelfAffineGroupGoesAnywhere) {
  Cache cache;
  AddFourNodes(cache);
  InterPodAffinity plugin;
  PodBuilder first = App("cache-0", "cache");
  *first.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kZone, "cache");
  EXPECT_EQ(Passing(plugin, *first.Info(), cache), (Names{"node-a", "node-b", "node-x", "node-y"}));
  Place(cache, "node-x", App("cache-1", "cache"));
  EXPECT_EQ(Passing(plugin, *first.Info(), cache), (Names{"node-x", "node-y"}));
}

TEST(InterPodAffinityFilter, RequiredAntiAffinityBothWays) {
  Cache cache;
  AddFourNodes(cache);
  Place(cache, "node-a", App("web-0", "web"));
  InterPodAffinity plugin;
  PodBuilder web = App("web-1", "web");
  *web.spec()
       .mutable_affinity()
       ->mutable_pod_anti_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kHost, "web");
  EXPECT_EQ(Passing(plugin, *web.Info(), cache), (Names{"node-b", "node-x", "node-y"}));
  auto run = RunFilter(plugin, *web.Info(), cache, "node-a");
  EXPECT_EQ(run.code, Code::kUnschedulable);
  EXPECT_EQ(run.reasons,
            (std::vector<std::string>{"node(s) didn't match pod anti-affinity rules"}));

  // An existing pod's anti-affinity keeps matching pods out of its zone.
  PodBuilder guard = App("guard", "guard");
  *guard.spec()
       .mutable_affinity()
       ->mutable_pod_anti_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kZone, "batch");
  Place(cache, "node-x", guard);
  PodInfoPtr batch = App("batch-0", "batch").Info();
  EXPECT_EQ(Passing(plugin, *batch, cache), (Names{"node-a", "node-b"}));
  run = RunFilter(plugin, *batch, cache, "node-y");
  EXPECT_EQ(run.reasons,
            (std::vector<std::string>{"node(s) didn't satisfy existing pods anti-affinity rules"}));
  EXPECT_EQ(RunFilter(plugin, *App("other", "other").Info(), cache, "node-y").code, Code::kSuccess);
}

TEST(InterPodAffinityFilter, NamespacesAndNamespaceSelector) {
  Cache cache;
  AddFourNodes(cache);
  auto blue = std::make_shared<api::Namespace>();
  blue->mutable_metadata()->set_name("blue");
  (*blue->mutable_metadata()->mutable_labels())["team"] = "blue";
  cache.UpsertNamespace(blue);
  Place(cache, "node-x", App("db-0", "db", "blue"));
  InterPodAffinity plugin;
  PodBuilder by_name = App("web", "web");
  auto t = Term(kZone, "db");
  t.add_namespaces("blue");
  *by_name.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = t;
  EXPECT_EQ(Passing(plugin, *by_name.Info(), cache), (Names{"node-x", "node-y"}));
  PodBuilder by_selector = App("web", "web");
  auto s = Term(kZone, "db");
  (*s.mutable_namespace_selector()->mutable_match_labels())["team"] = "blue";
  *by_selector.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = s;
  EXPECT_EQ(Passing(plugin, *by_selector.Info(), cache), (Names{"node-x", "node-y"}));
  PodBuilder all = App("web", "web");
  auto e = Term(kZone, "db");
  e.mutable_namespace_selector();  // {}: every namespace
  *all.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = e;
  EXPECT_EQ(Passing(plugin, *all.Info(), cache), (Names{"node-x", "node-y"}));
}

TEST(InterPodAffinityScore, PreferredTermsAndExistingPodsTerms) {
  Cache cache;
  AddFourNodes(cache);
  Place(cache, "node-a", App("db-0", "db"));
  InterPodAffinity plugin;
  PodBuilder web = App("web", "web");
  auto* w = web.spec()
                .mutable_affinity()
                ->mutable_pod_affinity()
                ->add_preferred_during_scheduling_ignored_during_execution();
  w->set_weight(10);
  *w->mutable_pod_affinity_term() = Term(kZone, "db");
  EXPECT_EQ(RunScore(plugin, *web.Info(), cache),
            (std::map<std::string, int64_t>{
                {"node-a", 100}, {"node-b", 100}, {"node-x", 0}, {"node-y", 0}}));

  PodBuilder spread = App("web", "web");
  auto* a = spread.spec()
                .mutable_affinity()
                ->mutable_pod_anti_affinity()
                ->add_preferred_during_scheduling_ignored_during_execution();
  a->set_weight(5);
  *a->mutable_pod_affinity_term() = Term(kHost, "db");
  auto anti = RunScore(plugin, *spread.Info(), cache);
  EXPECT_EQ(anti["node-a"], 0);
  EXPECT_EQ(anti["node-b"], 100);

  // Nothing preferred, no existing terms: not scored.
  EXPECT_TRUE(RunScore(plugin, *App("x", "x").Info(), cache).empty());
  // An existing pod's required affinity to "web" attracts web pods (hard weight 1).
  PodBuilder fan = App("fan", "fan");
  *fan.spec()
       .mutable_affinity()
       ->mutable_pod_affinity()
       ->add_required_during_scheduling_ignored_during_execution() = Term(kZone, "web");
  Place(cache, "node-y", fan);
  auto attracted = RunScore(plugin, *App("web-2", "web").Info(), cache);
  EXPECT_EQ(attracted["node-x"], 100);
  EXPECT_EQ(attracted["node-a"], 0);
}

}  // namespace
}  // namespace skiff::scheduler
