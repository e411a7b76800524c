#include "node/agent/reporter.h"

#include "api/client/typed.h"
#include "common/log.h"
#include "common/metrics.h"

namespace skiff::node {
namespace {

constexpr size_t kMaxEvents = 2000;

metrics::Histogram& StatusWriteLatency() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "skiff_agent_pod_status_write_seconds",
      "From a pod status being queued to its write to the API server finishing.",
      metrics::LatencyBuckets());
  return h;
}

}  // namespace

ApiReporter::ApiReporter(api::ApiClient& client, const std::string& node_name)
    : client_(client), recorder_(client, "skiff-agent", node_name) {
  thread_ = std::thread([this] { Loop(); });
}

ApiReporter::~ApiReporter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ApiReporter::SetStatus(const api::Pod& pod, const api::PodStatus& status) {
  PendingStatus p;
  p.pod.mutable_metadata()->set_name(pod.metadata().name());
  p.pod.mutable_metadata()->set_namespace_(pod.metadata().namespace_());
  p.pod.mutable_metadata()->set_uid(pod.metadata().uid());
  *p.pod.mutable_status() = status;
  p.queued_at = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  statuses_[pod.metadata().uid()] = std::move(p);
  cv_.notify_all();
}

void ApiReporter::Event(const api::Pod& pod, const std::string& type, const std::string& reason,
                        const std::string& message) {
  PendingEvent e;
  *e.pod.mutable_metadata() = pod.metadata();
  e.type = type;
  e.reason = reason;
  e.message = message;
  std::lock_guard lock(mu_);
  if (events_.size() >= kMaxEvents) events_.pop_front();
  events_.push_back(std::move(e));
  cv_.notify_all();
}

void ApiReporter::Forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  statuses_.erase(uid);
}

bool ApiReporter::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout,
                           [&] { return statuses_.empty() && events_.empty() && !busy_; });
}

void ApiReporter::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    auto next_due = now + std::chrono::hours(1);
    std::string due_uid;
    for (const auto& [uid, p] : statuses_) {
      if (p.not_before <= now) {
        due_uid = uid;
        break;
      }
      next_due = std::min(next_due, p.not_before);
    }
    if (!due_uid.empty()) {
      PendingStatus p = statuses_[due_uid];
      statuses_.erase(due_uid);
      busy_ = true;
      lock.unlock();
      auto write_start = std::chrono::steady_clock::now();
      auto r = api::UpdateObject(client_, p.pod, true);
      auto written = std::chrono::steady_clock::now();
      StatusWriteLatency().Observe(std::chrono::duration<double>(written - p.queued_at).count());
      log::Get("agent")->debug(
          "pod status {}/{} phase={} written {:.1f}ms after queued (write {:.1f}ms)",
          p.pod.metadata().namespace_(), p.pod.metadata().name(), p.pod.status().phase(),
          std::chrono::duration<double, std::milli>(written - p.queued_at).count(),
          std::chrono::duration<double, std::milli>(written - write_start).count());
      lock.lock();
      busy_ = false;
      if (!r.ok()) {
        StatusCode code = r.status().code();
        if (code != StatusCode::kNotFound && code != StatusCode::kAborted &&
            code != StatusCode::kInvalidArgument) {
          log::Get("agent")->warn("pod status update {}/{}: {}", p.pod.metadata().namespace_(),
                                  p.pod.metadata().name(), r.status().ToString());
          // A newer status queued meanwhile wins; else retry this one.
          if (!statuses_.count(due_uid)) {
            p.not_before = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            statuses_[due_uid] = std::move(p);
          }
        } else if (code == StatusCode::kInvalidArgument) {
          log::Get("agent")->error("pod status rejected {}/{}: {}", p.pod.metadata().namespace_(),
                                   p.pod.metadata().name(), r.status().message());
        }
      }
      continue;
    }
    if (!events_.empty()) {
      PendingEvent e = std::move(events_.front());
      events_.pop_front();
      busy_ = true;
      lock.unlock();
      recorder_.Record(e.pod, e.type, e.reason, e.message);
      lock.lock();
      busy_ = false;
      continue;
    }
    if (statuses_.empty()) idle_cv_.notify_all();
    cv_.wait_until(lock, next_due);
  }
}

}  // namespace skiff::node
