// The HPA controller end to end: a real in-process skiff-server with its
// workload controllers, FakeKubelet pods, and a metrics source whose CPU load
// the test controls. Load scales a Deployment up within its scale-up policy;
// removing the load scales it down once the (shortened) stabilization
// window has passed; min/max hold throughout. Bad input (a missing target,
// an unscalable kind, unavailable or unsupported metrics) becomes conditions
// and events, and the HPA recovers when the cause goes away.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "api/client/config.h"
#include "api/client/typed.h"
#include "api/manifest.h"
#include "controlplane/autoscaler/hpa_controller.h"
#include "controlplane/autoscaler/status.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "tests/autoscaler/hpa_env.h"
#include "tests/controllers/fake_kubelet.h"

namespace skiff::autoscaler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

template <typename T>
T FromYaml(const std::string& yaml) {
  auto obj = api::ParseObject(yaml, "test");
  EXPECT_TRUE(obj.ok()) << obj.status().ToString();
  if (!obj.ok()) return T();
  return static_cast<T&>(**obj);
}

std::string Workload(const std::string& kind, const std::string& name, int replicas,
                     const std::string& cpu_request = "200m") {
  std::string extra =
      kind == "StatefulSet" ? "  serviceName: " + name + "\n  podManagementPolicy: Parallel\n" : "";
  std::string requests =
      cpu_request.empty()
          ? ""
          : "        resources:\n          requests:\n            cpu: " + cpu_request + "\n";
  return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  replicas: " + std::to_string(replicas) + "\n" + extra +
         "  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n      - name: app\n        image: busybox\n" + requests;
}

std::string Hpa(const std::string& name, const std::string& kind, const std::string& target,
                int min, int max, const std::string& rest = "") {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: " +
         kind + "\n    name: " + target + "\n  minReplicas: " + std::to_string(min) +
         "\n  maxReplicas: " + std::to_string(max) + "\n" + rest;
}

constexpr const char* kCpu50 =
    "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n"
    "        type: Utilization\n        averageUtilization: 50\n";

class HpaTest : public server::testing::ApiServerTest {
 protected:
  // These tests run their own controller against LoadMetrics (StartController); the server's
  // HPA controller and collector would fight it. HpaServerTest below uses the server's.
  void Customize(server::ServerOptions& o) override {
    o.run_hpa_controller = false;
    o.metrics_resolution = seconds(0);
  }

  void SetUp() override {
    ApiServerTest::SetUp();
    if (HasFatalFailure()) return;
    kubelet_ = std::make_unique<skiff::testing::FakeKubelet>(
        *client_, skiff::testing::FakeKubelet::Options{});
    starts_ = std::make_unique<testing::PodStartTimes>(*client_);
    load_ = std::make_unique<testing::LoadMetrics>(*client_, "app");
  }

  void TearDown() override {
    controller_.reset();
    load_.reset();
    starts_.reset();
    kubelet_.reset();
    ApiServerTest::TearDown();
  }

  void StartController(std::chrono::seconds down_window = seconds(300)) {
    HpaControllerOptions o;
    o.sync_period = milliseconds(200);
    o.decision.calculator.cpu_initialization_period = seconds(2);
    o.decision.downscale_stabilization = down_window;
    controller_ = std::make_unique<HorizontalPodAutoscalerController>(*client_, *load_, o);
    controller_->Start(2);
  }

