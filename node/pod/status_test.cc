#include "node/pod/status.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

api::Pod Spec(const std::string& policy, std::vector<std::string> apps,
              std::vector<std::string> inits = {}) {
  api::Pod p;
  p.mutable_metadata()->set_name("p");
  p.mutable_metadata()->set_namespace_("default");
  p.mutable_metadata()->set_generation(3);
  p.mutable_spec()->set_restart_policy(policy);
  for (auto& n : apps)
    p.mutable_spec()->add_containers()->set_name(n);
  for (auto& n : inits)
    p.mutable_spec()->add_init_containers()->set_name(n);
  p.mutable_status()->set_qos_class("BestEffort");
  return p;
}

ContainerView Running(const std::string& name, bool ready = true) {
  ContainerView v;
  v.name = name;
  v.state = ContainerView::State::kRunning;
  v.started_at_ns = 1700000000LL * 1000000000LL;
  v.ready = ready;
  v.started = true;
  return v;
}

ContainerView Exited(const std::string& name, int code) {
  ContainerView v;
  v.name = name;
  v.state = ContainerView::State::kTerminated;
  TerminationView t;
  t.exit_code = code;
  t.reason = code == 0 ? "Completed" : "Error";
  v.terminated = t;
  return v;
}

ContainerView Waiting(const std::string& name, const std::string& reason, bool crashed = false) {
  ContainerView v;
  v.name = name;
  v.waiting_reason = reason;
  if (crashed) {
    TerminationView t;
    t.exit_code = 1;
    t.reason = "Error";
    v.last = t;
  }
  return v;
}

std::string Cond(const api::PodStatus& s, const std::string& type) {
  for (const auto& c : s.conditions()) {
    if (c.type() == type) return c.status() + (c.reason().empty() ? "" : "/" + c.reason());
  }
  return "absent";
}

TEST(PodPhaseTest, KubeletRules) {
  PodView v;
  v.app = {Waiting("a", "ContainerCreating")};
  EXPECT_EQ(PodPhase(Spec("Always", {"a"}), v), "Pending");
  v.app = {Running("a")};
  EXPECT_EQ(PodPhase(Spec("Always", {"a"}), v), "Running");
  v.app = {Running("a"), Waiting("b", "CrashLoopBackOff", true)};
  EXPECT_EQ(PodPhase(Spec("Always", {"a", "b"}), v), "Running");
  v.app = {Exited("a", 0)};
  EXPECT_EQ(PodPhase(Spec("Never", {"a"}), v), "Succeeded");
  EXPECT_EQ(PodPhase(Spec("OnFailure", {"a"}), v), "Succeeded");
  EXPECT_EQ(PodPhase(Spec("Always", {"a"}), v), "Running");
  v.app = {Exited("a", 0), Exited("b", 2)};
  EXPECT_EQ(PodPhase(Spec("Never", {"a", "b"}), v), "Failed");
  EXPECT_EQ(PodPhase(Spec("OnFailure", {"a", "b"}), v), "Running");
  v.terminal = true;
  EXPECT_EQ(PodPhase(Spec("Always", {"a", "b"}), v), "Failed");
  v.app = {Exited("a", 0), Exited("b", 0)};
  EXPECT_EQ(PodPhase(Spec("Always", {"a", "b"}), v), "Succeeded");
}

TEST(PodPhaseTest, InitContainers) {
  api::Pod pod = Spec("Always", {"app"}, {"init"});
  PodView v;
  v.init = {Running("init")};
  v.app = {Waiting("app", "PodInitializing")};
  EXPECT_EQ(PodPhase(pod, v), "Pending");
  v.init = {Exited("init", 0)};
  v.app = {Running("app")};
  EXPECT_EQ(PodPhase(pod, v), "Running");
  // A failed init container fails a Never pod, and keeps others pending.
  v.init = {Exited("init", 1)};
  v.app = {Waiting("app", "PodInitializing")};
  EXPECT_EQ(PodPhase(Spec("Never", {"app"}, {"init"}), v), "Failed");
  EXPECT_EQ(PodPhase(pod, v), "Pending");
}

TEST(ComputePodStatusTest, ReadyRunningPod) {
  api::Pod pod = Spec("Always", {"a", "b"});
  PodView v;
  v.sandbox_ready = true;
  v.pod_ips = {"10.244.0.5", "fd00::5"};
  v.host_ips = {"192.168.1.10"};
  v.start_time_ns = 1700000000LL * 1000000000LL;
  v.app = {Running("a"), Running("b")};
  v.app[1].restart_count = 2;
  TerminationView last;
  last.exit_code = 137;
  last.reason = "OOMKilled";
  v.app[1].last = last;
  v.app[1].container_id = "skiff-process://abc";
  int64_t now = 1700000100LL * 1000000000LL;
  api::PodStatus s = ComputePodStatus(pod, v, pod.status(), now);
  EXPECT_EQ(s.phase(), "Running");
  EXPECT_EQ(s.pod_ip(), "10.244.0.5");
  ASSERT_EQ(s.pod_ips_size(), 2);
  EXPECT_EQ(s.pod_ips(1).ip(), "fd00::5");
  EXPECT_EQ(s.host_ip(), "192.168.1.10");
  EXPECT_EQ(s.start_time().seconds(), 1700000000);
  EXPECT_EQ(s.qos_class(), "BestEffort");
  EXPECT_EQ(s.observed_generation(), 3);
  EXPECT_EQ(Cond(s, "Ready"), "True");
  EXPECT_EQ(Cond(s, "ContainersReady"), "True");
  EXPECT_EQ(Cond(s, "Initialized"), "True");
  EXPECT_EQ(Cond(s, "PodReadyToStartContainers"), "True");
  EXPECT_EQ(Cond(s, "PodScheduled"), "True");
  ASSERT_EQ(s.container_statuses_size(), 2);
  const auto& b = s.container_statuses(1);
  EXPECT_EQ(b.restart_count(), 2);
  EXPECT_EQ(b.last_state().terminated().reason(), "OOMKilled");
  EXPECT_EQ(b.last_state().terminated().exit_code(), 137);
  EXPECT_TRUE(b.state().has_running());
  EXPECT_TRUE(b.started());
  EXPECT_EQ(b.container_id(), "skiff-process://abc");
}

