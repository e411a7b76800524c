#include "dataplane/core/core.h"

#include <gtest/gtest.h>

namespace skiff::dataplane {
namespace {

Service Svc(const std::string& name, const std::string& vip, int port = 80) {
  Service s;
  s.ns = "default";
  s.name = name;
  s.cluster_ips = {vip};
  s.ports = {{"http", Protocol::kTCP, port, 0, {8080, ""}}};
  return s;
}

EndpointSlice Slice(const std::string& svc, std::vector<std::string> ips,
                    const std::string& name = "") {
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = name.empty() ? svc + "-x" : name;
  sl.service_name = svc;
  for (auto& ip : ips) {
    Endpoint e;
    e.addresses = {ip};
    sl.endpoints.push_back(e);
  }
  sl.ports = {{"http", Protocol::kTCP, 8080}};
  return sl;
}

// Plans and commits every affected Service, applying each change set to
// `installed` the way an engine would.
void Sync(Core& core, const std::vector<std::string>& keys, State& installed) {
  for (const auto& k : keys) {
    auto plan = core.PlanService(k);
    plan.changes.ApplyTo(installed);
    core.Commit(std::move(plan));
  }
  auto retries = core.TakeRetries();
  if (!retries.empty()) Sync(core, retries, installed);
}

TEST(Core, PlansOneServiceAndStaysConsistent) {
  Core core(NodeInfo{"n1"});
  State installed;
  Sync(core, core.SetService(Svc("web", "10.96.0.10")), installed);
  Sync(core, core.SetSlice(Slice("web", {"10.1.0.1", "10.1.0.2"})), installed);
  EXPECT_EQ(installed, core.Snapshot());
  ASSERT_EQ(installed.frontends.size(), 1u);
  const auto& fe = installed.frontends.begin()->second;
  EXPECT_EQ(fe.count, 2);
  EXPECT_NE(fe.set_id, 0u);
  EXPECT_EQ(installed.backends.size(), 2u);

  // Nothing changed: nothing to do.
  auto plan = core.PlanService("default/web");
  EXPECT_TRUE(plan.changes.empty());
  core.Commit(std::move(plan));
}

TEST(Core, EndpointChangeSwitchesSetAndKeepsBackends) {
  Core core(NodeInfo{"n1"});
  State installed;
  core.SetService(Svc("web", "10.96.0.10"));
  Sync(core, core.SetSlice(Slice("web", {"10.1.0.1", "10.1.0.2"})), installed);
  uint32_t old_set = installed.frontends.begin()->second.set_id;

  core.SetSlice(Slice("web", {"10.1.0.1", "10.1.0.2", "10.1.0.3"}));
  auto plan = core.PlanService("default/web");
  EXPECT_EQ(plan.changes.add_backends.size(), 1u);  // only the new one
  EXPECT_EQ(plan.changes.add_sets.size(), 1u);
  EXPECT_EQ(plan.changes.upsert_frontends.size(), 1u);
  ASSERT_EQ(plan.changes.delete_sets.size(), 1u);
  EXPECT_EQ(plan.changes.delete_sets[0], old_set);
  EXPECT_TRUE(plan.changes.delete_backends.empty());
  EXPECT_TRUE(plan.changes.delete_frontends.empty());
  plan.changes.ApplyTo(installed);
  core.Commit(std::move(plan));
  EXPECT_EQ(installed, core.Snapshot());
  EXPECT_EQ(installed.frontends.begin()->second.count, 3);
}

TEST(Core, IdenticalBackendSetsAreShared) {
  Core core(NodeInfo{"n1"});
  State installed;
  core.SetService(Svc("a", "10.96.0.1"));
  core.SetService(Svc("b", "10.96.0.2"));
  Sync(core, core.SetSlice(Slice("a", {"10.1.0.1"})), installed);
  Sync(core, core.SetSlice(Slice("b", {"10.1.0.1"})), installed);
  EXPECT_EQ(installed.sets.size(), 1u);
  // Removing one user keeps the shared set for the other.
  Sync(core, core.RemoveService("default/a"), installed);
  EXPECT_EQ(installed.sets.size(), 1u);
  EXPECT_EQ(installed.frontends.size(), 1u);
  Sync(core, core.RemoveService("default/b"), installed);
  EXPECT_EQ(installed, State{});
  EXPECT_EQ(core.Snapshot(), State{});
}

TEST(Core, DuplicateFrontendIsReportedAndRetriedOnRelease) {
  Core core(NodeInfo{"n1"});
  State installed;
  Sync(core, core.SetService(Svc("a", "10.96.0.1")), installed);
  core.SetService(Svc("b", "10.96.0.1"));
  auto plan = core.PlanService("default/b");
  ASSERT_FALSE(plan.issues.empty());
  EXPECT_EQ(plan.issues[0].reason, "duplicate_frontend");
  EXPECT_NE(plan.issues[0].message.find("default/a"), std::string::npos);
  EXPECT_TRUE(plan.changes.upsert_frontends.empty());
  plan.changes.ApplyTo(installed);
  core.Commit(std::move(plan));
  EXPECT_EQ(installed.frontends.begin()->second.svc_id,
            installed.services.begin()->first);  // still a's

  core.RemoveService("default/a");
  plan = core.PlanService("default/a");
  plan.changes.ApplyTo(installed);
  core.Commit(std::move(plan));
  auto retries = core.TakeRetries();
  ASSERT_EQ(retries, std::vector<std::string>{"default/b"});
  Sync(core, retries, installed);
  ASSERT_EQ(installed.frontends.size(), 1u);
  EXPECT_EQ(installed.services.begin()->second.name, "default/b");
}

TEST(Core, InvalidUpdateKeepsLastGoodEntries) {
  Core core(NodeInfo{"n1"});
  State installed;
  core.SetService(Svc("web", "10.96.0.10"));
  Sync(core, core.SetSlice(Slice("web", {"10.1.0.1"})), installed);
  State good = installed;
  core.SetService(Svc("web", "not-an-ip"));
  auto plan = core.PlanService("default/web");
  EXPECT_FALSE(plan.ok);
  ASSERT_EQ(plan.issues.size(), 1u);
  EXPECT_EQ(plan.issues[0].reason, "invalid_service");
  EXPECT_TRUE(plan.changes.empty());
  core.Commit(std::move(plan));
  EXPECT_EQ(core.Snapshot(), good);
}

TEST(Core, AbortReleasesIdsAndChangesNothing) {
  Core core(NodeInfo{"n1"});
  State installed;
  core.SetService(Svc("web", "10.96.0.10"));
  core.SetSlice(Slice("web", {"10.1.0.1"}));
  auto plan = core.PlanService("default/web");
  auto first = plan.changes;
  core.Abort(std::move(plan));
  EXPECT_EQ(core.Snapshot(), State{});
  plan = core.PlanService("default/web");
  // Same ids are handed out again.
  EXPECT_EQ(plan.changes.upsert_frontends, first.upsert_frontends);
  core.Commit(std::move(plan));
}

TEST(Core, AdoptKeepsIdsAcrossRestart) {
  State installed;
  {
    Core core(NodeInfo{"n1"});
    core.SetService(Svc("web", "10.96.0.10"));
    core.SetService(Svc("api", "10.96.0.11"));
    core.SetSlice(Slice("api", {"10.1.0.9"}));
    core.SetSlice(Slice("web", {"10.1.0.1", "10.1.0.2"}));
    Sync(core, core.AllServiceKeys(), installed);
    ASSERT_EQ(installed.frontends.size(), 2u);
  }
  // Restarted proxy: same objects, plus "api" is gone (stale).
  Core core(NodeInfo{"n1"});
  core.Adopt(installed);
  core.SetService(Svc("web", "10.96.0.10"));
  core.SetSlice(Slice("web", {"10.1.0.1", "10.1.0.2"}));
  State engine = installed;
  Sync(core, core.AllServiceKeys(), engine);
  core.ReleaseAdopted();
  ChangeSet stale = Diff(engine, core.Snapshot());
  EXPECT_TRUE(stale.upsert_frontends.empty());
  EXPECT_EQ(stale.delete_frontends.size(), 1u);  // api's
  stale.ApplyTo(engine);
  EXPECT_EQ(engine, core.Snapshot());
  // web kept its ids.
  for (const auto& [k, v] : engine.frontends)
    EXPECT_EQ(installed.frontends.at(k), v);
}

TEST(Core, DiffIsMinimal) {
  State a;
  a.backends[1] = Backend{IpAddr::Parse("10.0.0.1").value(), 80, Protocol::kTCP, true};
  State b = a;
  b.backends[2] = Backend{IpAddr::Parse("10.0.0.2").value(), 80, Protocol::kTCP, true};
  auto cs = Diff(a, b);
  EXPECT_EQ(cs.size(), 1u);
  EXPECT_TRUE(Diff(b, b).empty());
  cs.ApplyTo(a);
  EXPECT_EQ(a, b);
}

TEST(Core, OrphanSlicesAreListed) {
  Core core(NodeInfo{"n1"});
  core.SetSlice(Slice("ghost", {"10.1.0.1"}));
  EXPECT_EQ(core.OrphanSlices(), std::vector<std::string>{"default/ghost-x"});
  auto plan = core.PlanService("default/ghost");
  EXPECT_TRUE(plan.changes.empty());
  core.Commit(std::move(plan));
}

}  // namespace
}  // namespace skiff::dataplane
