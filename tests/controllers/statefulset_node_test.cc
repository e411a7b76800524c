// StatefulSets (ordered, stable pods) and node lifecycle (silent nodes are
// tainted and their pods evicted), against a real in-process server.
#include <google/protobuf/util/time_util.h>

#include <mutex>
#include <set>

#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "tests/controllers/fake_kubelet.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;

api::StatefulSet MakeSet(const std::string& name, int replicas) {
  api::StatefulSet s;
  s.mutable_metadata()->set_name(name);
  s.mutable_metadata()->set_namespace_("default");
  s.mutable_spec()->set_replicas(replicas);
  s.mutable_spec()->set_service_name(name);
  (*s.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* t = s.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("db");
  c->set_image("db");
  auto* env = c->add_env();
  env->set_name("VERSION");
  env->set_value("v1");
  return s;
}

std::set<std::string> PodNames(api::ApiClient& c, const std::string& app) {
  std::set<std::string> out;
  auto pods = api::ListObjects<api::Pod>(c, "default", "app=" + app);
  if (pods.ok()) {
    for (const auto& p : *pods)
      out.insert(p.metadata().name());
  }
  return out;
}

TEST_F(ApiServerTest, StatefulSetCreatesPodsInOrderWithStableNames) {
  std::mutex mu;
  std::set<std::string> allowed;  // pods the fake node reports Ready
  testing::FakeKubelet::Options opts;
  opts.ready = [&](const api::Pod& p) {
    std::lock_guard lock(mu);
    return allowed.count(p.metadata().name()) > 0;
  };
  testing::FakeKubelet kubelet(*client_, opts);
  ASSERT_TRUE(api::CreateObject(*client_, MakeSet("db", 3)).ok());

  for (int i = 0; i < 3; ++i) {
    std::string name = "db-" + std::to_string(i);
    ASSERT_TRUE(Eventually([&] { return PodNames(*client_, "db").count(name); })) << name;
    // The next one waits until this one is Ready.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(PodNames(*client_, "db").size(), static_cast<size_t>(i + 1));
    auto pod = api::GetObject<api::Pod>(*client_, "default", name);
    ASSERT_TRUE(pod.ok());
    EXPECT_EQ(pod->spec().hostname(), name);
    EXPECT_EQ(pod->spec().subdomain(), "db");
    EXPECT_EQ(pod->metadata().labels().at("statefulset.kubernetes.io/pod-name"), name);
    {
      std::lock_guard lock(mu);
      allowed.insert(name);
    }
    kubelet.Resync();
  }
  ASSERT_TRUE(Eventually([&] {
    auto s = api::GetObject<api::StatefulSet>(*client_, "default", "db");
    return s.ok() && s->status().ready_replicas() == 3;
  }));

  // A deleted pod comes back with the same name.
  auto old = api::GetObject<api::Pod>(*client_, "default", "db-1");
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "db-1").ok());
  ASSERT_TRUE(Eventually([&] {
    auto p = api::GetObject<api::Pod>(*client_, "default", "db-1");
    return p.ok() && p->metadata().uid() != old->metadata().uid();
  }));
  kubelet.Resync();

  // Scale down removes the highest ordinals, highest first.
  for (int i = 0; i < 20; ++i) {
    auto s = api::GetObject<api::StatefulSet>(*client_, "default", "db");
    s->mutable_spec()->set_replicas(1);
    if (api::UpdateObject(*client_, *s).ok()) break;
  }
  ASSERT_TRUE(
      Eventually([&] { return PodNames(*client_, "db") == std::set<std::string>{"db-0"}; }));
}

TEST_F(ApiServerTest, StatefulSetRollingUpdateGoesFromTheHighestOrdinal) {
  testing::FakeKubelet kubelet(*client_, {});
  ASSERT_TRUE(api::CreateObject(*client_, MakeSet("ru", 3)).ok());
  ASSERT_TRUE(Eventually([&] {
    auto s = api::GetObject<api::StatefulSet>(*client_, "default", "ru");
    return s.ok() && s->status().ready_replicas() == 3;
  }));
  // Record the order in which v2 pods are created, from a watch.
  auto list = client_->List([] {
    api::ListRequest l;
    l.set_kind("Pod");
    l.set_namespace_("default");
    return l;
  }());
  ASSERT_TRUE(list.ok());
  api::WatchRequest wreq;
  wreq.set_kind("Pod");
  wreq.set_namespace_("default");
  wreq.set_label_selector("app=ru");
  wreq.set_resource_version(list->resource_version());
  auto watch = client_->Watch(wreq);
  ASSERT_TRUE(watch.ok());
  std::string first_revision;
  for (int i = 0; i < 20; ++i) {
    auto s = api::GetObject<api::StatefulSet>(*client_, "default", "ru");
    first_revision = s->status().current_revision();
    s->mutable_spec()
        ->mutable_template_()
        ->mutable_spec()
        ->mutable_containers(0)
        ->mutable_env(0)
        ->set_value("v2");
    if (api::UpdateObject(*client_, *s).ok()) break;
  }
  std::vector<std::string> order;  // v2 pods, in creation order
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (order.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    api::WatchEvent ev;
    if ((*watch)->Read(&ev, std::chrono::milliseconds(200)) != api::WatchStream::Next::kEvent) {
      continue;
    }
    api::Pod p;
    if (ev.type() != "ADDED" || !p.ParseFromString(ev.object())) continue;
    if (p.spec().containers(0).env(0).value() == "v2") order.push_back(p.metadata().name());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"ru-2", "ru-1", "ru-0"}));
  ASSERT_TRUE(Eventually([&] {
    auto s = api::GetObject<api::StatefulSet>(*client_, "default", "ru");
    return s->status().updated_replicas() == 3 &&
           s->status().current_revision() == s->status().update_revision() &&
           s->status().current_revision() != first_revision;
  }));
}

