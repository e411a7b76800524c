// The scheduler against a real in-process skiff-server: pods get bound, an impossible pod
// says why in its status and events and is scheduled once a fitting node appears, bindings
// survive optimistic-concurrency conflicts.
#include "controlplane/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include "api/client/typed.h"
#include "controlplane/scheduler/binder.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

using std::chrono::milliseconds;

// skiff-server may run its own scheduler (default-scheduler); the scheduler under test
// answers to its own name so that the two never race for the same pods.
constexpr const char* kTestScheduler = "skiff-test-scheduler";

class SchedulerTest : public server::testing::ApiServerTest {
 protected:
  void TearDown() override {
    scheduler_.reset();
    ApiServerTest::TearDown();
  }

  void StartScheduler(SchedulerOptions o = {}) {
    o.initial_backoff = milliseconds(100);
    o.max_backoff = milliseconds(400);
    o.seed = 1;
    o.scheduler_names = {kTestScheduler};
    scheduler_ = std::make_unique<Scheduler>(*client_, o);
    scheduler_->Start();
    ASSERT_TRUE(scheduler_->WaitForSync(std::chrono::seconds(10)));
  }

  void CreateNode(const std::string& name, const std::string& cpu, const std::string& memory,
                  const std::string& taint_key = "") {
    api::Node n;
    n.mutable_metadata()->set_name(name);
    (*n.mutable_metadata()->mutable_labels())["kubernetes.io/hostname"] = name;
    auto& cap = *n.mutable_status()->mutable_capacity();
    cap["cpu"] = cpu;
    cap["memory"] = memory;
    cap["pods"] = "110";
    *n.mutable_status()->mutable_allocatable() = cap;
    if (!taint_key.empty()) {
      auto* t = n.mutable_spec()->add_taints();
      t->set_key(taint_key);
      t->set_effect("NoSchedule");
    }
    auto r = api::CreateObject(*client_, n);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  api::Pod CreatePod(const std::string& name, const std::string& cpu,
                     const std::string& scheduler = "") {
    api::Pod p;
    p.mutable_metadata()->set_name(name);
    p.mutable_metadata()->set_namespace_("default");
    auto* c = p.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("busybox");
    (*c->mutable_resources()->mutable_requests())["cpu"] = cpu;
    (*c->mutable_resources()->mutable_requests())["memory"] = "64Mi";
    p.mutable_spec()->set_scheduler_name(scheduler.empty() ? kTestScheduler : scheduler);
    auto r = api::CreateObject(*client_, p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : p;
  }

  std::string NodeOf(const std::string& pod) {
    auto p = api::GetObject<api::Pod>(*client_, "default", pod);
    return p.ok() ? p->spec().node_name() : "";
  }

  const api::PodCondition* PodScheduled(const api::Pod& pod) {
    for (const auto& c : pod.status().conditions()) {
      if (c.type() == "PodScheduled") return &c;
    }
    return nullptr;
  }

  std::vector<api::Event> EventsFor(const std::string& pod, const std::string& reason) {
    std::vector<api::Event> out;
    auto list = api::ListObjects<api::Event>(*client_, "default");
    if (!list.ok()) return out;
    for (auto& e : *list) {
      if (e.involved_object().name() == pod && e.reason() == reason) out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, PodsGetBoundWithinCapacity) {
  CreateNode("node-a", "2", "4Gi");
  CreateNode("node-b", "2", "4Gi");
  CreateNode("node-c", "2", "4Gi");
  StartScheduler();
  for (int i = 0; i < 9; ++i)
    CreatePod("p-" + std::to_string(i), "600m");
  ASSERT_TRUE(Eventually([&] {
    for (int i = 0; i < 9; ++i) {
      if (NodeOf("p-" + std::to_string(i)).empty()) return false;
    }
    return true;
  }));
  std::map<std::string, int> per_node;
  for (int i = 0; i < 9; ++i)
    per_node[NodeOf("p-" + std::to_string(i))]++;
  // 3 x 600m fit on a 2-cpu node, a fourth does not: exactly 3 per node.
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"node-a", 3}, {"node-b", 3}, {"node-c", 3}}));
  ASSERT_TRUE(Eventually([&] { return !EventsFor("p-0", "Scheduled").empty(); }));
  auto ev = EventsFor("p-0", "Scheduled")[0];
  EXPECT_EQ(ev.type(), "Normal");
  EXPECT_EQ(ev.message(), "Successfully assigned default/p-0 to " + NodeOf("p-0"));
  EXPECT_EQ(ev.source().component(), kTestScheduler);
  EXPECT_GE(scheduler_->stats().scheduled, 9u);
}

