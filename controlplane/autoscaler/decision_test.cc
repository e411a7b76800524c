// One reconcile's decision: bounds, the max over metrics, failed and
// unsupported metrics, selectors, conditions and events.
#include "controlplane/autoscaler/decision.h"

#include <gtest/gtest.h>

#include "controlplane/autoscaler/status.h"

namespace skiff::autoscaler {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const Clock::time_point kNow = Clock::now();

api::HorizontalPodAutoscaler Hpa(int32_t min, int32_t max) {
  api::HorizontalPodAutoscaler h;
  h.mutable_metadata()->set_name("web");
  h.mutable_metadata()->set_namespace_("shop");
  auto* ref = h.mutable_spec()->mutable_scale_target_ref();
  ref->set_api_version("apps/v1");
  ref->set_kind("Deployment");
  ref->set_name("web");
  h.mutable_spec()->set_min_replicas(min);
  h.mutable_spec()->set_max_replicas(max);
  return h;
}

void AddResource(api::HorizontalPodAutoscaler* h, const std::string& resource,
                 std::optional<int32_t> utilization, std::string average = "",
                 std::string container = "") {
  auto* m = h->mutable_spec()->add_metrics();
  api::MetricTarget* t;
  if (container.empty()) {
    m->set_type("Resource");
    m->mutable_resource()->set_name(resource);
    t = m->mutable_resource()->mutable_target();
  } else {
    m->set_type("ContainerResource");
    m->mutable_container_resource()->set_name(resource);
    m->mutable_container_resource()->set_container(container);
    t = m->mutable_container_resource()->mutable_target();
  }
  if (utilization) {
    t->set_type("Utilization");
    t->set_average_utilization(*utilization);
  } else {
    t->set_type("AverageValue");
    t->set_average_value(average);
  }
}

PodList Pods(int n) {
  PodList out;
  for (int i = 0; i < n; ++i) {
    auto pod = std::make_shared<api::Pod>();
    pod->mutable_metadata()->set_name("web-" + std::to_string(i));
    pod->mutable_metadata()->set_namespace_("shop");
    (*pod->mutable_metadata()->mutable_labels())["app"] = "web";
    for (const char* name : {"main", "proxy"}) {
      auto* c = pod->mutable_spec()->add_containers();
      c->set_name(name);
      (*c->mutable_resources()->mutable_requests())["cpu"] = "500m";
      (*c->mutable_resources()->mutable_requests())["memory"] = "100Mi";
    }
    pod->mutable_status()->set_phase("Running");
    *pod->mutable_status()->mutable_start_time() = ToTimestamp(kNow - minutes(10));
    auto* ready = pod->mutable_status()->add_conditions();
    ready->set_type("Ready");
    ready->set_status("True");
    *ready->mutable_last_transition_time() = ToTimestamp(kNow - minutes(9));
    out.push_back(pod);
  }
  return out;
}

// Every pod's two containers use `cpu_milli` / `mem_mib` each.
std::vector<metrics::PodUsage> Usage(int n, int64_t cpu_milli, int64_t mem_mib) {
  std::vector<metrics::PodUsage> out;
  for (int i = 0; i < n; ++i) {
    metrics::PodUsage u{"shop", "web-" + std::to_string(i), kNow, seconds(15), {}};
    for (const char* name : {"main", "proxy"})
      u.containers.push_back({name, cpu_milli * 1'000'000, mem_mib << 20});
    out.push_back(u);
  }
  return out;
}

DecisionInput Input(const api::HorizontalPodAutoscaler& hpa, int32_t replicas, int pods,
                    int64_t cpu_milli, int64_t mem_mib) {
  DecisionInput in;
  in.hpa = &hpa;
  in.scale = ScaleInfo{replicas, replicas, "app=web", ""};
  in.pods = Pods(pods);
  in.pod_metrics = Usage(pods, cpu_milli, mem_mib);
  in.now = kNow;
  return in;
}

const ConditionUpdate* Last(const Decision& d, const std::string& type) {
  const ConditionUpdate* out = nullptr;
  for (const auto& c : d.conditions) {
    if (c.type == type) out = &c;
  }
  return out;
}

bool HasEvent(const Decision& d, const std::string& reason) {
  for (const auto& e : d.events) {
    if (e.reason == reason) return true;
  }
  return false;
}

TEST(DecideTest, ScalesUpOnCpuUtilization) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  // 2 x 500m used of 2 x 500m requested: 100% against 50%.
  Decision d = Decide(Input(hpa, 2, 2, 500, 10), DecisionOptions{}, history);
  EXPECT_TRUE(d.error.ok()) << d.error.ToString();
  EXPECT_TRUE(d.rescale);
  EXPECT_EQ(d.current_replicas, 2);
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_EQ(d.rescale_reason, "cpu resource utilization (percentage of request) above target");
  ASSERT_EQ(d.metric_statuses.size(), 1u);
  EXPECT_EQ(d.metric_statuses[0].type(), "Resource");
  EXPECT_EQ(d.metric_statuses[0].resource().name(), "cpu");
  EXPECT_EQ(d.metric_statuses[0].resource().current().average_utilization(), 100);
  EXPECT_EQ(d.metric_statuses[0].resource().current().average_value(), "1");
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "ValidMetricFound");
  EXPECT_EQ(Last(d, "ScalingActive")->message,
            "the HPA was able to successfully calculate a replica count from cpu resource "
            "utilization (percentage of request)");
  EXPECT_EQ(Last(d, "AbleToScale")->reason, "ReadyForNewScale");
  EXPECT_EQ(Last(d, "ScalingLimited")->status, "False");
  EXPECT_TRUE(d.events.empty());
}

