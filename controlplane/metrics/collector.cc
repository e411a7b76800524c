#include "controlplane/metrics/collector.h"

#include <algorithm>
#include <vector>

#include "api/labels.h"
#include "common/log.h"
#include "common/metrics.h"

namespace skiff::metrics {
namespace {

std::chrono::milliseconds EffectiveTimeout(const CollectorOptions& o) {
  if (o.timeout.count() > 0) return o.timeout;
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(10), o.interval);
}

std::chrono::milliseconds EffectiveMaxAge(const CollectorOptions& o) {
  if (o.max_age.count() > 0) return o.max_age;
  return 3 * o.interval + EffectiveTimeout(o);
}

struct ScrapeMetrics {
  Counter& ok;
  Counter& failed;
  Histogram& duration;
  Gauge& nodes;
  static ScrapeMetrics& Get() {
    auto& r = Registry::Default();
    static ScrapeMetrics m{
        r.GetCounter("skiff_metrics_scrapes_total", "Node stats scrapes by result.",
                     {{"result", "success"}}),
        r.GetCounter("skiff_metrics_scrapes_total", "Node stats scrapes by result.",
                     {{"result", "error"}}),
        r.GetHistogram("skiff_metrics_scrape_duration_seconds",
                       "Time to scrape one node's stats summary.", LatencyBuckets()),
        r.GetGauge("skiff_metrics_nodes", "Nodes with fresh resource metrics.")};
    return m;
  }
};

}  // namespace

bool IsNodeReady(const api::Node& node) {
  for (const auto& c : node.status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

Collector::Collector(api::ApiClient& client, NodeScraper& scraper, CollectorOptions options)
    : client_(client), scraper_(scraper), options_(options), store_(EffectiveMaxAge(options)) {}

Collector::~Collector() {
  Stop();
}

void Collector::Start(std::chrono::milliseconds sync_timeout) {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  nodes_ = std::make_unique<api::Informer<api::Node>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  nodes_->Start();
  pods_->Start();
  nodes_->WaitForSync(sync_timeout);
  pods_->WaitForSync(sync_timeout);
  loop_ = std::thread([this] { Loop(); });
}

void Collector::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (loop_.joinable()) loop_.join();
  if (nodes_) nodes_->Stop();
  if (pods_) pods_->Stop();
}

void Collector::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    ScrapeOnce();
    lock.lock();
    cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

int Collector::ScrapeOnce() {
  if (!nodes_) return 0;
  std::vector<std::shared_ptr<const api::Node>> ready;
  std::set<std::string> names;
  for (auto& n : nodes_->List()) {
    if (!IsNodeReady(*n)) continue;
    ready.push_back(n);
    names.insert(n->metadata().name());
  }
  store_.Retain(names);
  auto timeout = EffectiveTimeout(options_);
  auto& m = ScrapeMetrics::Get();
  std::atomic<size_t> next{0};
  std::atomic<int> succeeded{0};
  auto work = [&] {
    for (size_t i = next++; i < ready.size(); i = next++) {
      const api::Node& node = *ready[i];
      const std::string& name = node.metadata().name();
      auto start = std::chrono::steady_clock::now();
      auto summary = scraper_.Scrape(node, timeout);
      auto end = std::chrono::steady_clock::now();
      m.duration.Observe(std::chrono::duration<double>(end - start).count());
      std::lock_guard lock(failing_mu_);
      if (!summary.ok()) {
        m.failed.Inc();
        if (failing_.insert(name).second) {
          log::Get("metrics")->warn("scrape failed node={} error={}", name,
                                    summary.status().ToString());
        }
        continue;
      }
      if (failing_.erase(name)) log::Get("metrics")->info("scrape recovered node={}", name);
      m.ok.Inc();
      ++succeeded;
      // The sample's time is the middle of the request: the agent read its
      // counters somewhere in between.
      auto mono = start + (end - start) / 2;
      auto wall = std::chrono::system_clock::now() -
                  std::chrono::duration_cast<std::chrono::system_clock::duration>(end - mono);
      store_.Record(name, *summary, wall, mono);
    }
  };
  size_t threads = std::min<size_t>(ready.size(), std::max(1, options_.max_parallel));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i)
    pool.emplace_back(work);
  work();
  for (auto& t : pool)
    t.join();
  m.nodes.Set(static_cast<double>(store_.Nodes(std::chrono::system_clock::now()).size()));
  return succeeded.load();
}

Result<std::vector<PodUsage>> Collector::ListPodMetrics(const std::string& ns,
                                                        const api::Selector& selector) const {
  if (!pods_) return Unavailable("the metrics collector is not running");
  auto all = store_.Pods(ns, std::chrono::system_clock::now());
  std::vector<PodUsage> out;
  out.reserve(all.size());
  for (auto& p : all) {
    auto pod = pods_->Get(p.ns, p.name);
    if (!pod) continue;  // deleted since the scrape
    if (!selector.empty() && !selector.Matches(pod->metadata().labels())) continue;
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<NodeUsage>> Collector::ListNodeMetrics(const api::Selector& selector) const {
  if (!nodes_) return Unavailable("the metrics collector is not running");
  auto all = store_.Nodes(std::chrono::system_clock::now());
  std::vector<NodeUsage> out;
  for (auto& n : all) {
    auto node = nodes_->Get("", n.name);
    if (!node) continue;
    if (!selector.empty() && !selector.Matches(node->metadata().labels())) continue;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace skiff::metrics
