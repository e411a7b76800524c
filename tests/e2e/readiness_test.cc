// Issue 7 "Must show": readiness drives the Service's EndpointSlice. Two pods
// behind one Service have exec readiness probes (`test -f FILE`) the test
// toggles: a pod whose probe fails is not a ready endpoint, it becomes one
// when its probe passes, and a probe failure takes a ready pod out again.
#include <cstdio>

#include "node/runtime/fs.h"
#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using std::chrono::seconds;

const EndpointInfo* FindEndpoint(const std::vector<EndpointInfo>& eps, const std::string& ip) {
  for (const auto& e : eps) {
    if (e.address == ip) return &e;
  }
  return nullptr;
}

bool ReadyEndpoint(const std::vector<EndpointInfo>& eps, const std::string& ip) {
  const EndpointInfo* e = FindEndpoint(eps, ip);
  return e && e->ready;
}

TEST_F(E2eTest, ReadinessProbeDecidesEndpointSliceMembership) {
  std::string flags = cluster_->work_dir() + "/ready";
  ASSERT_TRUE(node::MakeDirs(flags).ok());
  auto flag = [&](const std::string& pod) { return flags + "/" + pod; };
  ASSERT_TRUE(node::WriteFileAtomic(flag("ready-a"), "").ok());

  std::string yaml = HelloService("ready");
  for (const char* name : {"ready-a", "ready-b"}) {
    HelloSpec spec = Hello("ready");
    spec.readiness_exec = {"test", "-f", flag(name)};
    yaml += "---\n" + HelloPod(spec, name);
  }
  E2E_ASSERT_OK(cluster_->Apply(yaml));
  E2E_ASSERT_OK(cluster_->WaitPods(
      "ready-a Ready, ready-b Running but not Ready",
      [](const std::vector<PodInfo>& pods) {
        const PodInfo* a = FindPod(pods, "ready-a");
        const PodInfo* b = FindPod(pods, "ready-b");
        return a && b && a->ready && !a->pod_ip.empty() && b->all_running && !b->ready &&
               !b->pod_ip.empty();
      },
      seconds(60)));
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  std::string ip_a = FindPod(*pods, "ready-a")->pod_ip;
  std::string ip_b = FindPod(*pods, "ready-b")->pod_ip;

  E2E_ASSERT_OK(cluster_->WaitEndpoints(
      "ready", "ready-a as a ready endpoint",
      [&](const std::vector<EndpointInfo>& eps) { return ReadyEndpoint(eps, ip_a); }));
  auto eps = cluster_->Endpoints("ready");
  ASSERT_TRUE(eps.ok());
  EXPECT_FALSE(ReadyEndpoint(*eps, ip_b)) << "ready-b is a ready endpoint while its probe fails";
  // Its container answers all the same: only readiness keeps it out.
  EXPECT_TRUE(cluster_->HttpGet(ip_b, kHelloPort, "/healthz").ok());

  // The probe passes: ready-b joins as ready.
  ASSERT_TRUE(node::WriteFileAtomic(flag("ready-b"), "").ok());
  E2E_ASSERT_OK(cluster_->WaitEndpoints("ready", "ready-b to become a ready endpoint",
                                        [&](const std::vector<EndpointInfo>& e) {
                                          return ReadyEndpoint(e, ip_a) && ReadyEndpoint(e, ip_b);
                                        }));

  // The probe fails: ready-a leaves the ready endpoints, ready-b stays.
  ASSERT_EQ(std::remove(flag("ready-a").c_str()), 0);
  E2E_ASSERT_OK(cluster_->WaitEndpoints("ready", "ready-a to stop being a ready endpoint",
                                        [&](const std::vector<EndpointInfo>& e) {
                                          return !ReadyEndpoint(e, ip_a) && ReadyEndpoint(e, ip_b);
                                        }));
  pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  EXPECT_FALSE(FindPod(*pods, "ready-a")->ready);
  EXPECT_EQ(FindPod(*pods, "ready-a")->restarts, 0) << "readiness must not restart the container";
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
