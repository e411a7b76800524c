#include "node/agent/reporter.h"

#include <algorithm>

#include "api/client/typed.h"
#include "common/log.h"
#include "common/metrics.h"

namespace skiff::node {
namespace {

constexpr size_t kMaxEvents = 2000;
constexpr std::chrono::seconds kRetryAfter{1};

metrics::Histogram& StatusWriteLatency() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "skiff_agent_pod_status_write_seconds",
      "From a pod status being queued to its write to the API server finishing.",
      metrics::LatencyBuckets());
  return h;
}

double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

ApiReporter::ApiReporter(api::ApiClient& client, const std::string& node_name, int writers)
    : client_(client), recorder_(client, "skiff-agent", node_name) {
  for (int i = 0; i < std::max(1, writers); ++i)
    threads_.emplace_back([this] { Loop(); });
}

ApiReporter::~ApiReporter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void ApiReporter::SetStatus(const api::Pod& pod, const api::PodStatus& status) {
  PendingStatus p;
  p.pod.mutable_metadata()->set_name(pod.metadata().name());
  p.pod.mutable_metadata()->set_namespace_(pod.metadata().namespace_());
  p.pod.mutable_metadata()->set_uid(pod.metadata().uid());
  *p.pod.mutable_status() = status;
  p.queued_at = Clock::now();
  p.turn = p.queued_at;
  std::lock_guard lock(mu_);
  auto it = statuses_.find(pod.metadata().uid());
  if (it != statuses_.end()) {
    // Replaces the pending one in its place in the queue; a newer status is
    // due now even if the older one waited for a retry.
    p.turn = it->second.turn;
    it->second = std::move(p);
  } else {
    statuses_.emplace(pod.metadata().uid(), std::move(p));
  }
  cv_.notify_one();
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
  cv_.notify_one();
}

void ApiReporter::Forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  statuses_.erase(uid);
  if (IdleLocked()) idle_cv_.notify_all();
}

bool ApiReporter::IdleLocked() const {
  return statuses_.empty() && events_.empty() && busy_ == 0;
}

bool ApiReporter::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return IdleLocked(); });
}

std::string ApiReporter::NextStatus(Clock::time_point now, Clock::time_point* next_due) const {
  const std::string* best = nullptr;
  Clock::time_point best_turn = Clock::time_point::max();
  for (const auto& [uid, p] : statuses_) {
    if (writing_.count(uid)) continue;  // woken again when that write ends
    if (p.not_before > now) {
      *next_due = std::min(*next_due, p.not_before);
      continue;
    }
    if (p.turn < best_turn) {
      best = &uid;
      best_turn = p.turn;
    }
  }
  return best ? *best : std::string();
}

void ApiReporter::WriteStatus(PendingStatus p, std::unique_lock<std::mutex>& lock) {
  const std::string uid = p.pod.metadata().uid();
  lock.unlock();
  auto write_start = Clock::now();
  auto r = api::UpdateObject(client_, p.pod, true);
  auto written = Clock::now();
  StatusWriteLatency().Observe(std::chrono::duration<double>(written - p.queued_at).count());
  log::Get("agent")->debug(
      "pod status {}/{} phase={} written {:.1f}ms after queued (write {:.1f}ms)",
      p.pod.metadata().namespace_(), p.pod.metadata().name(), p.pod.status().phase(),
      Millis(written - p.queued_at), Millis(written - write_start));
  if (!r.ok()) {
    StatusCode code = r.status().code();
    if (code == StatusCode::kInvalidArgument) {
      log::Get("agent")->error("pod status rejected {}/{}: {}", p.pod.metadata().namespace_(),
                               p.pod.metadata().name(), r.status().message());
    } else if (code != StatusCode::kNotFound && code != StatusCode::kAborted) {
      log::Get("agent")->warn("pod status update {}/{}: {}", p.pod.metadata().namespace_(),
                              p.pod.metadata().name(), r.status().ToString());
    }
  }
  lock.lock();
  writing_.erase(uid);
  if (!r.ok()) {
    StatusCode code = r.status().code();
    // A newer status queued meanwhile wins; else retry this one.
    if (code != StatusCode::kNotFound && code != StatusCode::kAborted &&
        code != StatusCode::kInvalidArgument && !statuses_.count(uid)) {
      p.not_before = Clock::now() + kRetryAfter;
      statuses_.emplace(uid, std::move(p));
    }
  }
  // A status of this pod that waited for the write may be due now.
  cv_.notify_all();
}

void ApiReporter::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto now = Clock::now();
    auto next_due = now + std::chrono::hours(1);
    std::string uid = NextStatus(now, &next_due);
    if (!uid.empty()) {
      auto it = statuses_.find(uid);
      PendingStatus p = std::move(it->second);
      statuses_.erase(it);
      writing_.insert(uid);
      ++busy_;
      WriteStatus(std::move(p), lock);
      --busy_;
      if (IdleLocked()) idle_cv_.notify_all();
      continue;
    }
    if (!events_.empty() && !writing_event_) {
      PendingEvent e = std::move(events_.front());
      events_.pop_front();
      writing_event_ = true;
      ++busy_;
      lock.unlock();
      recorder_.Record(e.pod, e.type, e.reason, e.message);
      lock.lock();
      writing_event_ = false;
      --busy_;
      if (IdleLocked()) idle_cv_.notify_all();
      cv_.notify_all();  // the next Event may go to another writer
      continue;
    }
    if (IdleLocked()) idle_cv_.notify_all();
    cv_.wait_until(lock, next_due);
  }
}

}  // namespace skiff::node
