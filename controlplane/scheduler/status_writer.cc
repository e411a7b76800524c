#include "controlplane/scheduler/status_writer.h"

#include <google/protobuf/util/time_util.h>
#include <pthread.h>

#include "api/client/typed.h"
#include "common/log.h"

namespace skiff::scheduler {
namespace {

constexpr int kMaxConditionAttempts = 5;

api::PodCondition* FindPodScheduled(api::Pod* pod) {
  for (api::PodCondition& c : *pod->mutable_status()->mutable_conditions()) {
    if (c.type() == "PodScheduled") return &c;
  }
  return nullptr;
}

}  // namespace

StatusWriter::StatusWriter(api::ApiClient& client, std::string component, int threads,
                           size_t max_queued)
    : client_(client),
      recorder_(client, std::move(component)),
      threads_(std::max(1, threads)),
      max_queued_(std::max<size_t>(1, max_queued)) {}

StatusWriter::~StatusWriter() {
  Stop();
}

void StatusWriter::Start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < threads_; ++i)
    workers_.emplace_back([this] { Run(); });
}

void StatusWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    events_.clear();
    conditions_.clear();
    condition_order_.clear();
  }
  cv_.notify_all();
  for (auto& t : workers_)
    t.join();
  workers_.clear();
  idle_cv_.notify_all();
}

void StatusWriter::Event(std::shared_ptr<const api::Pod> pod, std::string type, std::string reason,
                         std::string message) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (events_.size() >= max_queued_) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back({std::move(pod), std::move(type), std::move(reason), std::move(message)});
  }
  cv_.notify_one();
}

void StatusWriter::Unschedulable(std::shared_ptr<const api::Pod> pod, std::string reason,
                                 std::string message) {
  std::string uid = pod->metadata().uid();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto [it, added] = conditions_.try_emplace(uid);
    if (added) condition_order_.push_back(uid);
    it->second = ConditionTask{std::move(pod), false, std::move(reason), std::move(message)};
  }
  cv_.notify_one();
}

void StatusWriter::Scheduled(std::shared_ptr<const api::Pod> pod) {
  std::string uid = pod->metadata().uid();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto [it, added] = conditions_.try_emplace(uid);
    if (added) condition_order_.push_back(uid);
    it->second = ConditionTask{std::move(pod), true, "", ""};
  }
  cv_.notify_one();
}

void StatusWriter::Run() {
  pthread_setname_np(pthread_self(), "sched-status");
  std::unique_lock lock(mu_);
  bool take_condition = true;  // alternate so neither kind starves the other
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !events_.empty() || !condition_order_.empty(); });
    if (stopping_) return;
    bool condition = !condition_order_.empty() && (take_condition || events_.empty());
    take_condition = !take_condition;
    ++busy_;
    if (condition) {
      std::string uid = std::move(condition_order_.front());
      condition_order_.pop_front();
      ConditionTask task = std::move(conditions_.at(uid));
      conditions_.erase(uid);
      lock.unlock();
      WriteCondition(task);
    } else {
      EventTask task = std::move(events_.front());
      events_.pop_front();
      lock.unlock();
      recorder_.Record(*task.pod, task.type, task.reason, task.message);
    }
    lock.lock();
    --busy_;
    if (busy_ == 0 && events_.empty() && condition_order_.empty()) idle_cv_.notify_all();
  }
}

void StatusWriter::WriteCondition(const ConditionTask& task) {
  api::Pod pod = *task.pod;
  const std::string ns = pod.metadata().namespace_(), name = pod.metadata().name();
  const std::string uid = pod.metadata().uid();
  const std::string want = task.scheduled ? "True" : "False";
  for (int attempt = 0; attempt < kMaxConditionAttempts; ++attempt) {
    // A Scheduled task carries the pod from before its binding: start from the bound one.
    if (attempt > 0 || task.scheduled) {
      auto fresh = api::GetObject<api::Pod>(client_, ns, name);
      if (!fresh.ok() || fresh->metadata().uid() != uid) return;
      pod = std::move(*fresh);
    }
    // Bound meanwhile: it is not unschedulable any more.
    if (!task.scheduled && !pod.spec().node_name().empty()) return;
    api::PodCondition* cond = FindPodScheduled(&pod);
    if (task.scheduled && (!cond || cond->status() == "True")) return;
    if (!task.scheduled && cond && cond->status() == want && cond->reason() == task.reason &&
        cond->message() == task.message) {
      return;
    }
    const bool transition = !cond || cond->status() != want;
    if (!cond) cond = pod.mutable_status()->add_conditions();
    cond->set_type("PodScheduled");
    cond->set_status(want);
    cond->set_reason(task.reason);
    cond->set_message(task.message);
    cond->clear_last_probe_time();
    if (transition) {
      *cond->mutable_last_transition_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    }
    auto r = api::UpdateObject(client_, pod, /*status=*/true);
    if (r.ok()) return;
    if (r.status().code() != StatusCode::kAborted) {
      if (r.status().code() != StatusCode::kNotFound) {
        log::Get("scheduler")
            ->warn("pod={}/{} writing PodScheduled={}: {}", ns, name, want, r.status().ToString());
      }
      return;
    }
  }
}

bool StatusWriter::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] {
    return stopping_ || (busy_ == 0 && events_.empty() && condition_order_.empty());
  });
}

uint64_t StatusWriter::dropped_events() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace skiff::scheduler