TEST(ComputePodStatusTest, NotReadyNamesTheContainers) {
  api::Pod pod = Spec("Always", {"a", "b"});
  PodView v;
  v.sandbox_ready = true;
  v.app = {Running("a", false), Waiting("b", "CrashLoopBackOff", true)};
  api::PodStatus s = ComputePodStatus(pod, v, pod.status(), 1);
  EXPECT_EQ(Cond(s, "Ready"), "False/ContainersNotReady");
  for (const auto& c : s.conditions()) {
    if (c.type() == "Ready") {
      EXPECT_EQ(c.message(), "containers with unready status: [a b]");
    }
  }
  EXPECT_EQ(s.container_statuses(1).state().waiting().reason(), "CrashLoopBackOff");
  EXPECT_EQ(s.container_statuses(1).last_state().terminated().exit_code(), 1);
}

TEST(ComputePodStatusTest, KeepsTransitionTimesAndOthersConditions) {
  api::Pod pod = Spec("Always", {"a"});
  auto* sched = pod.mutable_status()->add_conditions();
  sched->set_type("PodScheduled");
  sched->set_status("True");
  sched->mutable_last_transition_time()->set_seconds(5);
  pod.mutable_spec()->add_readiness_gates()->set_condition_type("example.com/lb");
  PodView v;
  v.sandbox_ready = true;
  v.app = {Running("a")};
  api::PodStatus first = ComputePodStatus(pod, v, pod.status(), 100LL * 1000000000LL);
  // The gate's condition is missing: not Ready, says why.
  EXPECT_EQ(Cond(first, "Ready"), "False/ReadinessGatesNotReady");
  EXPECT_EQ(Cond(first, "ContainersReady"), "True");
  auto* gate = pod.mutable_status()->add_conditions();
  gate->set_type("example.com/lb");
  gate->set_status("True");
  api::PodStatus second = ComputePodStatus(pod, v, first, 200LL * 1000000000LL);
  EXPECT_EQ(Cond(second, "Ready"), "True");
  for (const auto& c : second.conditions()) {
    if (c.type() == "PodScheduled") {
      EXPECT_EQ(c.last_transition_time().seconds(), 5);
    }
    if (c.type() == "ContainersReady") {
      EXPECT_EQ(c.last_transition_time().seconds(), 100);
    }
    if (c.type() == "Ready") {
      EXPECT_EQ(c.last_transition_time().seconds(), 200);
    }
  }
}

TEST(ComputePodStatusTest, RejectedPod) {
  api::Pod pod = Spec("Always", {"a"});
  PodView v;
  v.rejected_reason = "OutOfcpu";
  v.rejected_message = "Pod was rejected: Node didn't have enough resource: cpu";
  api::PodStatus s = ComputePodStatus(pod, v, pod.status(), 1);
  EXPECT_EQ(s.phase(), "Failed");
  EXPECT_EQ(s.reason(), "OutOfcpu");
  EXPECT_EQ(s.container_statuses_size(), 0);
}

TEST(ComputePodStatusTest, CompletedPod) {
  api::Pod pod = Spec("Never", {"a"});
  PodView v;
  v.app = {Exited("a", 0)};
  v.terminal = true;
  api::PodStatus s = ComputePodStatus(pod, v, pod.status(), 1);
  EXPECT_EQ(s.phase(), "Succeeded");
  EXPECT_EQ(Cond(s, "Ready"), "False/PodCompleted");
  EXPECT_EQ(Cond(s, "PodReadyToStartContainers"), "False");
  EXPECT_EQ(s.container_statuses(0).state().terminated().reason(), "Completed");
}

TEST(ComputePodStatusTest, InitProgress) {
  api::Pod pod = Spec("Always", {"app"}, {"one", "two"});
  PodView v;
  v.sandbox_ready = true;
  v.init = {Exited("one", 0), Running("two")};
  v.app = {Waiting("app", "PodInitializing")};
  api::PodStatus s = ComputePodStatus(pod, v, pod.status(), 1);
  EXPECT_EQ(s.phase(), "Pending");
  EXPECT_EQ(Cond(s, "Initialized"), "False/ContainersNotInitialized");
  for (const auto& c : s.conditions()) {
    if (c.type() == "Initialized") {
      EXPECT_EQ(c.message(), "containers with incomplete status: [two]");
    }
  }
  EXPECT_EQ(s.init_container_statuses_size(), 2);
}

}  // namespace
}  // namespace skiff::node