  template <typename T>
  void Create(const std::string& yaml) {
    auto r = api::CreateObject(*client_, FromYaml<T>(yaml));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::optional<api::HorizontalPodAutoscaler> GetHpa(const std::string& name) {
    auto h = api::GetObject<api::HorizontalPodAutoscaler>(*client_, "default", name);
    if (!h.ok()) return std::nullopt;
    return *h;
  }

  // Waits for the HPA's condition `type` to have `status` and `reason`.
  ::testing::AssertionResult WaitCondition(const std::string& hpa, const std::string& type,
                                           const std::string& status, const std::string& reason,
                                           std::chrono::milliseconds timeout = seconds(20)) {
    std::string last = "(no HPA)";
    bool ok = Eventually(
        [&] {
          auto h = GetHpa(hpa);
          if (!h) return false;
          const auto* c = FindCondition(h->status(), type);
          last = c ? c->status() + " " + c->reason() + ": " + c->message() : "(none)";
          return c && c->status() == status && c->reason() == reason;
        },
        timeout);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "condition " << type << " never became " << status
                                         << "/" << reason << "; last: " << last;
  }

  const api::HorizontalPodAutoscalerCondition* Condition(const api::HorizontalPodAutoscaler& h,
                                                         const std::string& type) {
    return FindCondition(h.status(), type);
  }

  int SpecReplicas(const std::string& kind, const std::string& name) {
    if (kind == "Deployment") {
      auto d = api::GetObject<api::Deployment>(*client_, "default", name);
      return d.ok() ? d->spec().replicas() : -1;
    }
    if (kind == "ReplicaSet") {
      auto d = api::GetObject<api::ReplicaSet>(*client_, "default", name);
      return d.ok() ? d->spec().replicas() : -1;
    }
    auto d = api::GetObject<api::StatefulSet>(*client_, "default", name);
    return d.ok() ? d->spec().replicas() : -1;
  }

  int ReadyPods(const std::string& app) {
    auto pods = api::ListObjects<api::Pod>(*client_, "default", "app=" + app);
    int n = 0;
    if (!pods.ok()) return -1;
    for (const auto& p : *pods) {
      if (p.metadata().has_deletion_timestamp() || !p.status().has_start_time()) continue;
      for (const auto& c : p.status().conditions()) {
        if (c.type() == "Ready" && c.status() == "True") ++n;
      }
    }
    return n;
  }

  bool HasEvent(const std::string& reason, const std::string& part = "") {
    auto events = api::ListObjects<api::Event>(*client_, "default");
    if (!events.ok()) return false;
    for (const auto& e : *events) {
      if (e.involved_object().kind() == "HorizontalPodAutoscaler" && e.reason() == reason &&
          e.message().find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::unique_ptr<skiff::testing::FakeKubelet> kubelet_;
  std::unique_ptr<testing::PodStartTimes> starts_;
  std::unique_ptr<testing::LoadMetrics> load_;
  std::unique_ptr<HorizontalPodAutoscalerController> controller_;
};

// Every spec.replicas value the Deployment takes, with when it was seen.
class ReplicaHistory {
 public:
  ReplicaHistory(api::ApiClient& client, const std::string& name) : name_(name) {
    informer_ = std::make_unique<api::Informer<api::Deployment>>(client);
    api::EventHandlers h;
    auto record = [this](const api::ObjectPtr& o) {
      const auto& d = static_cast<const api::Deployment&>(*o);
      if (d.metadata().name() != name_) return;
      std::lock_guard lock(mu_);
      if (values_.empty() || values_.back().second != d.spec().replicas()) {
        values_.push_back({Steady::now(), d.spec().replicas()});
      }
    };
    h.on_add = record;
    h.on_update = [record](const api::ObjectPtr&, const api::ObjectPtr& o) { record(o); };
    informer_->AddHandlers(std::move(h));
    informer_->Start();
    informer_->WaitForSync(seconds(10));
  }
  ~ReplicaHistory() { informer_->Stop(); }
  std::vector<std::pair<Steady::time_point, int>> values() {
    std::lock_guard lock(mu_);
    return values_;
  }

 private:
  std::string name_;
  std::unique_ptr<api::Informer<api::Deployment>> informer_;
  std::mutex mu_;
  std::vector<std::pair<Steady::time_point, int>> values_;
};

TEST_F(HpaTest, CpuLoadScalesADeploymentUpAndDownWithinItsBehavior) {
  ReplicaHistory history(*client_, "web");
  Create<api::Deployment>(Workload("Deployment", "web", 1));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("web") == 1; }));
  // Scale up by at most one pod per second; scale down by at most two per
  // second, and only after 3 s of lower recommendations.
  Create<api::HorizontalPodAutoscaler>(Hpa("web", "Deployment", "web", 1, 5,
                                           std::string(kCpu50) +
                                               "  behavior:\n"
                                               "    scaleUp:\n"
                                               "      policies:\n"
                                               "      - type: Pods\n"
                                               "        value: 1\n"
                                               "        periodSeconds: 1\n"
                                               "    scaleDown:\n"
                                               "      stabilizationWindowSeconds: 3\n"
                                               "      policies:\n"
                                               "      - type: Pods\n"
                                               "        value: 2\n"
                                               "        periodSeconds: 1\n"));
  StartController();
  ASSERT_TRUE(WaitCondition("web", "ScalingActive", "True", "ValidMetricFound"));
  EXPECT_EQ(SpecReplicas("Deployment", "web"), 1);

  // 1000m of load against 100m (50% of 200m) per pod wants 10 pods; max is 5.
  load_->SetLoad("default", 1000);
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "web") == 5; }, seconds(60)));
  ASSERT_TRUE(WaitCondition("web", "ScalingLimited", "True", "TooManyReplicas"));
  auto hpa = GetHpa("web");
  ASSERT_TRUE(hpa);
  EXPECT_EQ(hpa->status().desired_replicas(), 5);
  EXPECT_TRUE(hpa->status().has_last_scale_time());
  ASSERT_EQ(hpa->status().current_metrics_size(), 1);
  EXPECT_EQ(hpa->status().current_metrics(0).resource().name(), "cpu");
  EXPECT_TRUE(HasEvent("SuccessfulRescale",
                       "reason: cpu resource utilization (percentage of request) above target"));
  // It stays at the maximum while the load lasts.
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(SpecReplicas("Deployment", "web"), 5);

  auto removed = Steady::now();
  load_->SetLoad("default", 0);
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "web") == 1; }, seconds(60)));
  EXPECT_TRUE(HasEvent("SuccessfulRescale", "reason: All metrics below target"));
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(SpecReplicas("Deployment", "web"), 1);  // minReplicas holds

  auto values = history.values();
  ASSERT_GE(values.size(), 2u);
  bool went_down = false;
  for (size_t i = 1; i < values.size(); ++i) {
    int prev = values[i - 1].second, now = values[i].second;
    EXPECT_GE(now, 1) << "below minReplicas at step " << i;
    EXPECT_LE(now, 5) << "above maxReplicas at step " << i;
    if (now > prev) {
      EXPECT_FALSE(went_down) << "scaled up again after the load was removed";
      EXPECT_LE(now - prev, 1) << "scale-up step " << prev << " -> " << now
                               << " broke the 1-pod policy";
    } else {
      EXPECT_LE(prev - now, 2) << "scale-down step " << prev << " -> " << now
                               << " broke the 2-pod policy";
      if (!went_down) {
        went_down = true;
        // Recommendations for 5+ pods were made until the load went away,
        // so no scale-down before the 3 s window (less one sync period).
        EXPECT_GE(values[i].first - removed, milliseconds(2800))
            << "scaled down before the stabilization window passed";
      }
    }
  }
  EXPECT_TRUE(went_down);
}

