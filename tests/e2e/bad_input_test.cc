// Issue 7 "Bad input" with the real binaries: a command that does not exist,
// a probe that times out, a pod that asks for more than the node has, and a
// CNI failure (the node's address range runs out) are each reported in the
// pod's status and events as exactly that; the agent and the server keep
// running, healthy pods keep working, and nothing leaks once the pods go.
#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using std::chrono::seconds;

std::string Describe(Cluster& c, const std::string& pod) {
  return c.Netctl({"describe", "pod", pod}).out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string BarePod(const std::string& name, const std::string& container_yaml) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  labels: {app: bad}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n" +
         container_yaml;
}

TEST_F(E2eTest, BadPodsAreReportedAsSuchAndTheNodeKeepsWorking) {
  std::string hello = cluster_->bin_dir() + "/skiff-hello";
  std::string yaml =
      BarePod("nocmd", "  - name: c\n    image: x\n    command: [definitely-not-a-command-e2e]\n") +
      "---\n" +
      BarePod("huge", "  - name: c\n    image: x\n    command: [\"" + hello +
                          "\"]\n    resources: {requests: {cpu: \"1000\"}}\n") +
      "---\n" +
      BarePod("slowprobe", "  - name: c\n    image: x\n    command: [\"" + hello +
                               "\"]\n    readinessProbe:\n      exec: {command: [sleep, \"5\"]}\n"
                               "      timeoutSeconds: 1\n      periodSeconds: 2\n");
  E2E_ASSERT_OK(cluster_->Apply(yaml));

  E2E_ASSERT_OK(cluster_->WaitPods(
      "nocmd RunContainerError, huge Unschedulable, slowprobe Running but not Ready",
      [](const std::vector<PodInfo>& pods) {
        const PodInfo* nocmd = FindPod(pods, "nocmd");
        const PodInfo* huge = FindPod(pods, "huge");
        const PodInfo* slow = FindPod(pods, "slowprobe");
        return nocmd && huge && slow && nocmd->waiting_reason == "RunContainerError" &&
               huge->scheduled_status == "False" && slow->all_running && !slow->ready;
      },
      seconds(60)));
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  const PodInfo* nocmd = FindPod(*pods, "nocmd");
  EXPECT_TRUE(Contains(nocmd->waiting_message,
                       "exec: \"definitely-not-a-command-e2e\": executable file not found"))
      << nocmd->waiting_message;
  EXPECT_EQ(nocmd->phase, "Pending");
  const PodInfo* huge = FindPod(*pods, "huge");
  EXPECT_EQ(huge->scheduled_reason, "Unschedulable");
  EXPECT_TRUE(Contains(huge->scheduled_message, "0/1 nodes are available"))
      << huge->scheduled_message;
  EXPECT_TRUE(Contains(huge->scheduled_message, "Insufficient cpu")) << huge->scheduled_message;
  EXPECT_EQ(huge->node, "");

  // The events say the same.
  std::string d = Describe(*cluster_, "nocmd");
  EXPECT_TRUE(Contains(d, "executable file not found")) << d;
  d = Describe(*cluster_, "huge");
  EXPECT_TRUE(Contains(d, "FailedScheduling")) << d;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "a Readiness-probe timeout event for slowprobe",
      [&](const std::vector<PodInfo>&) {
        std::string text = Describe(*cluster_, "slowprobe");
        return Contains(text, "Readiness probe failed") && Contains(text, "timed out");
      },
      seconds(30)));

  // The node carries on: daemons alive, a healthy workload still runs.
  EXPECT_TRUE(cluster_->AgentRunning());
  EXPECT_TRUE(cluster_->ServerRunning());
  HelloSpec good = Hello("good", 1);
  E2E_ASSERT_OK(cluster_->Apply(HelloDeployment(good)));
  E2E_ASSERT_OK(cluster_->WaitPods(
      "the healthy pod Ready",
      [](const std::vector<PodInfo>& p) {
        for (const auto& x : p) {
          if (x.Label("app") == "good") return x.ready;
        }
        return false;
      },
      seconds(60)));
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
  EXPECT_TRUE(cluster_->AgentRunning());
}

// A node whose podCIDR is a /29: skiff-cni's IPAM runs out of addresses, the
// pods it cannot address report the CNI error, and scaling down releases
// everything, including the namespaces of the pods whose ADD failed.
class SmallRangeTest : public E2eTest {
 protected:
  ClusterOptions Options() const override {
    ClusterOptions o;
    o.node_cidr_mask_v4 = 29;
    return o;
  }
};

TEST_F(SmallRangeTest, AddressExhaustionIsReportedAndReleased) {
  HelloSpec spec = Hello("many", 8);
  spec.grace_seconds = 1;
  E2E_ASSERT_OK(cluster_->Apply(HelloDeployment(spec)));
  std::string failing;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "some pods Ready and some stuck without an address",
      [&](const std::vector<PodInfo>& pods) {
        int ready = 0;
        failing.clear();
        for (const auto& p : pods) {
          if (p.ready) ++ready;
          if (p.pod_ip.empty() && !p.node.empty()) failing = p.name;
        }
        if (ready == 0 || failing.empty() || pods.size() != 8) return false;
        return Contains(Describe(*cluster_, failing), "FailedCreatePodSandBox");
      },
      seconds(90)));
  std::string d = Describe(*cluster_, failing);
  EXPECT_TRUE(Contains(d, "no free IPv4 address in range")) << d;
  EXPECT_TRUE(cluster_->AgentRunning());

  RunResult scale = cluster_->Netctl({"scale", "deployment/many", "--replicas=1"});
  ASSERT_TRUE(scale.ok()) << scale.out;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "1 Ready pod", [](const std::vector<PodInfo>& p) { return ConvergedReady(p, 1); },
      seconds(90)));
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
