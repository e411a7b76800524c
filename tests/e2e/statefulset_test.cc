// Issue 7 "Must show": a StatefulSet's pods come up in order (web-N is
// created only once web-N-1 is Ready) with stable names, a deleted member
// comes back under its name, and scaling down removes the highest ordinal
// first. Readiness is gated by files the test creates (exec probe `test -f
// DIR/$(hostname)`), so "web-1 must not exist while web-0 is not Ready" is
// observed over a window, not left to the timing of a poll.
#include <algorithm>
#include <thread>

#include "node/runtime/fs.h"
#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Ordinal(int i) {
  return "web-" + std::to_string(i);
}

std::string Snapshot(const std::vector<PodInfo>& pods) {
  std::string s;
  for (const auto& p : pods)
    s += "    " + p.Summary() + "\n";
  return s;
}

// Scale-up invariants of OrderedReady on one snapshot.
void CheckOrder(const std::vector<PodInfo>& pods, std::vector<std::string>* violations) {
  for (const auto& p : pods) {
    if (p.name != Ordinal(0) && p.name != Ordinal(1) && p.name != Ordinal(2)) {
      violations->push_back("unexpected pod name " + p.name);
    }
  }
  for (int i = 1; i < 3; ++i) {
    if (!FindPod(pods, Ordinal(i))) continue;
    const PodInfo* prev = FindPod(pods, Ordinal(i - 1));
    if (!prev || !prev->ready) {
      violations->push_back(Ordinal(i) + " exists while " + Ordinal(i - 1) + " is not Ready:\n" +
                            Snapshot(pods));
    }
  }
}

TEST_F(E2eTest, StatefulSetStartsInOrderWithStableNamesAndScalesDownInReverse) {
  std::string gates = cluster_->work_dir() + "/ready";
  ASSERT_TRUE(node::MakeDirs(gates).ok());
  HelloSpec spec = Hello("web", 3);
  spec.readiness_exec = {"sh", "-c", "test -f '" + gates + "'/\"$(hostname)\""};
  spec.pre_stop_sleep_seconds = 1;
  E2E_ASSERT_OK(cluster_->Apply(HelloStatefulSet(spec)));

  std::vector<std::string> violations;
  for (int i = 0; i < 3; ++i) {
    // web-i runs but is not Ready: nothing beyond it may be created.
    E2E_ASSERT_OK(cluster_->WaitPods(
        Ordinal(i) + " Running, not Ready (its readiness gate is closed)",
        [&](const std::vector<PodInfo>& pods) {
          CheckOrder(pods, &violations);
          const PodInfo* p = FindPod(pods, Ordinal(i));
          return p && p->all_running && !p->ready;
        },
        seconds(60)));
    auto window = Clock::now() + seconds(3);
    while (Clock::now() < window) {
      auto pods = cluster_->Pods();
      ASSERT_TRUE(pods.ok()) << pods.status().ToString();
      CheckOrder(*pods, &violations);
      if (i < 2 && FindPod(*pods, Ordinal(i + 1))) {
        violations.push_back(Ordinal(i + 1) + " created while " + Ordinal(i) + " is not Ready");
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
    ASSERT_TRUE(node::WriteFileAtomic(gates + "/" + Ordinal(i), "").ok());
    E2E_ASSERT_OK(cluster_->WaitPods(
        Ordinal(i) + " Ready once its gate opened",
        [&](const std::vector<PodInfo>& pods) {
          CheckOrder(pods, &violations);
          const PodInfo* p = FindPod(pods, Ordinal(i));
          return p && p->ready;
        },
        seconds(60)));
  }
  E2E_ASSERT_OK(cluster_->WaitPods(
      "3 Ready pods", [](const std::vector<PodInfo>& p) { return ConvergedReady(p, 3); },
      seconds(60)));
  EXPECT_TRUE(violations.empty()) << violations.size() << " violations; first:\n"
                                  << violations.front();

  // Stable identity: each pod's hostname is its name.
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok());
  for (const auto& p : *pods) {
    RunResult r = cluster_->HttpGet(p.pod_ip, kHelloPort, "/");
    EXPECT_EQ(r.out, spec.greeting + " (" + p.name + ")\n") << p.Summary();
  }

  // A deleted member comes back under the same name (a new pod). netctl's
  // --wait would wait for the name, which comes back at once: not used.
  const PodInfo* one = FindPod(*pods, Ordinal(1));
  ASSERT_NE(one, nullptr);
  std::string old_uid = one->uid;
  RunResult del = cluster_->Netctl({"delete", "pod", Ordinal(1), "--wait=false"});
  ASSERT_TRUE(del.ok()) << del.out;
  E2E_ASSERT_OK(cluster_->WaitPods(
      Ordinal(1) + " recreated under its name",
      [&](const std::vector<PodInfo>& now) {
        const PodInfo* p = FindPod(now, Ordinal(1));
        return ConvergedReady(now, 3) && p && p->uid != old_uid;
      },
      seconds(60)));
  EXPECT_FALSE(cluster_->NetnsExists(old_uid));

  // Scale down to 1: web-2 goes completely before web-1 starts going (each
  // termination takes >= 1 s through the preStop hook, so polls see it).
  RunResult scale = cluster_->Netctl({"scale", "statefulset/web", "--replicas=1"});
  ASSERT_TRUE(scale.ok()) << scale.out;
  violations.clear();
  bool saw_two_going = false;
  E2E_ASSERT_OK(cluster_->WaitPods(
      "scale-down to web-0 only",
      [&](const std::vector<PodInfo>& now) {
        const PodInfo* p0 = FindPod(now, Ordinal(0));
        const PodInfo* p1 = FindPod(now, Ordinal(1));
        const PodInfo* p2 = FindPod(now, Ordinal(2));
        if (p2 && p2->terminating) saw_two_going = true;
        if ((!p1 || p1->terminating) && p2) {
          violations.push_back(Ordinal(1) + " is going while " + Ordinal(2) + " still exists:\n" +
                               Snapshot(now));
        }
        if (!p0 || p0->terminating) violations.push_back(Ordinal(0) + " removed");
        return ConvergedReady(now, 1) && p0;
      },
      seconds(90)));
  EXPECT_TRUE(saw_two_going) << "never saw " << Ordinal(2) << " terminating";
  EXPECT_TRUE(violations.empty()) << violations.size() << " violations; first:\n"
                                  << violations.front();
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