TEST_F(HpaTest, DefaultScaleDownWindowHoldsTheSize) {
  Create<api::Deployment>(Workload("Deployment", "api", 4));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("api") == 4; }));
  Create<api::HorizontalPodAutoscaler>(Hpa("api", "Deployment", "api", 1, 10, kCpu50));
  load_->SetLoad("default", 40);  // 10m per pod: 5%, wants 1 pod
  StartController();              // the default 300 s scale-down window
  ASSERT_TRUE(WaitCondition("api", "AbleToScale", "True", "ScaleDownStabilized"));
  auto hpa = GetHpa("api");
  ASSERT_TRUE(hpa);
  EXPECT_EQ(hpa->status().current_replicas(), 4);
  EXPECT_EQ(hpa->status().desired_replicas(), 4);
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(SpecReplicas("Deployment", "api"), 4);
}

TEST_F(HpaTest, ScalesReplicaSetsAndStatefulSets) {
  Create<api::ReplicaSet>(Workload("ReplicaSet", "rs", 1));
  Create<api::StatefulSet>(Workload("StatefulSet", "sts", 1));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("rs") == 1 && ReadyPods("sts") == 1; }));
  Create<api::HorizontalPodAutoscaler>(Hpa("rs", "ReplicaSet", "rs", 1, 3, kCpu50));
  Create<api::HorizontalPodAutoscaler>(Hpa("sts", "StatefulSet", "sts", 1, 3, kCpu50));
  load_->SetLoad("default", 1000);  // shared by both workloads' pods: far above target
  StartController();
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("ReplicaSet", "rs") == 3; }, seconds(30)));
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("StatefulSet", "sts") == 3; }, seconds(30)));
}