TEST(DecideTest, ScaleDownWaitsForTheStabilizationWindow) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  // 4 replicas at 10%: the first evaluation remembers 4 and holds.
  Decision first = Decide(Input(hpa, 4, 4, 50, 10), DecisionOptions{}, history);
  EXPECT_FALSE(first.rescale);
  EXPECT_EQ(first.desired_replicas, 4);
  EXPECT_EQ(Last(first, "AbleToScale")->reason, "ScaleDownStabilized");
  // After the window (shortened here), the scale-down happens.
  DecisionOptions quick;
  quick.downscale_stabilization = seconds(60);
  auto later = Input(hpa, 4, 4, 50, 10);
  later.now = kNow + seconds(61);
  Decision second = Decide(later, quick, history);
  EXPECT_TRUE(second.rescale);
  EXPECT_EQ(second.desired_replicas, 1);
  EXPECT_EQ(second.rescale_reason, "All metrics below target");
}

TEST(DecideTest, TargetAtZeroDisablesScaling) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  Decision d = Decide(Input(hpa, 0, 0, 0, 0), DecisionOptions{}, history);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 0);
  EXPECT_EQ(Last(d, "ScalingActive")->status, "False");
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "ScalingDisabled");
}

TEST(DecideTest, OutsideBoundsGoesToTheBound) {
  auto hpa = Hpa(2, 5);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  Decision above = Decide(Input(hpa, 8, 8, 0, 0), DecisionOptions{}, history);
  EXPECT_TRUE(above.rescale);
  EXPECT_EQ(above.desired_replicas, 5);
  EXPECT_EQ(above.rescale_reason, "Current number of replicas above Spec.MaxReplicas");
  Decision below = Decide(Input(hpa, 1, 1, 0, 0), DecisionOptions{}, history);
  EXPECT_TRUE(below.rescale);
  EXPECT_EQ(below.desired_replicas, 2);
  EXPECT_EQ(below.rescale_reason, "Current number of replicas below Spec.MinReplicas");
}

TEST(DecideTest, MaxOverMetrics) {
  auto hpa = Hpa(1, 20);
  AddResource(&hpa, "cpu", 50);                       // 100%: 2 -> 4
  AddResource(&hpa, "memory", std::nullopt, "50Mi");  // 300 MiB per pod: 2 -> 12
  ScalingHistory history;
  auto in = Input(hpa, 2, 2, 500, 150);
  Decision d = Decide(in, DecisionOptions{}, history);
  EXPECT_TRUE(d.error.ok()) << d.error.ToString();
  // Without spec.behavior a scale-up is capped at max(2 x current, 4) = 4.
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_EQ(d.rescale_reason, "memory resource above target");
  EXPECT_EQ(Last(d, "ScalingLimited")->status, "True");
  EXPECT_EQ(Last(d, "ScalingLimited")->reason, "ScaleUpLimit");
  ASSERT_EQ(d.metric_statuses.size(), 2u);
  EXPECT_EQ(d.metric_statuses[0].resource().current().average_utilization(), 100);
  EXPECT_EQ(d.metric_statuses[1].resource().name(), "memory");
  EXPECT_EQ(d.metric_statuses[1].resource().current().average_value(), "314572800");
}

