#include "controlplane/scheduler/scheduler.h"

#include <pthread.h>
#include <time.h>

#include "common/log.h"
#include "controlplane/scheduler/scheduler_impl.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

uint64_t ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

bool HasUnscheduledCondition(const api::Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "PodScheduled" && c.status() != "True") return true;
  }
  return false;
}

}  // namespace

SchedulerMetrics& SchedulerMetrics::Get() {
  static SchedulerMetrics* m = [] {
    auto& r = metrics::Registry::Default();
    const char* attempts = "skiff_scheduler_schedule_attempts_total";
    const char* attempts_help = "Scheduling attempts by result.";
    const char* pending = "skiff_scheduler_pending_pods";
    const char* pending_help = "Pods waiting in the scheduling queue, by queue.";
    return new SchedulerMetrics{
        r.GetCounter(attempts, attempts_help, {{"result", "scheduled"}}),
        r.GetCounter(attempts, attempts_help, {{"result", "unschedulable"}}),
        r.GetCounter(attempts, attempts_help, {{"result", "error"}}),
        r.GetCounter("skiff_scheduler_binding_conflicts_total",
                     "Bindings that met a newer resourceVersion and were retried."),
        r.GetHistogram("skiff_scheduler_scheduling_algorithm_duration_seconds",
                       "Time to pick a node for one pod (filter and score).",
                       metrics::LatencyBuckets()),
        r.GetGauge(pending, pending_help, {{"queue", "active"}}),
        r.GetGauge(pending, pending_help, {{"queue", "backoff"}}),
        r.GetGauge(pending, pending_help, {{"queue", "unschedulable"}}),
        r.GetGauge(pending, pending_help, {{"queue", "gated"}}),
    };
  }();
  return *m;
}

void Scheduler::Impl::Post(std::function<void()> f) {
  {
    std::lock_guard lock(mu);
    inbox.push_back(std::move(f));
  }
  cv.notify_one();
}

bool Scheduler::Impl::Responsible(const api::Pod& pod) const {
  const std::string& n = pod.spec().scheduler_name();
  for (const std::string& mine : options.scheduler_names) {
    if (n == mine || (n.empty() && mine == "default-scheduler")) return true;
  }
  return false;
}

PodInfoPtr Scheduler::Impl::InfoOrMinimal(std::shared_ptr<const api::Pod> pod) {
  auto info = NewPodInfo(pod);
  if (info.ok()) return *info;
  // A bound pod the scheduler cannot parse still occupies a pod slot on its node.
  auto minimal = std::make_shared<PodInfo>();
  minimal->key = pod->metadata().namespace_() + "/" + pod->metadata().name();
  minimal->pod = std::move(pod);
  return minimal;
}

void Scheduler::Impl::OnBindDone(const std::string& uid, const std::string& node, BindResult r) {
  conflicts += r.conflicts;
  metrics.bind_conflicts.Inc(r.conflicts);
  if (r.kind == BindResult::Kind::kBound) {
    const api::Pod& p = *r.pod;
    status.Event(r.pod, "Normal", "Scheduled",
                 "Successfully assigned " + p.metadata().namespace_() + "/" + p.metadata().name() +
                     " to " + node);
    if (HasUnscheduledCondition(p)) status.Scheduled(r.pod);
    ++scheduled;
    metrics.scheduled.Inc();
    Post([this, uid] { queue.Done(uid); });
    return;
  }
  if (r.kind != BindResult::Kind::kFailed) {
    // Gone, or someone else bound it: the watch tells the cache where it really is.
    Post([this, uid] {
      cache.ForgetPod(uid);
      queue.Delete(uid);
    });
    return;
  }
  ++errors;
  metrics.error.Inc();
  Post([this, uid, node, r] {
    log::Get("scheduler")
        ->info("binding pod uid={} to node={} failed: {}", uid, node, r.error.ToString());
    if (cache.ForgetPod(uid)) queue.MoveOnEvent(kOnAssignedPodDelete, Clock::now());
    queue.Backoff(uid, Clock::now());
    if (r.pod) {
      std::string msg = "Binding rejected: " + r.error.message();
      status.Event(r.pod, "Warning", "FailedScheduling", msg);
      status.Unschedulable(r.pod, "SchedulerError", msg);
    }
  });
}