TEST_F(HpaTest, ReplicasOutsideTheBoundsGoToTheBound) {
  Create<api::Deployment>(Workload("Deployment", "small", 1));
  Create<api::Deployment>(Workload("Deployment", "big", 6));
  Create<api::HorizontalPodAutoscaler>(Hpa("small", "Deployment", "small", 2, 4, kCpu50));
  Create<api::HorizontalPodAutoscaler>(Hpa("big", "Deployment", "big", 1, 3, kCpu50));
  StartController();
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "small") == 2; }));
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "big") == 3; }));
  EXPECT_TRUE(HasEvent("SuccessfulRescale",
                       "New size: 2; reason: Current number of replicas below Spec.MinReplicas"));
  EXPECT_TRUE(HasEvent("SuccessfulRescale",
                       "New size: 3; reason: Current number of replicas above Spec.MaxReplicas"));
}

TEST_F(HpaTest, MissingTargetIsAConditionAndRecovers) {
  Create<api::HorizontalPodAutoscaler>(Hpa("ghost", "Deployment", "ghost", 1, 3, kCpu50));
  StartController();
  ASSERT_TRUE(WaitCondition("ghost", "AbleToScale", "False", "FailedGetScale"));
  auto hpa = GetHpa("ghost");
  ASSERT_TRUE(hpa);
  EXPECT_NE(Condition(*hpa, "AbleToScale")->message().find("deployments.apps \"ghost\" not found"),
            std::string::npos)
      << Condition(*hpa, "AbleToScale")->message();
  EXPECT_TRUE(Eventually([&] { return HasEvent("FailedGetScale", "not found"); }));
  // The target appears: the HPA picks it up at its next sync. The load is exactly the target
  // (100m of a 200m request = 50%): with no load the recommendation would be 0 and, as in
  // kube-controller-manager, the first recorded size (1) holds it for the 300 s window, which
  // reads AbleToScale True/ScaleDownStabilized instead.
  load_->SetLoad("default", 100);
  Create<api::Deployment>(Workload("Deployment", "ghost", 1));
  EXPECT_TRUE(WaitCondition("ghost", "AbleToScale", "True", "ReadyForNewScale"));
  EXPECT_TRUE(WaitCondition("ghost", "ScalingActive", "True", "ValidMetricFound"));
  EXPECT_EQ(SpecReplicas("Deployment", "ghost"), 1);
}