TEST_F(SchedulerTest, ImpossiblePodSaysWhyAndIsScheduledWhenANodeFits) {
  CreateNode("small-1", "1", "2Gi");
  CreateNode("small-2", "1", "2Gi");
  CreateNode("control", "8", "16Gi", "node-role.kubernetes.io/control-plane");
  StartScheduler();
  CreatePod("big", "4");
  const std::string why =
      "0/3 nodes are available: 1 node(s) had untolerated taint "
      "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.";
  ASSERT_TRUE(Eventually([&] {
    auto p = api::GetObject<api::Pod>(*client_, "default", "big");
    return p.ok() && PodScheduled(*p) != nullptr;
  }));
  auto pod = api::GetObject<api::Pod>(*client_, "default", "big");
  ASSERT_TRUE(pod.ok());
  const api::PodCondition* cond = PodScheduled(*pod);
  EXPECT_EQ(cond->status(), "False");
  EXPECT_EQ(cond->reason(), "Unschedulable");
  EXPECT_EQ(cond->message(), why);
  EXPECT_TRUE(cond->has_last_transition_time());
  EXPECT_EQ(pod->spec().node_name(), "");
  ASSERT_TRUE(Eventually([&] { return !EventsFor("big", "FailedScheduling").empty(); }));
  auto ev = EventsFor("big", "FailedScheduling")[0];
  EXPECT_EQ(ev.type(), "Warning");
  EXPECT_EQ(ev.message(), why);
  EXPECT_EQ(ev.involved_object().kind(), "Pod");
  EXPECT_EQ(ev.involved_object().uid(), pod->metadata().uid());

  // A node that fits appears: the pod is retried and bound, and its condition turns True.
  CreateNode("large", "8", "16Gi");
  ASSERT_TRUE(Eventually([&] { return NodeOf("big") == "large"; }));
  ASSERT_TRUE(Eventually([&] {
    auto p = api::GetObject<api::Pod>(*client_, "default", "big");
    return p.ok() && PodScheduled(*p) && PodScheduled(*p)->status() == "True";
  }));
}

TEST_F(SchedulerTest, RetriedWhenAPodIsDeletedAndLeavesOtherSchedulersAlone) {
  CreateNode("only", "1", "2Gi");
  StartScheduler();
  CreatePod("first", "1");
  ASSERT_TRUE(Eventually([&] { return NodeOf("first") == "only"; }));
  CreatePod("second", "1");
  CreatePod("theirs", "100m", "other-scheduler");
  ASSERT_TRUE(Eventually([&] {
    auto p = api::GetObject<api::Pod>(*client_, "default", "second");
    return p.ok() && PodScheduled(*p) &&
           PodScheduled(*p)->message() == "0/1 nodes are available: 1 Insufficient cpu.";
  }));
  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_("default");
  del.set_name("first");
  del.set_grace_period_seconds(0);
  ASSERT_TRUE(client_->Delete(del).ok());
  ASSERT_TRUE(Eventually([&] { return NodeOf("second") == "only"; }));
  auto theirs = api::GetObject<api::Pod>(*client_, "default", "theirs");
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->spec().node_name(), "");
  EXPECT_EQ(PodScheduled(*theirs), nullptr);
}