void Scheduler::Impl::ScheduleOne(const SchedulingQueue::Popped& popped) {
  const PodInfoPtr& info = popped.pod;
  const std::string& uid = info->uid();
  // Already placed (a late event re-queued it) or terminating: nothing to do.
  if (cache.NodeOfPod(uid) || info->terminating()) {
    queue.Delete(uid);
    return;
  }
  ++attempts;
  auto start = Clock::now();
  const uint64_t cpu_start = ThreadCpuNanos();
  ScheduleOutcome out = algorithm.Schedule(*info, cache);
  algorithm_cpu_ns += ThreadCpuNanos() - cpu_start;
  auto end = Clock::now();
  double secs = std::chrono::duration<double>(end - start).count();
  algorithm_ns += static_cast<uint64_t>(secs * 1e9);
  metrics.algorithm.Observe(secs);
  switch (out.kind) {
    case ScheduleOutcome::Kind::kScheduled:
      cache.AssumePod(info, out.node);
      binder.Bind(info->pod, out.node);
      return;
    case ScheduleOutcome::Kind::kUnschedulable:
      ++unschedulable;
      metrics.unschedulable.Inc();
      queue.Unschedulable(uid, out.rejected_by, end);
      log::Get("scheduler")->debug("pod={} unschedulable: {}", info->key, out.message);
      status.Event(info->pod, "Warning", "FailedScheduling", out.message);
      status.Unschedulable(info->pod, "Unschedulable", out.message);
      return;
    case ScheduleOutcome::Kind::kError:
      ++errors;
      metrics.error.Inc();
      queue.Unschedulable(uid, 0, end);
      log::Get("scheduler")->warn("pod={} scheduling error: {}", info->key, out.message);
      status.Event(info->pod, "Warning", "FailedScheduling", out.message);
      status.Unschedulable(info->pod, "SchedulerError", out.message);
      return;
  }
}

void Scheduler::Impl::PublishQueueSizes() {
  q_active = queue.active();
  q_backoff = queue.backing_off();
  q_waiting = queue.unschedulable();
  q_gated = queue.gated();
  metrics.active.Set(static_cast<double>(q_active));
  metrics.backoff.Set(static_cast<double>(q_backoff));
  metrics.waiting.Set(static_cast<double>(q_waiting));
  metrics.gated.Set(static_cast<double>(q_gated));
}

void Scheduler::Impl::Loop() {
  pthread_setname_np(pthread_self(), "sched-loop");
  bool synced = false;
  std::vector<std::function<void()>> work;
  for (;;) {
    {
      std::unique_lock lock(mu);
      if (inbox.empty() && !stopping && (!synced || queue.active() == 0)) {
        auto pred = [&] { return stopping || !inbox.empty(); };
        // Until synced, look again every 50 ms; afterwards sleep until the queue's timer.
        auto wake = synced ? queue.NextWakeup() : Clock::now() + std::chrono::milliseconds(50);
        if (wake == Clock::time_point::max()) {
          cv.wait(lock, pred);
        } else {
          cv.wait_until(lock, wake, pred);
        }
      }
      if (stopping) return;
      work.swap(inbox);
    }
    for (auto& f : work)
      f();
    work.clear();
    synced = synced || Synced();
    if (!synced) continue;
    queue.Tick(Clock::now());
    if (auto popped = queue.Pop()) ScheduleOne(*popped);
    PublishQueueSizes();
  }
}
Scheduler::Scheduler(api::ApiClient& client, SchedulerOptions options)
    : impl_(std::make_unique<Impl>(client, std::move(options))) {}

Scheduler::~Scheduler() {
  Stop();
}

void Scheduler::Start() {
  if (impl_->running) return;
  impl_->running = true;
  impl_->stopping = false;
  impl_->status.Start();
  impl_->binder.Start();
  impl_->StartInformers();
  impl_->loop = std::thread([this] { impl_->Loop(); });
  std::string names;
  for (const std::string& n : impl_->options.scheduler_names)
    names += (names.empty() ? "" : ",") + n;
  log::Get("scheduler")
      ->info("scheduler started: names={} binder_threads={}", names, impl_->options.binder_threads);
}

void Scheduler::Stop() {
  if (!impl_->running) return;
  impl_->running = false;
  for (auto& i : impl_->informers)
    i->Stop();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->loop.join();
  impl_->binder.Stop();
  impl_->status.Stop();
  impl_->informers.clear();
  impl_->inbox.clear();
}

bool Scheduler::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  for (const auto& i : impl_->informers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !i->WaitForSync(left)) return false;
  }
  return !impl_->informers.empty();
}

bool Scheduler::WaitForStatusWrites(std::chrono::milliseconds timeout) {
  return impl_->status.WaitIdle(timeout);
}

Scheduler::Stats Scheduler::stats() const {
  Stats s;
  s.attempts = impl_->attempts;
  s.scheduled = impl_->scheduled;
  s.unschedulable = impl_->unschedulable;
  s.errors = impl_->errors;
  s.bind_conflicts = impl_->conflicts;
  s.algorithm_seconds = static_cast<double>(impl_->algorithm_ns) / 1e9;
  s.algorithm_cpu_seconds = static_cast<double>(impl_->algorithm_cpu_ns) / 1e9;
  s.active = impl_->q_active;
  s.backoff = impl_->q_backoff;
  s.waiting_unschedulable = impl_->q_waiting;
  s.gated = impl_->q_gated;
  s.dropped_events = impl_->status.dropped_events();
  return s;
}

}  // namespace skiff::scheduler