TEST(DecideTest, ContainerResource) {
  auto hpa = Hpa(1, 20);
  AddResource(&hpa, "cpu", 50, "", "proxy");
  ScalingHistory history;
  Decision d = Decide(Input(hpa, 2, 2, 750, 1), DecisionOptions{}, history);
  EXPECT_TRUE(d.error.ok()) << d.error.ToString();
  EXPECT_EQ(d.desired_replicas, 4);  // 150% of the proxy's request
  EXPECT_EQ(d.rescale_reason,
            "cpu container resource utilization (percentage of request) above target");
  EXPECT_EQ(d.metric_statuses[0].type(), "ContainerResource");
  EXPECT_EQ(d.metric_statuses[0].container_resource().container(), "proxy");
  EXPECT_EQ(d.metric_statuses[0].container_resource().current().average_utilization(), 150);
}

TEST(DecideTest, MetricsUnavailable) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  hpa.mutable_status()->set_desired_replicas(3);
  ScalingHistory history;
  auto in = Input(hpa, 3, 3, 0, 0);
  in.pod_metrics = Unavailable("the metrics collector is not running");
  Decision d = Decide(in, DecisionOptions{}, history);
  EXPECT_TRUE(d.metrics_failed);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 3);  // the previous status' value is kept
  const ConditionUpdate* active = Last(d, "ScalingActive");
  ASSERT_NE(active, nullptr);
  EXPECT_EQ(active->status, "False");
  EXPECT_EQ(active->reason, "FailedGetResourceMetric");
  EXPECT_EQ(active->message,
            "the HPA was unable to compute the replica count: failed to get cpu utilization: "
            "unable to get metrics for resource cpu: unable to fetch metrics from resource "
            "metrics API: the metrics collector is not running");
  EXPECT_TRUE(HasEvent(d, "FailedGetResourceMetric"));
  EXPECT_TRUE(HasEvent(d, "FailedComputeMetricsReplicas"));
  EXPECT_NE(d.error.message().find("failed to compute desired number of replicas based on listed "
                                   "metrics for Deployment/shop/web: invalid metrics (1 invalid "
                                   "out of 1)"),
            std::string::npos)
      << d.error.message();
}

TEST(DecideTest, NoMetricsForThePods) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  auto in = Input(hpa, 3, 3, 0, 0);
  in.pod_metrics = std::vector<metrics::PodUsage>{};
  Decision d = Decide(in, DecisionOptions{}, history);
  EXPECT_TRUE(d.metrics_failed);
  EXPECT_NE(Last(d, "ScalingActive")->message.find("no metrics returned from resource metrics API"),
            std::string::npos);
}

TEST(DecideTest, SomeMetricsFailing) {
  auto hpa = Hpa(1, 20);
  AddResource(&hpa, "cpu", 50);
  auto* pods = hpa.mutable_spec()->add_metrics();
  pods->set_type("Pods");
  pods->mutable_pods()->mutable_metric()->set_name("packets-per-second");
  ScalingHistory history;
  // The working metric asks for more: scale, but report the failure.
  Decision up = Decide(Input(hpa, 2, 2, 500, 1), DecisionOptions{}, history);
  EXPECT_FALSE(up.metrics_failed);
  EXPECT_TRUE(up.rescale);
  EXPECT_EQ(up.desired_replicas, 4);
  EXPECT_FALSE(up.error.ok());
  EXPECT_EQ(Last(up, "ScalingActive")->reason, "ValidMetricFound");
  EXPECT_TRUE(HasEvent(up, "FailedGetPodsMetric"));
  ASSERT_EQ(up.metric_statuses.size(), 2u);
  EXPECT_EQ(up.metric_statuses[1].type(), "");  // the failed one stays empty
  // The working metric asks for less: a partial view must not scale down.
  ScalingHistory fresh;
  Decision down = Decide(Input(hpa, 4, 4, 50, 1), DecisionOptions{}, fresh);
  EXPECT_TRUE(down.metrics_failed);
  EXPECT_FALSE(down.rescale);
  EXPECT_EQ(Last(down, "ScalingActive")->reason, "FailedGetPodsMetric");
  EXPECT_NE(Last(down, "ScalingActive")->message.find("custom.metrics.k8s.io"), std::string::npos);
}

