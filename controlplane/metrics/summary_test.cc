#include "controlplane/metrics/summary.h"

#include <gtest/gtest.h>

namespace skiff::metrics {
namespace {

// What skiff-agent serves (node/agent/agent_http.cc), trimmed to one pod.
constexpr const char* kAgentSummary = R"({
  "node": {
    "nodeName": "n1",
    "cpu": {"time": "2024-05-01T10:00:00Z", "usageNanoCores": 12, "usageCoreNanoSeconds": 9000000000},
    "memory": {"time": "2024-05-01T10:00:00Z", "usageBytes": 2000, "workingSetBytes": 1500,
               "rssBytes": 1000, "availableBytes": 10}
  },
  "pods": [
    {
      "podRef": {"name": "web-1", "namespace": "shop", "uid": "u-1"},
      "startTime": "2024-05-01T09:00:00Z",
      "containers": [
        {"name": "main", "startTime": "2024-05-01T09:00:01.5Z",
         "cpu": {"time": "2024-05-01T10:00:00Z", "usageNanoCores": 0, "usageCoreNanoSeconds": 250},
         "memory": {"time": "2024-05-01T10:00:00Z", "workingSetBytes": 4096}},
        {"name": "sidecar", "cpu": {"usageCoreNanoSeconds": 7}}
      ],
      "cpu": {"usageCoreNanoSeconds": 257},
      "memory": {"workingSetBytes": 4096}
    }
  ]
})";

TEST(SummaryTest, ParsesTheAgentShape) {
  auto s = ParseSummary(kAgentSummary);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->node_name, "n1");
  EXPECT_EQ(s->usage.cpu_usage_core_ns, 9000000000);
  EXPECT_EQ(s->usage.memory_working_set_bytes, 1500);
  ASSERT_EQ(s->pods.size(), 1u);
  const PodSummary& p = s->pods[0];
  EXPECT_EQ(p.ns, "shop");
  EXPECT_EQ(p.name, "web-1");
  EXPECT_EQ(p.uid, "u-1");
  ASSERT_EQ(p.containers.size(), 2u);
  EXPECT_EQ(p.containers[0].name, "main");
  EXPECT_EQ(p.containers[0].start_time_unix_ns, 1714554001500000000LL);
  EXPECT_EQ(p.containers[0].usage.cpu_usage_core_ns, 250);
  EXPECT_EQ(p.containers[0].usage.memory_working_set_bytes, 4096);
  // Kubelet omits what it does not know; so may the agent.
  EXPECT_EQ(p.containers[1].start_time_unix_ns, 0);
  EXPECT_EQ(p.containers[1].usage.cpu_usage_core_ns, 7);
  EXPECT_FALSE(p.containers[1].usage.memory_working_set_bytes.has_value());
}

TEST(SummaryTest, OptionalPartsMayBeAbsentOrNull) {
  auto s = ParseSummary(R"({"node": {"nodeName": "n1", "cpu": null}, "pods": null})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(s->usage.cpu_usage_core_ns.has_value());
  EXPECT_TRUE(s->pods.empty());
  auto p = ParseSummary(R"({"node": {"nodeName": "n1"},
                            "pods": [{"podRef": {"name": "a", "namespace": "b"}}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->pods.size(), 1u);
  EXPECT_TRUE(p->pods[0].containers.empty());
}

struct BadCase {
  const char* doc;
  const char* expect;  // substring of the error
};

class SummaryBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SummaryBadTest, NamesTheField) {
  auto s = ParseSummary(GetParam().doc);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find(GetParam().expect), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SummaryBadTest,
    ::testing::Values(
        BadCase{"", "json:"}, BadCase{"{\"node\":", "json:"}, BadCase{"[]", "must be an object"},
        BadCase{"{}", "node: required"}, BadCase{R"({"node": {}})", "node.nodeName: required"},
        BadCase{R"({"node": 5})", "node: must be an object"},
        BadCase{R"({"node": {"nodeName": 3}})", "node.nodeName: must be a string"},
        BadCase{R"({"node": {"nodeName": "n", "cpu": {"usageCoreNanoSeconds": -1}}})",
                "node.cpu.usageCoreNanoSeconds: must be a non-negative integer"},
        BadCase{R"({"node": {"nodeName": "n", "memory": {"workingSetBytes": 1.5}}})",
                "node.memory.workingSetBytes: must be a non-negative integer"},
        BadCase{R"({"node": {"nodeName": "n", "cpu": {"usageCoreNanoSeconds": 1e30}}})",
                "must be a non-negative integer"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": {}})", "pods: must be an array"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [1]})", "pods[0]: must be an object"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [{}]})", "pods[0].podRef: required"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [{"podRef": {"name": "a"}}]})",
                "pods[0].podRef.namespace: required"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [{"podRef": {"name": "a",
                "namespace": "b"}, "containers": [{"name": "c", "startTime": "yesterday"}]}]})",
                "pods[0].containers[0].startTime: \"yesterday\" is not an RFC 3339 time"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [{"podRef": {"name": "a",
                "namespace": "b"}, "containers": [{}]}]})",
                "pods[0].containers[0].name: required"},
        BadCase{R"({"node": {"nodeName": "n"}, "pods": [{"podRef": {"name": "a",
                "namespace": "b"}, "containers": "x"}]})",
                "pods[0].containers: must be an array"}));

TEST(SummaryTest, RefusesOversizedInput) {
  std::string big(kMaxSummaryBytes + 1, ' ');
  auto s = ParseSummary(big);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("limit"), std::string::npos);
}

}  // namespace
}  // namespace skiff::metrics