TEST_F(SchedulerTest, NodeChangesRetryWaitingPods) {
  CreateNode("tainted", "4", "8Gi", "dedicated");
  StartScheduler();
  CreatePod("waiting", "100m");
  ASSERT_TRUE(Eventually([&] {
    auto p = api::GetObject<api::Pod>(*client_, "default", "waiting");
    return p.ok() && PodScheduled(*p) &&
           PodScheduled(*p)->message() ==
               "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: }.";
  }));
  // A heartbeat-like change (conditions only) does not make it schedulable...
  auto node = api::GetObject<api::Node>(*client_, "", "tainted");
  ASSERT_TRUE(node.ok());
  auto* cond = node->mutable_status()->add_conditions();
  cond->set_type("Ready");
  cond->set_status("True");
  auto updated = api::UpdateObject(*client_, *node, /*status=*/true);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  // ...removing the taint does, and the pod is retried at once.
  api::Node untainted = *updated;
  untainted.mutable_spec()->clear_taints();
  ASSERT_TRUE(api::UpdateObject(*client_, untainted).ok());
  ASSERT_TRUE(Eventually([&] { return NodeOf("waiting") == "tainted"; }));
}

TEST_F(SchedulerTest, GatedPodsWaitForTheirGates) {
  CreateNode("n", "4", "8Gi");
  StartScheduler();
  api::Pod p;
  p.mutable_metadata()->set_name("gated");
  p.mutable_metadata()->set_namespace_("default");
  p.mutable_spec()->set_scheduler_name(kTestScheduler);
  p.mutable_spec()->add_containers()->set_name("app");
  p.mutable_spec()->mutable_containers(0)->set_image("busybox");
  p.mutable_spec()->add_scheduling_gates()->set_name("example.com/wait");
  ASSERT_TRUE(api::CreateObject(*client_, p).ok());
  ASSERT_TRUE(Eventually([&] {
    auto got = api::GetObject<api::Pod>(*client_, "default", "gated");
    return got.ok() && PodScheduled(*got) && PodScheduled(*got)->reason() == "SchedulingGated";
  }));
  auto got = api::GetObject<api::Pod>(*client_, "default", "gated");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(PodScheduled(*got)->message(),
            "Scheduling is blocked due to non-empty scheduling gates");
  EXPECT_EQ(got->spec().node_name(), "");
  got->mutable_spec()->clear_scheduling_gates();
  auto ungated = api::UpdateObject(*client_, *got);
  ASSERT_TRUE(ungated.ok()) << ungated.status().ToString();
  ASSERT_TRUE(Eventually([&] { return NodeOf("gated") == "n"; }));
}

TEST_F(SchedulerTest, BindingUsesOptimisticConcurrency) {
  CreateNode("n1", "4", "8Gi");
  CreateNode("n2", "4", "8Gi");
  api::Pod seen = CreatePod("p", "100m");
  // Someone changes the pod after we read it: the binding re-reads and still lands.
  api::Pod relabelled = seen;
  (*relabelled.mutable_metadata()->mutable_labels())["tier"] = "web";
  ASSERT_TRUE(api::UpdateObject(*client_, relabelled).ok());
  BindResult r = BindPod(*client_, std::make_shared<api::Pod>(seen), "n1");
  EXPECT_EQ(r.kind, BindResult::Kind::kBound);
  EXPECT_EQ(r.conflicts, 1);
  EXPECT_EQ(NodeOf("p"), "n1");
  EXPECT_EQ(r.pod->metadata().labels().at("tier"), "web");

  // Already bound by someone else: the stale binding gives up without touching it.
  api::Pod q = CreatePod("q", "100m");
  api::Pod other = q;
  other.mutable_spec()->set_node_name("n2");
  ASSERT_TRUE(api::UpdateObject(*client_, other).ok());
  r = BindPod(*client_, std::make_shared<api::Pod>(q), "n1");
  EXPECT_EQ(r.kind, BindResult::Kind::kBoundElsewhere);
  EXPECT_EQ(NodeOf("q"), "n2");

  // Deleted before the binding: gone.
  api::Pod gone = CreatePod("gone", "100m");
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "gone").ok());
  EXPECT_EQ(BindPod(*client_, std::make_shared<api::Pod>(gone), "n1").kind,
            BindResult::Kind::kGone);
}

}  // namespace
}  // namespace skiff::scheduler
