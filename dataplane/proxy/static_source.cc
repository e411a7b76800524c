#include "dataplane/proxy/static_source.h"

#include <sys/stat.h>

#include "common/log.h"
#include "common/metrics.h"
#include "dataplane/proxy/manifest.h"

namespace skiff::dataplane {

StaticFileSource::StaticFileSource(std::string path, int poll_ms)
    : path_(std::move(path)), poll_ms_(poll_ms) {}

StaticFileSource::~StaticFileSource() {
  Stop();
}

Status StaticFileSource::Start(EventHandler handler) {
  handler_ = std::move(handler);
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void StaticFileSource::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StaticFileSource::Reload() {
  {
    std::lock_guard<std::mutex> l(mu_);
    reload_ = true;
  }
  cv_.notify_all();
}

void StaticFileSource::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  bool first = true;
  while (!stop_) {
    bool forced = reload_ || first;
    reload_ = false;
    first = false;
    struct stat st;
    std::string sig;
    if (stat(path_.c_str(), &st) == 0)
      sig = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
            std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (forced || sig != last_signature_) {
      last_signature_ = sig;
      l.unlock();
      ReadOnce();
      l.lock();
    }
    cv_.wait_for(l, std::chrono::milliseconds(poll_ms_), [this] { return stop_ || reload_; });
  }
}

void StaticFileSource::ReadOnce() {
  auto logger = log::Get("proxy");
  static auto& errors = metrics::Registry::Default().GetCounter(
      "skiff_proxy_source_errors_total",
      "Readings of the static services file that failed or had rejected documents.");
  auto m = LoadManifestFile(path_);
  if (!m.ok()) {
    healthy_ = false;
    errors.Inc();
    logger->error(
        "msg=\"static services file unusable; keeping the last state\" file={} "
        "error=\"{}\"",
        path_, m.status().message());
    return;
  }
  healthy_ = true;
  for (const auto& e : m->errors) {
    errors.Inc();
    logger->error("msg=\"document rejected\" file={} error=\"{}\"", path_, e);
  }
  std::map<std::string, Service> services;
  std::map<std::string, EndpointSlice> slices;
  for (auto& s : m->services) {
    std::string key = s.Key();
    if (!services.emplace(key, std::move(s)).second)
      logger->error("msg=\"duplicate Service in file; first kept\" file={} service={}", path_, key);
  }
  for (auto& s : m->slices) {
    std::string key = s.Key();
    if (!slices.emplace(key, std::move(s)).second)
      logger->error("msg=\"duplicate EndpointSlice in file; first kept\" file={} slice={}", path_,
                    key);
  }
  for (const auto& [k, s] : services) {
    auto it = services_.find(k);
    if (it == services_.end() || !(it->second == s))
      handler_({ServiceEvent::Kind::kUpsertService, s, {}, k});
  }
  for (const auto& [k, s] : slices) {
    auto it = slices_.find(k);
    if (it == slices_.end() || !(it->second == s))
      handler_({ServiceEvent::Kind::kUpsertSlice, {}, s, k});
  }
  for (const auto& [k, _] : slices_)
    if (!slices.count(k)) handler_({ServiceEvent::Kind::kDeleteSlice, {}, {}, k});
  for (const auto& [k, _] : services_)
    if (!services.count(k)) handler_({ServiceEvent::Kind::kDeleteService, {}, {}, k});
  services_ = std::move(services);
  slices_ = std::move(slices);
  handler_({ServiceEvent::Kind::kSynced, {}, {}, {}});
}

}  // namespace skiff::dataplane
