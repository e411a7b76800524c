#include "tests/e2e/e2e_test.h"

#include <unistd.h>

#include <iostream>

namespace skiff::e2e {
namespace {

Status g_netns_status = FailedPrecondition("not attempted");

// Enters the private network namespace before any test (or thread) starts.
class PrivateNetnsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { g_netns_status = EnterPrivateNetns(); }
};

[[maybe_unused]] const auto* g_env =
    ::testing::AddGlobalTestEnvironment(new PrivateNetnsEnvironment);

}  // namespace

void E2eTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, cgroups, CNI)";
  if (!g_netns_status.ok()) {
    GTEST_SKIP() << "no private network namespace: " << g_netns_status.ToString();
  }
  auto c = Cluster::Start(Options());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  cluster_ = std::move(*c);
}

void E2eTest::TearDown() {
  if (cluster_ && HasFailure()) std::cout << cluster_->Diagnostics() << std::flush;
  cluster_.reset();
}

HelloSpec E2eTest::Hello(const std::string& name, int replicas) const {
  HelloSpec s;
  s.name = name;
  s.replicas = replicas;
  s.hello_path = cluster_->bin_dir() + "/skiff-hello";
  return s;
}

std::vector<PodInfo> Live(const std::vector<PodInfo>& pods) {
  std::vector<PodInfo> out;
  for (const auto& p : pods) {
    if (!p.terminating) out.push_back(p);
  }
  return out;
}

bool ConvergedReady(const std::vector<PodInfo>& pods, size_t n) {
  if (pods.size() != n) return false;
  for (const auto& p : pods) {
    if (p.terminating || p.phase != "Running" || !p.ready || p.pod_ip.empty()) return false;
  }
  return true;
}

std::set<std::string> Ips(const std::vector<PodInfo>& pods) {
  std::set<std::string> out;
  for (const auto& p : pods) {
    if (!p.pod_ip.empty()) out.insert(p.pod_ip);
  }
  return out;
}

const PodInfo* FindPod(const std::vector<PodInfo>& pods, const std::string& name) {
  for (const auto& p : pods) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace skiff::e2e
