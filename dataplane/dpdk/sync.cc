#include "dataplane/dpdk/sync.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "common/metrics.h"

namespace skiff::dataplane::dpdk {
namespace {

auto Logger() {
  return log::Get("proxy");
}

metrics::Counter& ErrorCounter(const std::string& reason) {
  return metrics::Registry::Default().GetCounter(
      "skiff_proxy_errors_total", "Rejected input and failed data-plane updates, by reason.",
      {{"reason", reason}});
}

}  // namespace

ServiceSync::ServiceSync(Core* core, Engine* engine) : core_(core), engine_(engine) {
  thread_ = std::thread([this] { Loop(); });
}

ServiceSync::~ServiceSync() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ServiceSync::OnEvent(ServiceEvent ev) {
  std::lock_guard<std::mutex> l(mu_);
  queue_.push_back(std::move(ev));
  cv_.notify_all();
}

void ServiceSync::Loop() {
  auto& latency = metrics::Registry::Default().GetHistogram(
      "skiff_proxy_sync_duration_seconds",
      "Time to plan and apply the change of one Service to the data plane.",
      metrics::LatencyBuckets());
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::deque<ServiceEvent> batch;
    batch.swap(queue_);
    l.unlock();
    std::vector<std::string> dirty;
    bool synced_now = false;
    for (auto& ev : batch) {
      std::vector<std::string> keys;
      switch (ev.kind) {
        case ServiceEvent::Kind::kUpsertService:
          keys = core_->SetService(std::move(ev.service));
          break;
        case ServiceEvent::Kind::kDeleteService:
          keys = core_->RemoveService(ev.key);
          break;
        case ServiceEvent::Kind::kUpsertSlice:
          keys = core_->SetSlice(std::move(ev.slice));
          break;
        case ServiceEvent::Kind::kDeleteSlice:
          keys = core_->RemoveSlice(ev.key);
          break;
        case ServiceEvent::Kind::kSynced:
          synced_now = true;
          break;
      }
      dirty.insert(dirty.end(), keys.begin(), keys.end());
    }
    std::sort(dirty.begin(), dirty.end());
    dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& k : dirty) {
      auto s0 = std::chrono::steady_clock::now();
      SyncService(k);
      latency.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count());
    }
    for (int round = 0; round < 8; ++round) {
      auto retries = core_->TakeRetries();
      if (retries.empty()) break;
      for (const auto& k : retries)
        SyncService(k);
    }
    services_ = core_->installed_services();
    if (synced_now) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      auto orphans = core_->OrphanSlices();
      for (const auto& o : orphans)
        Logger()->warn(
            "msg=\"EndpointSlice points at a missing Service; ignored until it exists\" slice={}",
            o);
      Logger()->info("msg=\"synced\" services={} seconds={:.3f}", services_.load(), secs);
      synced_ = true;
    }
    l.lock();
  }
}

void ServiceSync::SyncService(const std::string& key) {
  auto plan = core_->PlanService(key);
  for (const auto& issue : plan.issues) {
    if (issue.severity == Issue::Severity::kError) {
      ErrorCounter(issue.reason).Inc();
      Logger()->error("msg=\"service rejected\" service={} reason={} error=\"{}\"", key,
                      issue.reason, issue.message);
    } else {
      Logger()->warn("msg=\"{}\" service={}", issue.message, key);
    }
  }
  if (!plan.ok) {
    core_->Commit(std::move(plan));  // no-op: the last good entries stay
    return;
  }
  Status s = engine_->Apply(plan.changes);
  if (!s.ok()) {
    std::string reason = s.code() == StatusCode::kResourceExhausted ? "map_full" : "apply_failed";
    ErrorCounter(reason).Inc();
    Logger()->error(
        "msg=\"service not applied; its previous entries stay\" service={} reason={} "
        "error=\"{}\"",
        key, reason, s.message());
    core_->Abort(std::move(plan));
    return;
  }
  core_->Commit(std::move(plan));
}

}  // namespace skiff::dataplane::dpdk