class FastNodeLifecycleTest : public ApiServerTest {
  void Customize(server::ServerOptions& opts) override {
    opts.node_monitor_grace = std::chrono::milliseconds(800);
    opts.pod_eviction_timeout = std::chrono::seconds(1);
  }
};

TEST_F(FastNodeLifecycleTest, SilentNodeIsTaintedAndItsPodsEvicted) {
  api::Node node;
  node.mutable_metadata()->set_name("quiet");
  auto* ready = node.mutable_status()->add_conditions();
  ready->set_type("Ready");
  ready->set_status("True");
  *ready->mutable_last_heartbeat_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto created = api::CreateObject(*client_, node);
  ASSERT_TRUE(created.ok());
  *created->mutable_status() = node.status();
  ASSERT_TRUE(api::UpdateObject(*client_, *created, true).ok());

  api::Pod pod;
  pod.mutable_metadata()->set_name("stranded");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("quiet");
  pod.mutable_spec()->set_termination_grace_period_seconds(1);
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("i");
  ASSERT_TRUE(api::CreateObject(*client_, pod).ok());

  // No heartbeat: Ready becomes Unknown and the node is tainted.
  ASSERT_TRUE(Eventually([&] {
    auto n = api::GetObject<api::Node>(*client_, "", "quiet");
    if (!n.ok()) return false;
    bool unknown = false, tainted = false;
    for (const auto& cond : n->status().conditions()) {
      if (cond.type() == "Ready") unknown = cond.status() == "Unknown";
    }
    for (const auto& t : n->spec().taints()) {
      if (t.key() == "node.kubernetes.io/unreachable" && t.effect() == "NoExecute") tainted = true;
    }
    return unknown && tainted;
  }));
  // The pod is evicted after the default toleration and, the node being
  // unreachable, removed for good after its grace period.
  EXPECT_TRUE(Eventually(
      [&] {
        return api::GetObject<api::Pod>(*client_, "default", "stranded").status().code() ==
               StatusCode::kNotFound;
      },
      std::chrono::seconds(15)));
}

TEST_F(FastNodeLifecycleTest, PodsTolerateForeverWithoutTolerationSeconds) {
  api::Node node;
  node.mutable_metadata()->set_name("quiet2");
  ASSERT_TRUE(api::CreateObject(*client_, node).ok());
  api::Pod pod;
  pod.mutable_metadata()->set_name("patient");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("quiet2");
  auto* tol = pod.mutable_spec()->add_tolerations();
  tol->set_key("node.kubernetes.io/unreachable");
  tol->set_operator_("Exists");
  tol->set_effect("NoExecute");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("i");
  ASSERT_TRUE(api::CreateObject(*client_, pod).ok());
  ASSERT_TRUE(Eventually([&] {
    auto n = api::GetObject<api::Node>(*client_, "", "quiet2");
    return n.ok() && n->spec().taints_size() > 0;
  }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto p = api::GetObject<api::Pod>(*client_, "default", "patient");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->metadata().has_deletion_timestamp());
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

TEST_F(ApiServerTest, DaemonSetRunsOnePodPerEligibleNodeAndRollsOut) {
  testing::FakeKubelet::Options opts;
  opts.bind_unscheduled = false;
  testing::FakeKubelet kubelet(*client_, opts);
  // A second node, tainted: only pods tolerating the taint go there.
  testing::FakeKubelet::Options gpu_opts = opts;
  gpu_opts.node_name = "gpu-node";
  testing::FakeKubelet gpu_kubelet(*client_, gpu_opts);
  ASSERT_TRUE(Mutate<api::Node>("", "gpu-node", [](api::Node& n) {
                auto* taint = n.mutable_spec()->add_taints();
                taint->set_key("gpu");
                taint->set_value("true");
                taint->set_effect("NoSchedule");
              }).ok());

  api::DaemonSet ds;
  ds.mutable_metadata()->set_name("agent");
  ds.mutable_metadata()->set_namespace_("default");
  (*ds.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "agent";
  auto* t = ds.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = "agent";
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("a");
  c->set_image("a");
  c->add_env()->set_name("V");
  c->mutable_env(0)->set_value("1");
  ASSERT_TRUE(api::CreateObject(*client_, ds).ok());
  auto pods_on = [&](const std::string& node) {
    auto pods =
        api::ListObjects<api::Pod>(*client_, "default", "app=agent", "spec.nodeName=" + node);
    return pods.ok() ? pods->size() : 0u;
  };
  ASSERT_TRUE(Eventually([&] { return pods_on("fake-node") == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(pods_on("gpu-node"), 0u);

  // Tolerating the taint brings a pod there too; the change rolls out.
  auto updated = Mutate<api::DaemonSet>("default", "agent", [](api::DaemonSet& d) {
    auto* tol = d.mutable_spec()->mutable_template_()->mutable_spec()->add_tolerations();
    tol->set_key("gpu");
    tol->set_operator_("Exists");
  });
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  ASSERT_TRUE(Eventually([&] { return pods_on("gpu-node") == 1 && pods_on("fake-node") == 1; }));
  ASSERT_TRUE(Eventually([&] {
    auto d = api::GetObject<api::DaemonSet>(*client_, "default", "agent");
    return d.ok() && d->status().desired_number_scheduled() == 2 &&
           d->status().updated_number_scheduled() == 2;
  }));
  auto pod =
      api::ListObjects<api::Pod>(*client_, "default", "app=agent", "spec.nodeName=fake-node");
  ASSERT_EQ(pod->size(), 1u);
  EXPECT_EQ((*pod)[0].spec().tolerations_size() > 1, true);  // its own plus the daemon defaults
}

}  // namespace
}  // namespace skiff
