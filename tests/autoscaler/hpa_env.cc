#include "tests/autoscaler/hpa_env.h"

#include <google/protobuf/util/time_util.h>

#include "api/client/typed.h"
#include "api/labels.h"

namespace skiff::autoscaler::testing {

PodStartTimes::PodStartTimes(api::ApiClient& client) : client_(client) {
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  api::EventHandlers h;
  h.on_add = [this](const api::ObjectPtr& o) { Stamp(static_cast<const api::Pod&>(*o)); };
  h.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    Stamp(static_cast<const api::Pod&>(*o));
  };
  pods_->AddHandlers(std::move(h));
  pods_->Start();
  pods_->WaitForSync(std::chrono::seconds(10));
}

PodStartTimes::~PodStartTimes() {
  pods_->Stop();
}

void PodStartTimes::Stamp(const api::Pod& pod) {
  if (pod.status().phase() != "Running" || pod.status().has_start_time() ||
      pod.metadata().has_deletion_timestamp()) {
    return;
  }
  api::Pod updated = pod;
  *updated.mutable_status()->mutable_start_time() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  // A conflict means the pod changed; its update event brings us back.
  (void)api::UpdateObject(client_, updated, /*status=*/true);
}

LoadMetrics::LoadMetrics(api::ApiClient& client, std::string container,
                         std::chrono::milliseconds window)
    : container_(std::move(container)), window_(window) {
  pods_ = std::make_unique<api::Informer<api::Pod>>(client);
  pods_->Start();
  pods_->WaitForSync(std::chrono::seconds(10));
}

LoadMetrics::~LoadMetrics() {
  pods_->Stop();
}

void LoadMetrics::SetLoad(const std::string& ns, int64_t total_millicores) {
  std::lock_guard lock(mu_);
  load_[ns] = total_millicores;
}

Result<std::vector<metrics::PodUsage>> LoadMetrics::ListPodMetrics(
    const std::string& ns, const api::Selector& selector) const {
  ++calls_;
  std::vector<metrics::PodUsage> out;
  if (!available_) return out;
  std::vector<std::shared_ptr<const api::Pod>> running;
  for (const auto& p : pods_->List(ns)) {
    if (p->status().phase() == "Running" && !p->metadata().has_deletion_timestamp() &&
        selector.Matches(p->metadata().labels())) {
      running.push_back(p);
    }
  }
  if (running.empty()) return out;
  int64_t total;
  {
    std::lock_guard lock(mu_);
    auto it = load_.find(ns);
    total = it == load_.end() ? 0 : it->second;
  }
  int64_t share = total / static_cast<int64_t>(running.size());
  auto now = std::chrono::system_clock::now();
  for (const auto& p : running) {
    metrics::PodUsage u{p->metadata().namespace_(), p->metadata().name(), now, window_, {}};
    u.containers.push_back({container_, share * 1'000'000, 16 << 20});
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<metrics::NodeUsage>> LoadMetrics::ListNodeMetrics(const api::Selector&) const {
  return std::vector<metrics::NodeUsage>{};
}

}  // namespace skiff::autoscaler::testing