TEST_F(HpaTest, UnscalableKindIsACondition) {
  Create<api::HorizontalPodAutoscaler>(Hpa("ds", "DaemonSet", "agents", 1, 3, kCpu50));
  StartController();
  ASSERT_TRUE(WaitCondition("ds", "AbleToScale", "False", "FailedGetScale"));
  auto hpa = GetHpa("ds");
  ASSERT_TRUE(hpa);
  EXPECT_NE(Condition(*hpa, "AbleToScale")->message().find("no matches for kind \"DaemonSet\""),
            std::string::npos);
}

TEST_F(HpaTest, UnavailableMetricsLeaveTheSizeAlone) {
  Create<api::Deployment>(Workload("Deployment", "quiet", 2));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("quiet") == 2; }));
  load_->SetAvailable(false);
  Create<api::HorizontalPodAutoscaler>(Hpa("quiet", "Deployment", "quiet", 1, 5, kCpu50));
  StartController();
  ASSERT_TRUE(WaitCondition("quiet", "ScalingActive", "False", "FailedGetResourceMetric"));
  auto hpa = GetHpa("quiet");
  ASSERT_TRUE(hpa);
  EXPECT_NE(Condition(*hpa, "ScalingActive")
                ->message()
                .find("unable to get metrics for resource cpu: no metrics returned from resource "
                      "metrics API"),
            std::string::npos)
      << Condition(*hpa, "ScalingActive")->message();
  EXPECT_EQ(hpa->status().current_replicas(), 2);
  EXPECT_TRUE(Eventually([&] { return HasEvent("FailedComputeMetricsReplicas"); }));
  EXPECT_EQ(SpecReplicas("Deployment", "quiet"), 2);
  // Metrics come back: scaling resumes.
  load_->SetLoad("default", 800);
  load_->SetAvailable(true);
  EXPECT_TRUE(WaitCondition("quiet", "ScalingActive", "True", "ValidMetricFound"));
  EXPECT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "quiet") > 2; }, seconds(20)));
}

TEST_F(HpaTest, MissingRequestsAndUnsupportedMetricsAreConditions) {
  Create<api::Deployment>(Workload("Deployment", "noreq", 1, ""));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("noreq") == 1; }));
  Create<api::HorizontalPodAutoscaler>(Hpa("noreq", "Deployment", "noreq", 1, 5, kCpu50));
  Create<api::HorizontalPodAutoscaler>(
      Hpa("queue", "Deployment", "noreq", 1, 5,
          "  metrics:\n  - type: External\n    external:\n      metric:\n"
          "        name: queue_messages_ready\n      target:\n        type: AverageValue\n"
          "        averageValue: \"30\"\n"));
  load_->SetLoad("default", 500);
  StartController();
  // Both HPAs select the same pods: Kubernetes refuses that as ambiguous.
  ASSERT_TRUE(WaitCondition("noreq", "ScalingActive", "False", "AmbiguousSelector"));
  ASSERT_TRUE(api::DeleteObject<api::HorizontalPodAutoscaler>(*client_, "default", "queue").ok());
  ASSERT_TRUE(WaitCondition("noreq", "ScalingActive", "False", "FailedGetResourceMetric"));
  // The first rounds may still lack the pod's metrics ("did not receive
  // metrics"); then the missing request is what the condition names.
  std::string last;
  EXPECT_TRUE(Eventually([&] {
    auto hpa = GetHpa("noreq");
    const auto* c = hpa ? Condition(*hpa, "ScalingActive") : nullptr;
    last = c ? c->reason() + ": " + c->message() : "";
    return c && c->reason() == "FailedGetResourceMetric" &&
           c->message().find("missing request for cpu in container app of Pod noreq-") !=
               std::string::npos;
  })) << last;

  Create<api::Deployment>(Workload("Deployment", "worker", 1));
  Create<api::HorizontalPodAutoscaler>(
      Hpa("worker", "Deployment", "worker", 1, 5,
          "  metrics:\n  - type: External\n    external:\n      metric:\n"
          "        name: queue_messages_ready\n      target:\n        type: AverageValue\n"
          "        averageValue: \"30\"\n"));
  ASSERT_TRUE(WaitCondition("worker", "ScalingActive", "False", "FailedGetExternalMetric"));
  auto hpa = GetHpa("worker");
  ASSERT_TRUE(hpa);
  EXPECT_NE(Condition(*hpa, "ScalingActive")->message().find("external.metrics.k8s.io"),
            std::string::npos);
  EXPECT_EQ(SpecReplicas("Deployment", "worker"), 1);
}

}  // namespace
}  // namespace skiff::autoscaler

