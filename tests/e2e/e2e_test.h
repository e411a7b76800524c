// The GoogleTest fixture of the end-to-end suite: one fresh one-node cluster
// (real skiff-server, skiff-agent, skiff-cni) per test, in the test process's
// private network namespace; diagnostics printed when a test fails; the
// cluster torn down (processes by PID, pod namespaces, cgroups, files) after
// every test, also after failures.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/manifests.h"

namespace skiff::e2e {

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // The cluster each test of the fixture gets (default: skiff-cni, /24).
  virtual ClusterOptions Options() const { return {}; }

  // A skiff-hello workload spec named `name` with the cluster's binary.
  HelloSpec Hello(const std::string& name, int replicas = 3) const;

  std::unique_ptr<Cluster> cluster_;
};

// Pods not being deleted.
std::vector<PodInfo> Live(const std::vector<PodInfo>& pods);
// Exactly `n` pods, none terminating, each Running, Ready, with an IP.
bool ConvergedReady(const std::vector<PodInfo>& pods, size_t n);
std::set<std::string> Ips(const std::vector<PodInfo>& pods);
const PodInfo* FindPod(const std::vector<PodInfo>& pods, const std::string& name);

}  // namespace skiff::e2e

// Asserts a Status is OK, printing it.
#define E2E_ASSERT_OK(expr)                          \
  do {                                               \
    ::skiff::Status e2e_st_ = (expr);                \
    ASSERT_TRUE(e2e_st_.ok()) << e2e_st_.ToString(); \
  } while (0)
