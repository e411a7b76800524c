// The workload controllers against a real in-process server, with a fake
// node agent standing in for skiff-agent: ReplicaSets converge and heal,
// Deployments roll out within their limits and roll back, EndpointSlices
// follow pod readiness, deletion cascades.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "api/int_or_string.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "tests/controllers/fake_kubelet.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;

api::PodTemplateSpec Template(const std::string& app, const std::string& env_value) {
  api::PodTemplateSpec t;
  (*t.mutable_metadata()->mutable_labels())["app"] = app;
  auto* c = t.mutable_spec()->add_containers();
  c->set_name("web");
  c->set_image("skiff/hello");
  auto* port = c->add_ports();
  port->set_name("http");
  port->set_container_port(8080);
  auto* env = c->add_env();
  env->set_name("VERSION");
  env->set_value(env_value);
  return t;
}

api::Deployment MakeDeployment(const std::string& name, int replicas, int surge, int unavailable) {
  api::Deployment d;
  d.mutable_metadata()->set_name(name);
  d.mutable_metadata()->set_namespace_("default");
  d.mutable_spec()->set_replicas(replicas);
  (*d.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  *d.mutable_spec()->mutable_template_() = Template(name, "v1");
  auto* ru = d.mutable_spec()->mutable_strategy()->mutable_rolling_update();
  d.mutable_spec()->mutable_strategy()->set_type("RollingUpdate");
  api::SetInt(ru->mutable_max_surge(), surge);
  api::SetInt(ru->mutable_max_unavailable(), unavailable);
  return d;
}

std::vector<api::Pod> PodsOf(api::ApiClient& c, const std::string& app, bool active_only = true) {
  auto pods = api::ListObjects<api::Pod>(c, "default", "app=" + app);
  std::vector<api::Pod> out;
  if (!pods.ok()) return out;
  for (auto& p : *pods) {
    if (!active_only || !p.metadata().has_deletion_timestamp()) out.push_back(std::move(p));
  }
  return out;
}

int ReadyCount(const std::vector<api::Pod>& pods) {
  int n = 0;
  for (const auto& p : pods) {
    for (const auto& c : p.status().conditions()) {
      if (c.type() == "Ready" && c.status() == "True") ++n;
    }
  }
  return n;
}

std::string EnvOf(const api::Pod& p) {
  return p.spec().containers(0).env(0).value();
}

// Sets the template's VERSION env, retrying on conflicts with the controller's
// own writes (as kubectl does).
bool SetVersion(api::ApiClient& c, const std::string& name, const std::string& version) {
  for (int i = 0; i < 20; ++i) {
    auto d = api::GetObject<api::Deployment>(c, "default", name);
    if (!d.ok()) return false;
    d->mutable_spec()
        ->mutable_template_()
        ->mutable_spec()
        ->mutable_containers(0)
        ->mutable_env(0)
        ->set_value(version);
    auto r = api::UpdateObject(c, *d);
    if (r.ok()) return true;
    if (r.status().code() != StatusCode::kAborted) return false;
  }
  return false;
}

TEST_F(ApiServerTest, ReplicaSetScalesAndReplacesDeletedPods) {
  testing::FakeKubelet kubelet(*client_, {});
  api::ReplicaSet rs;
  rs.mutable_metadata()->set_name("rs");
  rs.mutable_metadata()->set_namespace_("default");
  rs.mutable_spec()->set_replicas(3);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "rs";
  *rs.mutable_spec()->mutable_template_() = Template("rs", "v1");
  ASSERT_TRUE(api::CreateObject(*client_, rs).ok());
  ASSERT_TRUE(Eventually([&] { return ReadyCount(PodsOf(*client_, "rs")) == 3; }));

  // A deleted pod is replaced.
  auto before = PodsOf(*client_, "rs");
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", before[0].metadata().name()).ok());
  ASSERT_TRUE(Eventually([&] {
    auto now = PodsOf(*client_, "rs");
    if (now.size() != 3 || ReadyCount(now) != 3) return false;
    for (const auto& p : now) {
      if (p.metadata().name() == before[0].metadata().name()) return false;
    }
    return true;
  }));

  // 3 -> 5 -> 2.
  for (int target : {5, 2}) {
    // Retried on conflict: the controller writes the status meanwhile.
    auto scaled = Mutate<api::ReplicaSet>(
        "default", "rs", [&](api::ReplicaSet& r) { r.mutable_spec()->set_replicas(target); });
    ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
    ASSERT_TRUE(Eventually([&] {
      auto pods = api::ListObjects<api::Pod>(*client_, "default", "app=rs");
      auto st = api::GetObject<api::ReplicaSet>(*client_, "default", "rs");
      return pods.ok() && static_cast<int>(pods->size()) == target && st.ok() &&
             st->status().ready_replicas() == target && st->status().replicas() == target;
    })) << "target "
        << target;
  }
  // Every pod is controlled by the ReplicaSet.
  for (const auto& p : PodsOf(*client_, "rs")) {
    ASSERT_EQ(p.metadata().owner_references_size(), 1);
    EXPECT_EQ(p.metadata().owner_references(0).kind(), "ReplicaSet");
    EXPECT_TRUE(p.metadata().owner_references(0).controller());
  }
}

TEST_F(ApiServerTest, DeploymentRollingUpdateKeepsMinimumReady) {
  testing::FakeKubelet kubelet(*client_, {});
  ASSERT_TRUE(api::CreateObject(*client_, MakeDeployment("web", 4, 1, 1)).ok());
  ASSERT_TRUE(Eventually([&] {
    auto d = api::GetObject<api::Deployment>(*client_, "default", "web");
    return d.ok() && d->status().available_replicas() == 4 && d->status().updated_replicas() == 4;
  }));
  // Watch readiness while the template changes.
  std::atomic<bool> done{false};
  std::atomic<int> min_ready{100};
  std::thread sampler([&] {
    while (!done) {
      int r = ReadyCount(PodsOf(*client_, "web"));
      if (r < min_ready) min_ready = r;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  ASSERT_TRUE(SetVersion(*client_, "web", "v2"));
  bool rolled = Eventually(
      [&] {
        auto pods = PodsOf(*client_, "web", false);
        if (pods.size() != 4) return false;
        for (const auto& p : pods) {
          if (EnvOf(p) != "v2") return false;
        }
        auto cur = api::GetObject<api::Deployment>(*client_, "default", "web");
        return ReadyCount(pods) == 4 && cur.ok() && cur->status().updated_replicas() == 4 &&
               cur->status().available_replicas() == 4;
      },
      std::chrono::seconds(20));
  done = true;
  sampler.join();
  ASSERT_TRUE(rolled);
  EXPECT_GE(min_ready.load(), 3);  // replicas - maxUnavailable

  auto rss = api::ListObjects<api::ReplicaSet>(*client_, "default", "app=web");
  ASSERT_TRUE(rss.ok());
  ASSERT_EQ(rss->size(), 2u);  // the old one is kept, scaled to zero
  auto cur = api::GetObject<api::Deployment>(*client_, "default", "web");
  EXPECT_EQ(cur->metadata().annotations().at("deployment.kubernetes.io/revision"), "2");
  bool progressing = false;
  for (const auto& c : cur->status().conditions()) {
    if (c.type() == "Progressing") progressing = c.reason() == "NewReplicaSetAvailable";
  }
  EXPECT_TRUE(progressing);
}

TEST_F(ApiServerTest, DeploymentRollbackReusesTheOldReplicaSet) {
  testing::FakeKubelet kubelet(*client_, {});
  ASSERT_TRUE(api::CreateObject(*client_, MakeDeployment("rb", 2, 1, 0)).ok());
  auto rolled_to = [&](const std::string& v) {
    return Eventually(
        [&] {
          auto pods = PodsOf(*client_, "rb", false);
          if (pods.size() != 2 || ReadyCount(pods) != 2) return false;
          for (const auto& p : pods) {
            if (EnvOf(p) != v) return false;
          }
          return true;
        },
        std::chrono::seconds(20));
  };
  ASSERT_TRUE(rolled_to("v1"));
  auto first_rs = api::ListObjects<api::ReplicaSet>(*client_, "default", "app=rb");
  ASSERT_TRUE(first_rs.ok() && first_rs->size() == 1);
  ASSERT_TRUE(SetVersion(*client_, "rb", "v2"));
  ASSERT_TRUE(rolled_to("v2"));
  // Back to v1: the first ReplicaSet comes back as revision 3.
  ASSERT_TRUE(SetVersion(*client_, "rb", "v1"));
  ASSERT_TRUE(rolled_to("v1"));
  ASSERT_TRUE(Eventually([&] {
    auto rs =
        api::GetObject<api::ReplicaSet>(*client_, "default", (*first_rs)[0].metadata().name());
    return rs.ok() && rs->metadata().annotations().at("deployment.kubernetes.io/revision") == "3";
  }));
  auto all = api::ListObjects<api::ReplicaSet>(*client_, "default", "app=rb");
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(ApiServerTest, RecreateStopsOldPodsBeforeStartingNew) {
  testing::FakeKubelet kubelet(*client_, {});
  api::Deployment d = MakeDeployment("rc", 2, 0, 0);
  d.mutable_spec()->mutable_strategy()->set_type("Recreate");
  d.mutable_spec()->mutable_strategy()->clear_rolling_update();
  ASSERT_TRUE(api::CreateObject(*client_, d).ok());
  ASSERT_TRUE(Eventually([&] { return ReadyCount(PodsOf(*client_, "rc")) == 2; }));
  std::atomic<bool> done{false}, mixed{false};
  std::thread sampler([&] {
    while (!done) {
      std::set<std::string> versions;
      for (const auto& p : PodsOf(*client_, "rc", false))
        versions.insert(EnvOf(p));
      if (versions.size() > 1) mixed = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  ASSERT_TRUE(SetVersion(*client_, "rc", "v2"));
  bool ok = Eventually(
      [&] {
        auto pods = PodsOf(*client_, "rc", false);
        return pods.size() == 2 && ReadyCount(pods) == 2 && EnvOf(pods[0]) == "v2" &&
               EnvOf(pods[1]) == "v2";
      },
      std::chrono::seconds(20));
  done = true;
  sampler.join();
  ASSERT_TRUE(ok);
  EXPECT_FALSE(mixed.load()) << "old and new pods ran at the same time";
}

TEST_F(ApiServerTest, EndpointSlicesFollowReadiness) {
  std::mutex mu;
  std::set<std::string> unready;  // pod names reported not ready
  testing::FakeKubelet::Options opts;
  opts.ready = [&](const api::Pod& p) {
    std::lock_guard lock(mu);
    return !unready.count(p.metadata().name());
  };
  testing::FakeKubelet kubelet(*client_, opts);
  ASSERT_TRUE(api::CreateObject(*client_, MakeDeployment("ep", 3, 1, 0)).ok());
  api::Service svc;
  svc.mutable_metadata()->set_name("ep");
  svc.mutable_metadata()->set_namespace_("default");
  (*svc.mutable_spec()->mutable_selector())["app"] = "ep";
  auto* port = svc.mutable_spec()->add_ports();
  port->set_name("web");
  port->set_port(80);
  api::SetString(port->mutable_target_port(), "http");
  ASSERT_TRUE(api::CreateObject(*client_, svc).ok());

  auto ready_addresses = [&] {
    std::set<std::string> out;
    auto slices =
        api::ListObjects<api::EndpointSlice>(*client_, "default", "kubernetes.io/service-name=ep");
    if (!slices.ok()) return out;
    for (const auto& s : *slices) {
      for (const auto& e : s.endpoints()) {
        if (e.conditions().ready()) out.insert(e.addresses(0));
      }
    }
    return out;
  };
  ASSERT_TRUE(Eventually([&] { return ready_addresses().size() == 3; }));
  auto slices =
      api::ListObjects<api::EndpointSlice>(*client_, "default", "kubernetes.io/service-name=ep");
  ASSERT_EQ(slices->size(), 1u);
  const auto& slice = (*slices)[0];
  EXPECT_EQ(slice.address_type(), "IPv4");
  ASSERT_EQ(slice.ports_size(), 1);
  EXPECT_EQ(slice.ports(0).port(), 8080);  // named targetPort resolved
  EXPECT_EQ(slice.ports(0).name(), "web");
  EXPECT_EQ(slice.endpoints(0).target_ref().kind(), "Pod");
  EXPECT_EQ(slice.endpoints(0).node_name(), "fake-node");
  EXPECT_EQ(slice.metadata().owner_references(0).kind(), "Service");

  // One pod turns unready: it stays listed, not ready.
  auto pods = PodsOf(*client_, "ep");
  {
    std::lock_guard lock(mu);
    unready.insert(pods[0].metadata().name());
  }
  kubelet.Resync();
  ASSERT_TRUE(Eventually([&] { return ready_addresses().size() == 2; }));
  EXPECT_FALSE(ready_addresses().count(pods[0].status().pod_ip()));
}

TEST_F(ApiServerTest, DeletingADeploymentDeletesItsReplicaSetsAndPods) {
  testing::FakeKubelet kubelet(*client_, {});
  ASSERT_TRUE(api::CreateObject(*client_, MakeDeployment("gone", 2, 1, 0)).ok());
  ASSERT_TRUE(Eventually([&] { return ReadyCount(PodsOf(*client_, "gone")) == 2; }));
  ASSERT_TRUE(api::DeleteObject<api::Deployment>(*client_, "default", "gone").ok());
  EXPECT_TRUE(Eventually([&] {
    auto rs = api::ListObjects<api::ReplicaSet>(*client_, "default", "app=gone");
    auto pods = api::ListObjects<api::Pod>(*client_, "default", "app=gone");
    return rs.ok() && rs->empty() && pods.ok() && pods->empty();
  }));
}

TEST_F(ApiServerTest, StalledRolloutReportsProgressDeadlineExceeded) {
  testing::FakeKubelet::Options opts;
  opts.ready = [](const api::Pod& p) { return EnvOf(p) != "broken"; };
  testing::FakeKubelet kubelet(*client_, opts);
  api::Deployment d = MakeDeployment("stall", 2, 1, 0);
  d.mutable_spec()->set_progress_deadline_seconds(2);
  ASSERT_TRUE(api::CreateObject(*client_, d).ok());
  ASSERT_TRUE(Eventually([&] { return ReadyCount(PodsOf(*client_, "stall")) == 2; }));
  ASSERT_TRUE(SetVersion(*client_, "stall", "broken"));
  EXPECT_TRUE(Eventually(
      [&] {
        auto now = api::GetObject<api::Deployment>(*client_, "default", "stall");
        if (!now.ok()) return false;
        for (const auto& c : now->status().conditions()) {
          if (c.type() == "Progressing" && c.reason() == "ProgressDeadlineExceeded") return true;
        }
        return false;
      },
      std::chrono::seconds(40)));
  // The old pods keep serving (maxUnavailable 0).
  EXPECT_GE(ReadyCount(PodsOf(*client_, "stall")), 2);
}

}  // namespace
}  // namespace skiff