TEST(DecideTest, ExternalAndObjectMetricsAreUnavailable) {
  auto hpa = Hpa(1, 20);
  auto* ext = hpa.mutable_spec()->add_metrics();
  ext->set_type("External");
  ext->mutable_external()->mutable_metric()->set_name("queue_messages_ready");
  auto* obj = hpa.mutable_spec()->add_metrics();
  obj->set_type("Object");
  obj->mutable_object()->mutable_metric()->set_name("requests-per-second");
  ScalingHistory history;
  Decision d = Decide(Input(hpa, 2, 2, 500, 1), DecisionOptions{}, history);
  EXPECT_TRUE(d.metrics_failed);
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "FailedGetExternalMetric");  // the first one
  EXPECT_TRUE(HasEvent(d, "FailedGetObjectMetric"));
  EXPECT_NE(d.error.message().find("invalid metrics (2 invalid out of 2)"), std::string::npos);
}

TEST(DecideTest, Selectors) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  auto none = Input(hpa, 2, 2, 500, 1);
  none.scale.selector = "";
  Decision d = Decide(none, DecisionOptions{}, history);
  EXPECT_TRUE(d.metrics_failed);
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "InvalidSelector");
  EXPECT_TRUE(HasEvent(d, "SelectorRequired"));

  auto bad = Input(hpa, 2, 2, 500, 1);
  bad.scale.selector = "app in (";
  d = Decide(bad, DecisionOptions{}, history);
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "InvalidSelector");

  auto shared = Input(hpa, 2, 2, 500, 1);
  shared.also_selecting = {"other"};
  d = Decide(shared, DecisionOptions{}, history);
  EXPECT_TRUE(d.metrics_failed);
  EXPECT_EQ(Last(d, "ScalingActive")->reason, "AmbiguousSelector");
  EXPECT_EQ(Last(d, "ScalingActive")->message,
            "pods by selector app=web are controlled by multiple HPAs: [shop/other shop/web]");
}

TEST(DecideTest, UnreadyPodsHoldBackScaleUp) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  ScalingHistory history;
  auto in = Input(hpa, 3, 3, 400, 1);  // 80% each
  // One pod never became ready: its Ready condition last changed within the
  // readiness delay after start.
  auto unready = std::make_shared<api::Pod>(*in.pods[0]);
  auto* cond = unready->mutable_status()->mutable_conditions(0);
  cond->set_status("False");
  *cond->mutable_last_transition_time() = ToTimestamp(kNow - minutes(10) + seconds(10));
  in.pods[0] = unready;
  Decision d = Decide(in, DecisionOptions{}, history);
  // Ready pods: 80% -> ratio 1.6; with the unready one at 0%: 53% -> within tolerance.
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 3);
}

TEST(DecideTest, BehaviorToleranceOverride) {
  auto hpa = Hpa(1, 10);
  AddResource(&hpa, "cpu", 50);
  hpa.mutable_spec()->mutable_behavior()->mutable_scale_up()->set_tolerance("500m");
  ScalingHistory history;
  // 70% against 50% (ratio 1.4) is within a 0.5 scale-up tolerance.
  Decision d = Decide(Input(hpa, 2, 2, 350, 1), DecisionOptions{}, history);
  EXPECT_FALSE(d.rescale);
  // ... but not within the default.
  hpa.mutable_spec()->clear_behavior();
  ScalingHistory fresh;
  d = Decide(Input(hpa, 2, 2, 350, 1), DecisionOptions{}, fresh);
  EXPECT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 3);
}

TEST(DecideTest, BehaviorPoliciesLimitScaleUp) {
  auto hpa = Hpa(1, 50);
  AddResource(&hpa, "cpu", 10);
  auto* up = hpa.mutable_spec()->mutable_behavior()->mutable_scale_up();
  up->set_select_policy("Max");
  auto* p = up->add_policies();
  p->set_type("Pods");
  p->set_value(1);
  p->set_period_seconds(60);
  ScalingHistory history;
  Decision d = Decide(Input(hpa, 2, 2, 500, 1), DecisionOptions{}, history);
  EXPECT_EQ(d.desired_replicas, 3);
  EXPECT_EQ(Last(d, "ScalingLimited")->status, "True");
  EXPECT_EQ(Last(d, "ScalingLimited")->reason, "ScaleUpLimit");
}

}  // namespace
}  // namespace skiff::autoscaler