namespace skiff::autoscaler {
namespace {

// The HPA controller and metrics collector that skiff-server itself runs (ServerOptions), fed by
// a stand-in node agent the collector scrapes over HTTP with the server's own token; `netctl top`
// (the binary) against the same server.
class HpaServerTest : public HpaTest {
 protected:
  static constexpr int kWindowSeconds = 3;

  void Customize(server::ServerOptions& o) override {
    o.metrics_resolution = milliseconds(250);
    o.hpa_sync_period = milliseconds(200);
    o.hpa_downscale_stabilization = seconds(kWindowSeconds);
    o.hpa_cpu_initialization_period = seconds(2);
    o.node_monitor_grace = std::chrono::minutes(10);  // FakeKubelet sends no heartbeats
  }

  void SetUp() override {
    HpaTest::SetUp();
    if (HasFatalFailure()) return;
    auto admin = api::LoadClientConfig(server_->admin_config_path());
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    agent_ = std::make_unique<testing::LoadAgent>(
        *load_, "fake-node", std::vector<std::string>{"default"}, admin->token);
    // Publish the agent's address as a real agent does.
    auto node = Mutate<api::Node>(
        "", "fake-node",
        [&](api::Node& n) {
          n.mutable_status()->clear_addresses();
          auto* a = n.mutable_status()->add_addresses();
          a->set_type("InternalIP");
          a->set_address("127.0.0.1");
          n.mutable_status()->mutable_daemon_endpoints()->mutable_kubelet_endpoint()->set_port(
              agent_->port());
        },
        /*status=*/true);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
  }

  void TearDown() override {
    // Before load_, which it reads; the server's collector then just fails to reach it.
    agent_.reset();
    HpaTest::TearDown();
  }

  // Runs the netctl binary against the server; returns its exit code and stdout+stderr.
  std::pair<int, std::string> Netctl(const std::string& args) {
    const char* bin = std::getenv("SKIFF_BIN_DIR");
    std::string cmd = std::string(bin ? bin : ".") + "/netctl --config " +
                      server_->admin_config_path() + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return {-1, "popen failed"};
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
      out.append(buf, n);
    int rc = pclose(p);
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
  }

