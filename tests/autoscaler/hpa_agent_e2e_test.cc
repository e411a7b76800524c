// The whole loop on a real node: skiff-agent runs a Deployment's pods as
// busy-loop processes in cgroups, skiff-server's own collector scrapes the
// agent's /stats/summary, and the server's HPA controller scales the
// Deployment up on the measured CPU; when the loops stop, it scales down after
// the (shortened) stabilization window. Runs in the node tests' fixture (a private network
// namespace, the real skiff-cni and skiff-shim); everything it starts is removed with it.
#include <fstream>

#include "api/client/config.h"
#include "api/client/typed.h"
#include "api/labels.h"
#include "api/manifest.h"
#include "api/quantity.h"
#include "controlplane/metrics/metrics_client.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "tests/node/fixture.h"

namespace skiff::autoscaler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

class HpaAgentTest : public node::testing::NodeTest {
 protected:
  // skiff-server's own collector (scraping the agent with the server's token) and HPA
  // controller, at test speed.
  void Customize(server::ServerOptions& o) override {
    NodeTest::Customize(o);
    o.metrics_resolution = seconds(1);
    o.hpa_sync_period = milliseconds(500);
  }

  void SetUp() override {
    NodeTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    stop_file_ = work_ + "/stop-load";
    auto admin = api::LoadClientConfig(server_->admin_config_path());
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    metrics_ = metrics::NewRemoteMetricsClient(*admin, seconds(10));
  }

  void TearDown() override {
    if (!stop_file_.empty()) std::ofstream(stop_file_).put('\n');  // end any loop still running
    NodeTest::TearDown();
  }

  int SpecReplicas() {
    auto d = api::GetObject<api::Deployment>(*client_, "default", "burn");
    return d.ok() ? d->spec().replicas() : -1;
  }

  std::string stop_file_;
  std::unique_ptr<metrics::MetricsClient> metrics_;
};

TEST_F(HpaAgentTest, BusyLoopsScaleUpAndIdleScalesDown) {
  // Each pod burns CPU (capped at 250m by its limit, 250% of its request)
  // until the stop file appears, then idles.
  std::string deployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: burn, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: burn
        image: node-filesystem
        command: [sh, -c, "while [ ! -e )" +
                           stop_file_ +
                           R"( ]; do :; done; exec sleep 3600"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 250m}
)";
  auto d = api::ParseObject(deployment, "burn.yaml");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_TRUE(api::CreateObject(*client_, static_cast<api::Deployment&>(**d)).ok());
  std::string hpa = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: burn, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 5
)";
  auto h = api::ParseObject(hpa, "hpa.yaml");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_TRUE(api::CreateObject(*client_, static_cast<api::HorizontalPodAutoscaler&>(**h)).ok());

  // Real usage from the pods' cgroups drives the scale-up to the maximum.
  ASSERT_TRUE(Eventually([&] { return SpecReplicas() == 3; }, seconds(120)))
      << "replicas stayed at " << SpecReplicas();
  // The same figures through the server's metrics API (what netctl top reads).
  metrics::ListMetricsRequest req;
  req.set_namespace_("default");
  req.set_label_selector("app=burn");
  auto usage = metrics_->ListPodMetrics(req);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  ASSERT_GT(usage->items_size(), 0);
  for (const auto& p : usage->items()) {
    ASSERT_EQ(p.containers_size(), 1);
    auto cpu = api::Quantity::Parse(p.containers(0).usage().at("cpu"));
    ASSERT_TRUE(cpu.ok()) << p.containers(0).usage().at("cpu");
    EXPECT_GT(cpu->MilliValue(), 50) << p.metadata().name() << " is not burning CPU";
  }
  // The status reports the measured utilization (an evaluation right after the scale-up may
  // see the new pods without samples yet: wait for one that measured).
  int utilization = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        auto status = api::GetObject<api::HorizontalPodAutoscaler>(*client_, "default", "burn");
        if (!status.ok() || status->status().current_metrics_size() != 1) return false;
        utilization =
            status->status().current_metrics(0).resource().current().average_utilization();
        return utilization > 50;
      },
      seconds(30)))
      << "last utilization " << utilization;
  EXPECT_LE(SpecReplicas(), 3);

  // Stop the load: after the 5 s window, back to the minimum.
  auto stopped = Steady::now();
  { std::ofstream(stop_file_).put('\n'); }
  int lowest = SpecReplicas();
  Steady::time_point first_down{};
  ASSERT_TRUE(Eventually(
      [&] {
        int r = SpecReplicas();
        if (r > 0 && r < 3 && first_down == Steady::time_point{}) first_down = Steady::now();
        lowest = std::min(lowest, r);
        return r == 1;
      },
      seconds(120)))
      << "replicas stayed at " << SpecReplicas();
  EXPECT_GE(first_down - stopped, milliseconds(4000))
      << "scaled down before the stabilization window passed";
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(SpecReplicas(), 1);
  EXPECT_GE(lowest, 1);
}

}  // namespace
}  // namespace skiff::autoscaler
