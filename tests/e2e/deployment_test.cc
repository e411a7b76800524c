// Issue 7 "Must show": a Deployment's pods run with distinct addresses that
// answer from the host; a killed container is restarted; a deleted pod is
// replaced; scaling 3 -> 5 -> 2 converges and releases the removed pods'
// networks.
#include <signal.h>

#include <thread>

#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using std::chrono::seconds;

// Applies a Deployment of `replicas` plus its Service and waits for it.
void DeployAndWait(Cluster& c, const HelloSpec& spec) {
  E2E_ASSERT_OK(c.Apply(HelloDeployment(spec) + "---\n" + HelloService(spec.name)));
  E2E_ASSERT_OK(c.WaitPods(
      std::to_string(spec.replicas) + " Running, Ready pods",
      [&](const std::vector<PodInfo>& pods) { return ConvergedReady(pods, spec.replicas); },
      seconds(60)));
}

// Every pod answers GET / on its own IP with the greeting and its name.
void ExpectAnswers(Cluster& c, const std::vector<PodInfo>& pods, const std::string& greeting) {
  for (const auto& p : pods) {
    RunResult r = c.HttpGet(p.pod_ip, kHelloPort, "/");
    EXPECT_TRUE(r.ok()) << p.Summary() << ": " << r.out;
    EXPECT_EQ(r.out, greeting + " (" + p.name + ")\n") << p.Summary();
  }
}

TEST_F(E2eTest, DeploymentPodsRunWithDistinctAddressesThatAnswer) {
  HelloSpec spec = Hello("web", 3);
  ASSERT_NO_FATAL_FAILURE(DeployAndWait(*cluster_, spec));
  RunResult status = cluster_->Netctl({"rollout", "status", "deployment/web", "--timeout", "60s"});
  EXPECT_TRUE(status.ok()) << status.out;
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  ASSERT_EQ(pods->size(), 3u);
  EXPECT_EQ(Ips(*pods).size(), 3u) << "pod IPs are not distinct";
  for (const auto& p : *pods) {
    EXPECT_EQ(p.node, cluster_->node_name());
    EXPECT_EQ(p.Label("app"), "web");
    EXPECT_TRUE(cluster_->NetnsExists(p.uid)) << p.Summary();
    RunResult health = cluster_->HttpGet(p.pod_ip, kHelloPort, "/healthz");
    EXPECT_EQ(health.out, "ok\n") << p.Summary();
  }
  ExpectAnswers(*cluster_, *pods, spec.greeting);
  EXPECT_EQ(cluster_->HostVethCount(), 3);
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

TEST_F(E2eTest, KilledContainerRestartsAndDeletedPodIsReplaced) {
  HelloSpec spec = Hello("web", 3);
  ASSERT_NO_FATAL_FAILURE(DeployAndWait(*cluster_, spec));
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  const PodInfo victim = pods->front();
  ASSERT_EQ(victim.restarts, 0);

  // kill -9 the container's process, found through its pod's cgroup.
  std::vector<pid_t> pids = cluster_->ContainerPids(victim.uid, "skiff-hello");
  ASSERT_EQ(pids.size(), 1u) << "skiff-hello processes of " << victim.Summary();
  ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  E2E_ASSERT_OK(cluster_->WaitPods(
      victim.name + " restarted (restartCount 1, Ready again)",
      [&](const std::vector<PodInfo>& now) {
        const PodInfo* p = FindPod(now, victim.name);
        return p && p->uid == victim.uid && p->restarts == 1 && p->ready && p->all_running;
      },
      seconds(60)));
  std::vector<pid_t> after = cluster_->ContainerPids(victim.uid, "skiff-hello");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], pids[0]);
  // Same sandbox: the restarted container keeps the pod's address.
  pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  const PodInfo* restarted = FindPod(*pods, victim.name);
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->pod_ip, victim.pod_ip);
  ExpectAnswers(*cluster_, {*restarted}, spec.greeting);

  // Delete a pod: the ReplicaSet creates a replacement.
  const PodInfo doomed = pods->back();
  RunResult del = cluster_->Netctl({"delete", "pod", doomed.name});
  ASSERT_TRUE(del.ok()) << del.out;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "a replacement for " + doomed.name,
      [&](const std::vector<PodInfo>& now) {
        return ConvergedReady(now, 3) && !FindPod(now, doomed.name);
      },
      seconds(60)));
  pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(Ips(*pods).size(), 3u);
  for (const auto& p : *pods)
    EXPECT_EQ(p.owner, doomed.owner) << p.Summary();
  ExpectAnswers(*cluster_, *pods, spec.greeting);
  EXPECT_FALSE(cluster_->NetnsExists(doomed.uid)) << "netns of deleted pod " << doomed.name;
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

TEST_F(E2eTest, ScaleThreeFiveTwoConvergesAndReleasesNetworks) {
  HelloSpec spec = Hello("web", 3);
  ASSERT_NO_FATAL_FAILURE(DeployAndWait(*cluster_, spec));

  RunResult up = cluster_->Netctl({"scale", "deployment/web", "--replicas=5"});
  ASSERT_TRUE(up.ok()) << up.out;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "5 Ready pods", [](const std::vector<PodInfo>& p) { return ConvergedReady(p, 5); },
      seconds(60)));
  auto five = cluster_->Pods();
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(Ips(*five).size(), 5u);
  ExpectAnswers(*cluster_, *five, spec.greeting);
  EXPECT_EQ(cluster_->HostVethCount(), 5);

  RunResult down = cluster_->Netctl({"scale", "deployment/web", "--replicas=2"});
  ASSERT_TRUE(down.ok()) << down.out;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "exactly 2 pods (the 3 removed ones gone)",
      [](const std::vector<PodInfo>& p) { return ConvergedReady(p, 2); }, seconds(60)));
  auto two = cluster_->Pods();
  ASSERT_TRUE(two.ok());
  ExpectAnswers(*cluster_, *two, spec.greeting);
  std::vector<PodInfo> removed;
  for (const auto& p : *five) {
    if (!FindPod(*two, p.name)) removed.push_back(p);
  }
  ASSERT_EQ(removed.size(), 3u);
  // The API object disappears once the agent has stopped the pod; the netns
  // and veth go with the sandbox right then.
  auto released = [&] {
    for (const auto& p : removed) {
      if (cluster_->NetnsExists(p.uid)) return false;
    }
    return cluster_->HostVethCount() == 2;
  };
  for (int i = 0; i < 50 && !released(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (const auto& p : removed)
    EXPECT_FALSE(cluster_->NetnsExists(p.uid)) << "netns left by " << p.Summary();
  EXPECT_EQ(cluster_->HostVethCount(), 2);
  for (const auto& p : removed) {
    RunResult r = cluster_->HttpGet(p.pod_ip, kHelloPort, "/");
    if (Ips(*two).count(p.pod_ip) == 0) {
      EXPECT_FALSE(r.ok()) << "removed pod " << p.name << " still answers";
    }
  }
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
