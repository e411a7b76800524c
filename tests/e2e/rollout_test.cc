// Issue 7 "Must show": a rolling update (changed env) with maxSurge 1 /
// maxUnavailable 0 replaces every pod while `replicas` pods stay Ready and
// the pods keep answering.
#include <thread>

#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

TEST_F(E2eTest, RollingUpdateKeepsReplicasReadyAndServing) {
  HelloSpec spec = Hello("web", 3);
  spec.greeting = "greeting v1";
  E2E_ASSERT_OK(cluster_->Apply(HelloDeployment(spec)));
  E2E_ASSERT_OK(cluster_->WaitPods(
      "3 Ready pods", [](const std::vector<PodInfo>& p) { return ConvergedReady(p, 3); },
      seconds(60)));
  auto before = cluster_->Pods();
  ASSERT_TRUE(before.ok());

  spec.greeting = "greeting v2";
  E2E_ASSERT_OK(cluster_->Apply(HelloDeployment(spec)));

  // Sample the rollout until it is done (bounded): every poll must see at
  // least `replicas` Ready pods that are not being deleted, and requests to
  // the Ready pods must not all fail.
  std::vector<std::string> violations;
  int polls = 0, requests = 0, answered = 0;
  bool done = false;
  auto deadline = Clock::now() + seconds(120);
  while (!done && Clock::now() < deadline) {
    auto pods = cluster_->Pods();
    if (!pods.ok()) {
      violations.push_back("poll " + std::to_string(polls) + ": " + pods.status().message());
      break;
    }
    ++polls;
    std::vector<PodInfo> ready;
    std::string snapshot;
    for (const auto& p : *pods) {
      snapshot += "    " + p.Summary() + " GREETING=" + p.Env("GREETING") + "\n";
      if (p.ready && !p.terminating && !p.pod_ip.empty()) ready.push_back(p);
    }
    if (ready.size() < 3) {
      violations.push_back("poll " + std::to_string(polls) + ": only " +
                           std::to_string(ready.size()) + " Ready pods:\n" + snapshot);
    }
    int ok_now = 0;
    for (const auto& p : ready) {
      ++requests;
      if (cluster_->HttpGet(p.pod_ip, kHelloPort, "/").ok()) ++ok_now;
    }
    answered += ok_now;
    if (!ready.empty() && ok_now == 0) {
      violations.push_back("poll " + std::to_string(polls) + ": no Ready pod answered:\n" +
                           snapshot);
    }
    done = ConvergedReady(*pods, 3);
    for (const auto& p : *pods) {
      if (p.Env("GREETING") != spec.greeting) done = false;
    }
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(done) << "rollout did not finish within 120 s";
  EXPECT_TRUE(violations.empty()) << violations.size() << " violations in " << polls
                                  << " polls; first:\n"
                                  << (violations.empty() ? "" : violations.front());
  EXPECT_GT(polls, 1);
  EXPECT_GT(answered, 0) << requests << " requests";

  RunResult status = cluster_->Netctl({"rollout", "status", "deployment/web", "--timeout", "60s"});
  EXPECT_TRUE(status.ok()) << status.out;
  EXPECT_NE(status.out.find("successfully rolled out"), std::string::npos) << status.out;
  auto after = cluster_->Pods();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  for (const auto& p : *after) {
    for (const auto& old : *before)
      EXPECT_NE(p.uid, old.uid) << p.name << " was not replaced";
    RunResult r = cluster_->HttpGet(p.pod_ip, kHelloPort, "/");
    EXPECT_EQ(r.out, spec.greeting + " (" + p.name + ")\n") << p.Summary();
  }
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
