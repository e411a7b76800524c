// Test support for the HPA end-to-end tests against a real in-process
// server with FakeKubelet pods:
//  - PodStartTimes sets status.startTime on running pods that lack it, as a
//    node agent does (the HPA's CPU readiness rules need it; FakeKubelet
//    does not set it);
//  - LoadMetrics is a MetricsSource whose load the test controls: the CPU
//    load of a namespace is shared equally by its Running pods that match
//    the asked selector, as traffic behind a Service would be;
//  - LoadAgent is a stand-in node agent serving /stats/summary with
//    cumulative CPU counters that advance at LoadMetrics' rates, so the
//    server's own collector (and the HPA wired to it) see that load.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/client/informer.h"
#include "controlplane/metrics/source.h"
#include "controlplane/metrics/testing/stub_http_server.h"
#include "skiff/api/core.pb.h"

namespace skiff::autoscaler::testing {

class PodStartTimes {
 public:
  explicit PodStartTimes(api::ApiClient& client);
  ~PodStartTimes();

 private:
  void Stamp(const api::Pod& pod);
  api::ApiClient& client_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

class LoadMetrics : public metrics::MetricsSource {
 public:
  // `container`: the container that carries the load in every pod.
  LoadMetrics(api::ApiClient& client, std::string container,
              std::chrono::milliseconds window = std::chrono::milliseconds(500));
  ~LoadMetrics() override;

  void SetLoad(const std::string& ns, int64_t total_millicores);
  // false: no pod has metrics (as when the collector cannot reach nodes).
  void SetAvailable(bool available) { available_ = available; }
  // Times ListPodMetrics was called.
  int calls() const { return calls_.load(); }

  Result<std::vector<metrics::PodUsage>> ListPodMetrics(
      const std::string& ns, const api::Selector& selector) const override;
  Result<std::vector<metrics::NodeUsage>> ListNodeMetrics(
      const api::Selector& selector) const override;

 private:
  std::string container_;
  std::chrono::milliseconds window_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> load_;
  std::atomic<bool> available_{true};
  mutable std::atomic<int> calls_{0};
};

class LoadAgent {
 public:
  // Serves GET /stats/summary on 127.0.0.1:port() for node `node`: the Running pods of
  // `namespaces` with their container's CPU counter advancing at `load`'s rate for it (memory:
  // 16 MiB each). Requests without "Authorization: Bearer <token>" get 401. `load` must outlive
  // the agent.
  LoadAgent(const LoadMetrics& load, std::string node, std::vector<std::string> namespaces,
            std::string token);

  uint16_t port() const { return server_.port(); }
  int requests() const { return server_.requests(); }

 private:
  std::optional<std::string> Serve(const metrics::testing::StubRequest& r);

  const LoadMetrics& load_;
  std::string node_;
  std::vector<std::string> namespaces_;
  std::string token_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_;
  std::map<std::string, double> counters_;  // ns/name -> cumulative core-nanoseconds
  double node_counter_ = 0;
  metrics::testing::StubHttpServer server_;  // last: serves as soon as it exists
};

}  // namespace skiff::autoscaler::testing
