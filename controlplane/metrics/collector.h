// Collector: the server-side half of resource metrics (the role
// metrics-server plays in Kubernetes). Every `interval` it scrapes the stats
// summary of every Ready node (concurrently, each scrape bounded by
// `timeout`), turns the cumulative counters into rates (SampleStore), and
// serves the latest usage per node, pod and container as a MetricsSource to
// the HPA controller and the metrics gRPC service.
//
// It watches Nodes (what to scrape, node labels) and Pods (pod labels for
// selectors) through informers on the given client. A node that fails to
// answer keeps its last figures until they are older than `max_age`, then
// drops out; errors are logged (at most once per node per failure streak)
// and counted in skiff_metrics_scrapes_total{result="error"}.
//
// Thread-safety: the MetricsSource methods and ScrapeOnce are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/client/informer.h"
#include "controlplane/metrics/sample_store.h"
#include "controlplane/metrics/scraper.h"
#include "controlplane/metrics/source.h"
#include "skiff/api/core.pb.h"

namespace skiff::metrics {

struct CollectorOptions {
  // Time between scrape rounds (metrics-server's --metric-resolution).
  std::chrono::milliseconds interval{std::chrono::seconds(15)};
  // Per-node scrape timeout; 0 = the smaller of 10 s and the interval.
  std::chrono::milliseconds timeout{0};
  // Nodes scraped at once.
  int max_parallel = 8;
  // Figures older than this are not served; 0 = three intervals + timeout.
  std::chrono::milliseconds max_age{0};
};

class Collector : public MetricsSource {
 public:
  // `client` and `scraper` must outlive the collector.
  Collector(api::ApiClient& client, NodeScraper& scraper, CollectorOptions options = {});
  ~Collector() override;  // Stop()s

  // Starts the informers and the scrape loop (the first round right away).
  // Returns once the informers synced or `sync_timeout` passed.
  void Start(std::chrono::milliseconds sync_timeout = std::chrono::seconds(30));
  void Stop();

  // One scrape round now (the loop calls it; tests call it directly after
  // Start()). Returns the number of nodes scraped successfully.
  int ScrapeOnce();

  // MetricsSource. `ns` "" means all namespaces.
  Result<std::vector<PodUsage>> ListPodMetrics(const std::string& ns,
                                               const api::Selector& selector) const override;
  Result<std::vector<NodeUsage>> ListNodeMetrics(const api::Selector& selector) const override;

  const CollectorOptions& options() const { return options_; }

 private:
  void Loop();

  api::ApiClient& client_;
  NodeScraper& scraper_;
  CollectorOptions options_;
  SampleStore store_;
  std::unique_ptr<api::Informer<api::Node>> nodes_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;

  std::mutex failing_mu_;
  std::set<std::string> failing_;  // nodes whose last scrape failed (log once)

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread loop_;
};

// True when the node's Ready condition is True.
bool IsNodeReady(const api::Node& node);

}  // namespace skiff::metrics
