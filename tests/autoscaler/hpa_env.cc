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

LoadAgent::LoadAgent(const LoadMetrics& load, std::string node, std::vector<std::string> namespaces,
                     std::string token)
    : load_(load),
      node_(std::move(node)),
      namespaces_(std::move(namespaces)),
      token_(std::move(token)),
      last_(std::chrono::steady_clock::now()),
      server_([this](const metrics::testing::StubRequest& r) { return Serve(r); }) {}

std::optional<std::string> LoadAgent::Serve(const metrics::testing::StubRequest& r) {
  using metrics::testing::StubHttpServer;
  if (r.path != "/stats/summary") return StubHttpServer::Reply(404, "not found\n", "text/plain");
  if (r.authorization != "Bearer " + token_) {
    return StubHttpServer::Reply(401, "Unauthorized\n", "text/plain");
  }
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  double dt = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  std::string pods;
  int64_t memory = 0;
  for (const auto& ns : namespaces_) {
    auto usage = load_.ListPodMetrics(ns, api::Selector());
    if (!usage.ok()) continue;
    for (const auto& u : *usage) {
      std::string key = u.ns + "/" + u.name;
      // A pod seen for the first time starts its counter now.
      double rate = u.containers.empty() ? 0 : static_cast<double>(u.containers[0].cpu_nanocores);
      auto [it, fresh] = counters_.try_emplace(key, 0.0);
      if (!fresh) it->second += rate * dt;
      node_counter_ += rate * dt;
      memory += 16 << 20;
      std::string container = u.containers.empty() ? "app" : u.containers[0].name;
      pods += std::string(pods.empty() ? "" : ",") + "{\"podRef\":{\"name\":\"" + u.name +
              "\",\"namespace\":\"" + u.ns + "\",\"uid\":\"uid-" + u.name +
              "\"},\"containers\":[{\"name\":\"" + container +
              "\",\"startTime\":\"2024-05-01T00:00:00Z\",\"cpu\":{\"usageCoreNanoSeconds\":" +
              std::to_string(static_cast<int64_t>(it->second)) +
              "},\"memory\":{\"workingSetBytes\":" + std::to_string(16 << 20) + "}}]}";
    }
  }
  std::string time = google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::GetCurrentTime());
  return StubHttpServer::Reply(
      200,
      "{\"node\":{\"nodeName\":\"" + node_ + "\",\"cpu\":{\"time\":\"" + time +
          "\",\"usageCoreNanoSeconds\":" + std::to_string(static_cast<int64_t>(node_counter_)) +
          "},\"memory\":{\"workingSetBytes\":" + std::to_string(memory) + "}},\"pods\":[" + pods +
          "]}");
}

}  // namespace skiff::autoscaler::testing
