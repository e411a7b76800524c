// Unit tests of the e2e helpers that parse what netctl prints and what users
// pass (CPU lists).
#include "tests/e2e/objects.h"

#include <gtest/gtest.h>

#include "tests/e2e/subprocess.h"

namespace skiff::e2e {
namespace {

constexpr const char* kPodList = R"({
  "apiVersion": "v1", "kind": "List",
  "items": [
    {"metadata": {"name": "web-0", "uid": "u0", "labels": {"app": "web"},
                  "ownerReferences": [{"kind": "StatefulSet", "name": "web", "controller": true}]},
     "spec": {"nodeName": "n1", "containers": [{"name": "c",
              "env": [{"name": "GREETING", "value": "hi"},
                      {"name": "FROM", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "y"}}}]}]},
     "status": {"phase": "Running", "podIP": "10.244.0.2",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "c", "restartCount": 2, "state": {"running": {}}}]}},
    {"metadata": {"name": "web-1", "uid": "u1", "deletionTimestamp": "2026-01-01T00:00:00Z"},
     "status": {"phase": "Pending",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{"name": "c", "restartCount": 0,
                                       "state": {"waiting": {"reason": "ContainerCreating"}}}]}}
  ]})";

TEST(ParsePods, ReadsTheFieldsTheTestsUse) {
  auto pods = ParsePods(kPodList);
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  ASSERT_EQ(pods->size(), 2u);
  const PodInfo& a = (*pods)[0];
  EXPECT_EQ(a.name, "web-0");
  EXPECT_EQ(a.uid, "u0");
  EXPECT_EQ(a.phase, "Running");
  EXPECT_EQ(a.pod_ip, "10.244.0.2");
  EXPECT_EQ(a.node, "n1");
  EXPECT_EQ(a.owner, "web");
  EXPECT_EQ(a.Label("app"), "web");
  EXPECT_EQ(a.Env("GREETING"), "hi");
  EXPECT_EQ(a.Env("FROM"), "");  // not a literal value
  EXPECT_TRUE(a.ready);
  EXPECT_FALSE(a.terminating);
  EXPECT_TRUE(a.all_running);
  EXPECT_EQ(a.restarts, 2);
  const PodInfo& b = (*pods)[1];
  EXPECT_TRUE(b.terminating);
  EXPECT_FALSE(b.ready);
  EXPECT_FALSE(b.all_running);
  EXPECT_EQ(b.pod_ip, "");
}

TEST(ParsePods, SingleObjectAndEmptyList) {
  auto one = ParsePods(R"({"kind": "Pod", "metadata": {"name": "p"}})");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].name, "p");
  EXPECT_FALSE((*one)[0].ready);
  auto none = ParsePods(R"({"kind": "List", "items": []})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(ParsePods, BadInputIsAnErrorNamingTheProblem) {
  auto bad = ParsePods("{not json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("pods: json:"), std::string::npos);
  auto items = ParsePods(R"({"items": {}})");
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find("items is not an array"), std::string::npos);
  auto unnamed = ParsePods(R"({"items": [{"metadata": {}}]})");
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.status().message().find("metadata.name"), std::string::npos);
  EXPECT_FALSE(ParsePods("[]").ok());
}

TEST(ParseEndpoints, ConditionsAndTargets) {
  auto eps = ParseEndpoints(R"({"kind": "List", "items": [
    {"metadata": {"name": "s-1"}, "endpoints": [
      {"addresses": ["10.0.0.1"], "conditions": {"ready": true, "serving": true},
       "targetRef": {"kind": "Pod", "name": "a"}},
      {"addresses": ["10.0.0.2"], "conditions": {"ready": false, "serving": false,
                                                  "terminating": true}}]},
    {"metadata": {"name": "s-2"}}]})");
  ASSERT_TRUE(eps.ok()) << eps.status().ToString();
  ASSERT_EQ(eps->size(), 2u);
  EXPECT_EQ((*eps)[0].address, "10.0.0.1");
  EXPECT_EQ((*eps)[0].target_pod, "a");
  EXPECT_TRUE((*eps)[0].ready);
  EXPECT_TRUE((*eps)[0].serving);
  EXPECT_FALSE((*eps)[1].ready);
  EXPECT_TRUE((*eps)[1].terminating);
  EXPECT_FALSE(ParseEndpoints(R"({"items": [{"endpoints": 3}]})").ok());
}

TEST(ParseCpuList, ListsAndRanges) {
  auto m = ParseCpuList("0,2-3");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(CPU_ISSET(0, &*m));
  EXPECT_FALSE(CPU_ISSET(1, &*m));
  EXPECT_TRUE(CPU_ISSET(2, &*m));
  EXPECT_TRUE(CPU_ISSET(3, &*m));
  for (const char* bad : {"", "a", "1-", "3-1", "1,,2", "-1", "1-2x"}) {
    auto r = ParseCpuList(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("cpu list"), std::string::npos);
    }
  }
}

TEST(Run, CapturesOutputExitCodeAndTimeout) {
  RunResult ok = e2e::Run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(ok.code, 3);
  EXPECT_NE(ok.out.find("out"), std::string::npos);
  EXPECT_NE(ok.out.find("err"), std::string::npos);
  RunResult slow = e2e::Run({"sleep", "5"}, std::chrono::milliseconds(100));
  EXPECT_TRUE(slow.timed_out);
  EXPECT_FALSE(slow.ok());
  RunResult missing = e2e::Run({"/nonexistent/binary"});
  EXPECT_EQ(missing.code, 127);
}

TEST(LineStream, ReadsLinesAsTheyComeAndStops) {
  LineStream s;
  ASSERT_TRUE(s.Start({"sh", "-c", "echo one; echo two; sleep 5"}).ok());
  std::string line;
  ASSERT_TRUE(s.ReadLine(&line, std::chrono::seconds(5)));
  EXPECT_EQ(line, "one");
  ASSERT_TRUE(s.ReadLine(&line, std::chrono::seconds(5)));
  EXPECT_EQ(line, "two");
  bool timed_out = false;
  EXPECT_FALSE(s.ReadLine(&line, std::chrono::milliseconds(100), &timed_out));
  EXPECT_TRUE(timed_out);
  s.Stop();
  EXPECT_FALSE(s.ReadLine(&line, std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace skiff::e2e
