// The replica calculator's cases, after kube-controller-manager's
// replica_calculator_test.go: scale up/down, tolerance, unready, hot-CPU,
// failed, deleted, pending and missing pods, requests, average values.
#include "controlplane/autoscaler/replica_calculator.h"

#include <gtest/gtest.h>

#include "controlplane/autoscaler/status.h"

namespace skiff::autoscaler {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const Clock::time_point kNow = Clock::now();
// Started long before the CPU initialization period (5 min) ended.
const Clock::time_point kCool = kNow - minutes(10);
// Still within it.
const Clock::time_point kHot = kNow - minutes(2);

struct TestPod {
  std::string name;
  std::string ready = "True";  // "" = no Ready condition
  std::string phase = "Running";
  Clock::time_point start = kCool;
  Clock::time_point ready_since = kCool;
  bool deleting = false;
  std::string cpu_request = "1";
  std::string memory_request = "1Gi";
};

std::shared_ptr<const api::Pod> MakePod(const TestPod& t) {
  auto pod = std::make_shared<api::Pod>();
  pod->mutable_metadata()->set_name(t.name);
  pod->mutable_metadata()->set_namespace_("default");
  if (t.deleting) *pod->mutable_metadata()->mutable_deletion_timestamp() = ToTimestamp(kNow);
  auto* c = pod->mutable_spec()->add_containers();
  c->set_name("main");
  if (!t.cpu_request.empty()) (*c->mutable_resources()->mutable_requests())["cpu"] = t.cpu_request;
  if (!t.memory_request.empty()) {
    (*c->mutable_resources()->mutable_requests())["memory"] = t.memory_request;
  }
  pod->mutable_status()->set_phase(t.phase);
  *pod->mutable_status()->mutable_start_time() = ToTimestamp(t.start);
  if (!t.ready.empty()) {
    auto* cond = pod->mutable_status()->add_conditions();
    cond->set_type("Ready");
    cond->set_status(t.ready);
    *cond->mutable_last_transition_time() = ToTimestamp(t.ready_since);
  }
  return pod;
}

PodList Pods(const std::vector<TestPod>& pods) {
  PodList out;
  for (const auto& p : pods)
    out.push_back(MakePod(p));
  return out;
}

// Metrics sampled now over a 30 s window.
PodMetricsInfo Metrics(const std::vector<std::pair<std::string, int64_t>>& values) {
  PodMetricsInfo out;
  for (const auto& [name, v] : values)
    out[name] = PodMetric{kNow, seconds(30), v};
  return out;
}

std::vector<TestPod> Named(int n) {
  std::vector<TestPod> out;
  for (int i = 0; i < n; ++i)
    out.push_back(TestPod{"p" + std::to_string(i)});
  return out;
}

struct UtilCase {
  std::string name;
  int32_t current;
  std::vector<TestPod> pods;
  std::vector<std::pair<std::string, int64_t>> usage;  // millicores
  int32_t target;
  int32_t want_replicas;
  int32_t want_utilization;
  int64_t want_raw;
};

class UtilizationTest : public ::testing::TestWithParam<UtilCase> {};

TEST_P(UtilizationTest, Replicas) {
  const UtilCase& c = GetParam();
  auto r = UtilizationReplicas(c.current, c.target, "cpu", "", Tolerances{}, Pods(c.pods),
                               Metrics(c.usage), CalculatorOptions{}, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->replicas, c.want_replicas);
  EXPECT_EQ(r->utilization, c.want_utilization);
  EXPECT_EQ(r->raw_average, c.want_raw);
}

std::vector<TestPod> WithReadiness(std::vector<std::string> ready) {
  std::vector<TestPod> out;
  for (size_t i = 0; i < ready.size(); ++i) {
    TestPod p{"p" + std::to_string(i)};
    p.ready = ready[i];
    out.push_back(p);
  }
  return out;
}

std::vector<TestPod> Hot(std::vector<bool> hot) {
  std::vector<TestPod> out;
  for (size_t i = 0; i < hot.size(); ++i) {
    TestPod p{"p" + std::to_string(i)};
    if (hot[i]) {
      p.start = kHot;
      // Became ready 10 s ago: the 30 s sample still covers the time before.
      p.ready_since = kNow - seconds(10);
    }
    out.push_back(p);
  }
  return out;
}

std::vector<TestPod> WithPhases(std::vector<std::string> phases, std::vector<bool> deleting = {}) {
  std::vector<TestPod> out;
  for (size_t i = 0; i < phases.size(); ++i) {
    TestPod p{"p" + std::to_string(i)};
    p.phase = phases[i];
    if (i < deleting.size()) p.deleting = deleting[i];
    out.push_back(p);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UtilizationTest,
    ::testing::Values(
        // 50% of requests against a 30% target: ceil(3 * 50/30) = 5.
        UtilCase{"ScaleUp", 3, Named(3), {{"p0", 300}, {"p1", 500}, {"p2", 700}}, 30, 5, 50, 500},
        // Unready pods count as 0% on a scale-up: (0+500+700)/3000 = 40% -> 4.
        UtilCase{"ScaleUpUnreadyLessScale",
                 3,
                 WithReadiness({"False", "True", "True"}),
                 {{"p0", 300}, {"p1", 500}, {"p2", 700}},
                 30,
                 4,
                 60,
                 600},
        // With the unready pods at 0% the ratio turns below 1: no change.
        UtilCase{"ScaleUpUnreadyNoScale",
                 3,
                 WithReadiness({"True", "False", "False"}),
                 {{"p0", 400}, {"p1", 500}, {"p2", 700}},
                 30,
                 3,
                 40,
                 400},
        // A pod still initializing whose sample predates its readiness is unready.
        UtilCase{"ScaleUpHotCpuLessScale",
                 3,
                 Hot({true, false, false}),
                 {{"p0", 300}, {"p1", 500}, {"p2", 700}},
                 30,
                 4,
                 60,
                 600},
        UtilCase{"ScaleUpHotCpuNoScale",
                 3,
                 Hot({false, true, true}),
                 {{"p0", 400}, {"p1", 500}, {"p2", 700}},
                 30,
                 3,
                 40,
                 400},
        // Failed and deleted pods are ignored altogether.
        UtilCase{"ScaleUpIgnoresFailedPods",
                 2,
                 WithPhases({"Running", "Running", "Failed", "Failed"}),
                 {{"p0", 500}, {"p1", 700}, {"p2", 100}, {"p3", 100}},
                 30,
                 4,
                 60,
                 600},
        UtilCase{
            "ScaleUpIgnoresDeletionPods",
            2,
            WithPhases({"Running", "Running", "Running", "Running"}, {false, false, true, true}),
            {{"p0", 500}, {"p1", 700}, {"p2", 100}, {"p3", 100}},
            30,
            4,
            60,
            600},
        // Pending pods are unready: 0% on a scale-up.
        UtilCase{"ScaleUpPendingCountsAsZero",
                 3,
                 WithPhases({"Pending", "Running", "Running"}),
                 {{"p1", 900}, {"p2", 900}},
                 50,
                 4,
                 90,
                 900},
        // 28% against 50%: ceil(5 * 0.56) = 3.
        UtilCase{"ScaleDown",
                 5,
                 Named(5),
                 {{"p0", 100}, {"p1", 300}, {"p2", 500}, {"p3", 250}, {"p4", 250}},
                 50,
                 3,
                 28,
                 280},
        // Unready pods do not count on a scale-down: ceil(3 * 33/50) = 2.
        UtilCase{"ScaleDownExcludeUnreadyPods",
                 5,
                 WithReadiness({"False", "False", "True", "True", "True"}),
                 {{"p0", 100}, {"p1", 300}, {"p2", 500}, {"p3", 250}, {"p4", 250}},
                 50,
                 2,
                 33,
                 333},
        UtilCase{"ScaleDownIgnoresDeletionPods",
                 5,
                 WithPhases({"Running", "Running", "Running", "Running", "Running", "Running"},
                            {false, false, false, false, false, true}),
                 {{"p0", 100}, {"p1", 300}, {"p2", 500}, {"p3", 250}, {"p4", 250}, {"p5", 5000}},
                 50,
                 3,
                 28,
                 280},
        // 102% against 100% is within the 10% tolerance.
        UtilCase{"Tolerance",
                 3,
                 Named(3),
                 {{"p0", 1010}, {"p1", 1030}, {"p2", 1020}},
                 100,
                 3,
                 102,
                 1020},
        // Exactly 110% is still within (the bound is inclusive).
        UtilCase{"ToleranceEdge", 1, Named(1), {{"p0", 1100}}, 100, 1, 110, 1100},
        UtilCase{"JustAboveTolerance", 1, Named(1), {{"p0", 1110}}, 100, 2, 111, 1110},
        UtilCase{"SuperfluousMetrics",
                 4,
                 Named(4),
                 {{"p0", 4000}, {"p1", 9500}, {"p2", 3000}, {"p3", 7000}, {"extra", 3200}},
                 100,
                 24,
                 587,
                 5875},
        // Missing metrics: with the ratio at exactly 1 nothing is filled in.
        UtilCase{"MissingMetricsNoChangeEq", 2, Named(2), {{"p0", 1000}}, 100, 2, 100, 1000},
        // Scale-up: the missing pod at 0% brings the ratio within tolerance.
        UtilCase{"MissingMetricsNoChangeGt", 2, Named(2), {{"p0", 1900}}, 100, 2, 190, 1900},
        // Scale-down: the missing pod at 100% keeps the count.
        UtilCase{"MissingMetricsNoChangeLt", 2, Named(2), {{"p0", 600}}, 100, 2, 60, 600},
        UtilCase{
            "MissingMetricsScaleUp", 3, Named(3), {{"p0", 2000}, {"p1", 2000}}, 100, 4, 200, 2000},
        UtilCase{
            "MissingMetricsScaleDown", 4, Named(4), {{"p0", 100}, {"p1", 100}}, 100, 3, 10, 100},
        // Missing on a scale-down count as the target when it is above 100%.
        UtilCase{"MissingMetricsScaleDownTargetOver100",
                 4,
                 Named(4),
                 {{"p0", 300}, {"p1", 400}},
                 300,
                 3,
                 35,
                 350},
        UtilCase{"MissingMetricsUnreadyScaleUp",
                 3,
                 WithReadiness({"False", "True", "True"}),
                 {{"p0", 100}, {"p1", 2000}},
                 50,
                 4,
                 200,
                 2000},
        UtilCase{"MissingMetricsUnreadyScaleDown",
                 4,
                 WithReadiness({"False", "True", "True", "True"}),
                 {{"p0", 100}, {"p1", 100}, {"p2", 100}},
                 50,
                 3,
                 10,
                 100},
        // A pod not ready since before the readiness delay elapsed, long
        // after start, is ready-but-failing: it counts.
        UtilCase{"LongUnreadyAfterDelayCounts",
                 2,
                 std::vector<TestPod>{TestPod{"p0"},
                                      TestPod{"p1", "False", "Running", kCool, kCool + minutes(1)}},
                 {{"p0", 1000}, {"p1", 1000}},
                 50,
                 4,
                 100,
                 1000}),
    [](const auto& info) { return info.param.name; });

TEST(UtilizationErrorsTest, NoPods) {
  auto r = UtilizationReplicas(1, 50, "cpu", "", Tolerances{}, {}, Metrics({}), CalculatorOptions{},
                               kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no pods returned by selector while calculating replica count");
}

TEST(UtilizationErrorsTest, AllUnready) {
  auto r = UtilizationReplicas(2, 50, "cpu", "", Tolerances{}, Pods(WithReadiness({"False", ""})),
                               Metrics({{"p0", 100}, {"p1", 100}}), CalculatorOptions{}, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "did not receive metrics for targeted pods (pods might be unready)");
}

TEST(UtilizationErrorsTest, MissingRequest) {
  auto pods = Named(2);
  pods[1].cpu_request = "";
  auto r = UtilizationReplicas(2, 50, "cpu", "", Tolerances{}, Pods(pods),
                               Metrics({{"p0", 100}, {"p1", 100}}), CalculatorOptions{}, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "missing request for cpu in container main of Pod p1");
}

TEST(UtilizationErrorsTest, MetricsMatchNoPod) {
  auto r = ResourceUtilizationRatio(Metrics({{"other", 10}}), {{"p0", 1000}}, 50);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no metrics returned matched known pods");
}

TEST(GroupPodsTest, Memory) {
  // Readiness does not matter for memory; only deletion, failure, pending
  // and missing metrics do.
  auto pods = WithReadiness({"False", "True", ""});
  auto groups =
      GroupPods(Pods(pods), Metrics({{"p0", 1}, {"p1", 1}}), "memory", CalculatorOptions{}, kNow);
  EXPECT_EQ(groups.ready_count, 2);
  EXPECT_EQ(groups.missing, std::set<std::string>{"p2"});
  EXPECT_TRUE(groups.unready.empty());
}

TEST(GroupPodsTest, HotPodReadyLongEnough) {
  TestPod p{"p0"};
  p.start = kHot;
  p.ready_since = kNow - minutes(1);  // a whole 30 s window after becoming ready
  auto groups = GroupPods(Pods({p}), Metrics({{"p0", 1}}), "cpu", CalculatorOptions{}, kNow);
  EXPECT_EQ(groups.ready_count, 1);
  CalculatorOptions quick;
  quick.cpu_initialization_period = seconds(30);  // so the pod is past it
  p.ready = "False";
  p.ready_since = p.start + seconds(5);  // became unready within the readiness delay
  groups = GroupPods(Pods({p}), Metrics({{"p0", 1}}), "cpu", quick, kNow);
  EXPECT_EQ(groups.unready, std::set<std::string>{"p0"});
}

TEST(PodRequestsTest, SidecarsContainerAndPodLevel) {
  auto pod = std::make_shared<api::Pod>(*MakePod(TestPod{"p0"}));
  auto* sidecar = pod->mutable_spec()->add_init_containers();
  sidecar->set_name("proxy");
  sidecar->set_restart_policy("Always");
  (*sidecar->mutable_resources()->mutable_requests())["cpu"] = "250m";
  auto* init = pod->mutable_spec()->add_init_containers();
  init->set_name("setup");  // runs to completion: its request does not count
  (*init->mutable_resources()->mutable_requests())["cpu"] = "4";
  auto all = PodRequests({pod}, "", "cpu");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->at("p0"), 1250);
  auto one = PodRequests({pod}, "proxy", "cpu");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->at("p0"), 250);
  auto memory = PodRequests({pod}, "main", "memory");
  ASSERT_TRUE(memory.ok());
  EXPECT_EQ(memory->at("p0"), (int64_t{1} << 30) * 1000);
  (*pod->mutable_spec()->mutable_resources()->mutable_requests())["cpu"] = "3";
  auto pod_level = PodRequests({pod}, "", "cpu");
  ASSERT_TRUE(pod_level.ok());
  EXPECT_EQ(pod_level->at("p0"), 3000);
}

struct ValueCase {
  std::string name;
  int32_t current;
  std::vector<TestPod> pods;
  std::vector<std::pair<std::string, int64_t>> usage;
  int64_t target;
  int32_t want_replicas;
  int64_t want_average;
};

class AverageValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(AverageValueTest, Replicas) {
  const ValueCase& c = GetParam();
  auto r = AverageValueReplicas(c.current, c.target, "memory", Tolerances{}, Pods(c.pods),
                                Metrics(c.usage), CalculatorOptions{}, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->replicas, c.want_replicas);
  EXPECT_EQ(r->raw_average, c.want_average);
}

constexpr int64_t kMi = 1024 * 1024 * 1000;  // 1 MiB in milli-bytes

INSTANTIATE_TEST_SUITE_P(
    Cases, AverageValueTest,
    ::testing::Values(
        ValueCase{"ScaleUp",
                  2,
                  Named(2),
                  {{"p0", 300 * kMi}, {"p1", 500 * kMi}},
                  200 * kMi,
                  4,
                  400 * kMi},
        ValueCase{"ScaleDown",
                  4,
                  Named(4),
                  {{"p0", 100 * kMi}, {"p1", 100 * kMi}, {"p2", 100 * kMi}, {"p3", 100 * kMi}},
                  200 * kMi,
                  2,
                  100 * kMi},
        ValueCase{"WithinTolerance",
                  2,
                  Named(2),
                  {{"p0", 210 * kMi}, {"p1", 200 * kMi}},
                  200 * kMi,
                  2,
                  205 * kMi},
        // Readiness is ignored for memory: the unready pod's usage counts.
        ValueCase{"UnreadyCountsForMemory",
                  2,
                  WithReadiness({"False", "True"}),
                  {{"p0", 400 * kMi}, {"p1", 400 * kMi}},
                  200 * kMi,
                  4,
                  400 * kMi},
        // A missing pod counts as the target on a scale-down.
        ValueCase{"MissingScaleDown",
                  3,
                  Named(3),
                  {{"p0", 10 * kMi}, {"p1", 10 * kMi}},
                  100 * kMi,
                  2,
                  10 * kMi},
        // ... and as zero on a scale-up.
        ValueCase{"MissingScaleUp",
                  3,
                  Named(3),
                  {{"p0", 300 * kMi}, {"p1", 300 * kMi}},
                  100 * kMi,
                  6,
                  300 * kMi}),
    [](const auto& info) { return info.param.name; });

metrics::PodUsage Usage(const std::string& name,
                        std::vector<std::tuple<std::string, int64_t, int64_t>> containers) {
  metrics::PodUsage u{"default", name, kNow, seconds(15), {}};
  for (auto& [c, cpu, mem] : containers)
    u.containers.push_back({c, cpu, mem});
  return u;
}

TEST(ResourceMetricInfoTest, SumsContainersAndPicksOne) {
  std::vector<metrics::PodUsage> usage = {
      Usage("a", {{"main", 250'000'000, 1024}, {"proxy", 1, 2048}}), Usage("b", {{"main", 0, 0}})};
  Clock::time_point ts;
  auto cpu = ResourceMetricInfo(usage, "cpu", "", &ts);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->at("a").value, 251);  // 1 nanocore rounds up to 1m
  EXPECT_EQ(cpu->at("a").window, seconds(15));
  EXPECT_EQ(ts, kNow);
  auto mem = ResourceMetricInfo(usage, "memory", "main", &ts);
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->at("a").value, 1024 * 1000);
  auto none = ResourceMetricInfo(usage, "ephemeral-storage", "", &ts);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto bad = ResourceMetricInfo(usage, "cpu", "proxy", &ts);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "failed to get container metrics: container proxy not present in metrics for pod "
            "default/b");
  auto empty = ResourceMetricInfo({}, "cpu", "", &ts);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "no metrics returned from resource metrics API");
}

}  // namespace
}  // namespace skiff::autoscaler