  std::unique_ptr<testing::LoadAgent> agent_;
};

TEST_F(HpaServerTest, ServerWiredHpaScalesUpUnderLoadAndDownAfterTheWindow) {
  ReplicaHistory history(*client_, "web");
  Create<api::Deployment>(Workload("Deployment", "web", 1));
  ASSERT_TRUE(Eventually([&] { return ReadyPods("web") == 1; }));
  // No behavior: Kubernetes' defaults, with the server's (shortened) scale-down window.
  Create<api::HorizontalPodAutoscaler>(Hpa("web", "Deployment", "web", 1, 4, kCpu50));
  load_->SetLoad("default", 100);  // 100m of 200m: at the target
  ASSERT_TRUE(WaitCondition("web", "ScalingActive", "True", "ValidMetricFound", seconds(30)));
  EXPECT_GE(agent_->requests(), 2);
  EXPECT_EQ(SpecReplicas("Deployment", "web"), 1);

  // The collector's figures reach netctl top through the server's gRPC port.
  auto [pods_rc, pods] = Netctl("top pods");
  EXPECT_EQ(pods_rc, 0) << pods;
  EXPECT_NE(pods.find("CPU(cores)"), std::string::npos) << pods;
  EXPECT_NE(pods.find("web-"), std::string::npos) << pods;
  EXPECT_NE(pods.find("16Mi"), std::string::npos) << pods;
  auto [nodes_rc, nodes] = Netctl("top nodes");
  EXPECT_EQ(nodes_rc, 0) << nodes;
  EXPECT_NE(nodes.find("fake-node"), std::string::npos) << nodes;
  EXPECT_NE(nodes.find("MEMORY(%)"), std::string::npos) << nodes;

  // 1200m wants 12 pods of 100m; maxReplicas is 4.
  load_->SetLoad("default", 1200);
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "web") == 4; }, seconds(60)));
  ASSERT_TRUE(WaitCondition("web", "ScalingLimited", "True", "TooManyReplicas"));
  // Events and the replica history arrive asynchronously after the scale itself.
  EXPECT_TRUE(Eventually([&] { return HasEvent("SuccessfulRescale", "above target"); }));
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(SpecReplicas("Deployment", "web"), 4);

  auto removed = Steady::now();
  load_->SetLoad("default", 0);
  ASSERT_TRUE(Eventually([&] { return SpecReplicas("Deployment", "web") == 1; }, seconds(60)));
  EXPECT_TRUE(
      Eventually([&] { return HasEvent("SuccessfulRescale", "All metrics below target"); }));

  ASSERT_TRUE(Eventually([&] { return history.values().size() >= 3u; }));
  auto values = history.values();
  bool went_down = false;
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_GE(values[i].second, 1) << "below minReplicas at step " << i;
    EXPECT_LE(values[i].second, 4) << "above maxReplicas at step " << i;
    if (i > 0 && values[i].second < values[i - 1].second && !went_down) {
      went_down = true;
      // High recommendations were made until the load went away.
      EXPECT_GE(values[i].first - removed, seconds(kWindowSeconds) - milliseconds(200))
          << "scaled down before the stabilization window passed";
    }
  }
  EXPECT_TRUE(went_down);
}

}  // namespace
}  // namespace skiff::autoscaler

namespace skiff::autoscaler {
namespace {

// Bad autoscaling options stop skiff-server at start, naming the flag, before it creates
// anything in its data directory.
TEST(HpaServerOptionsTest, BadValuesAreRefusedNamingTheFlag) {
  struct Case {
    std::function<void(server::ServerOptions&)> set;
    std::string flag;
  };
  std::vector<Case> cases = {
      {[](server::ServerOptions& o) { o.hpa_tolerance = 1.5; },
       "--horizontal-pod-autoscaler-tolerance"},
      {[](server::ServerOptions& o) { o.hpa_tolerance = -0.1; },
       "--horizontal-pod-autoscaler-tolerance"},
      {[](server::ServerOptions& o) { o.hpa_sync_period = milliseconds(0); },
       "--horizontal-pod-autoscaler-sync-period"},
      {[](server::ServerOptions& o) { o.metrics_resolution = milliseconds(-1); },
       "--metrics-resolution"},
      {[](server::ServerOptions& o) { o.hpa_downscale_stabilization = seconds(-1); },
       "--horizontal-pod-autoscaler-downscale-stabilization"},
  };
  for (const auto& c : cases) {
    char tmpl[] = "/tmp/skiff-hpa-opts-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    server::ServerOptions o;
    o.data_dir = dir + "/data";
    o.listen = "127.0.0.1:0";
    o.metrics_listen = "";
    c.set(o);
    auto s = server::Server::Start(o);
    EXPECT_FALSE(s.ok()) << c.flag;
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
      EXPECT_NE(s.status().message().find(c.flag), std::string::npos) << s.status().ToString();
    }
    EXPECT_FALSE(std::filesystem::exists(o.data_dir)) << "created " << o.data_dir;
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace skiff::autoscaler
