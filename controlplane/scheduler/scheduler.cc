#include "controlplane/scheduler/scheduler.h"

#include <google/protobuf/util/message_differencer.h>

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "api/client/informer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/binder.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/queue.h"
#include "controlplane/scheduler/status_writer.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

using Clock = std::chrono::steady_clock;
using google::protobuf::util::MessageDifferencer;

// Plugins that cluster events can turn from "no" to "yes" (kube-scheduler's
// EventsToRegister, simplified).
constexpr PluginMask kOnAssignedPodAdd =
    Bit(PluginId::kInterPodAffinity) | Bit(PluginId::kPodTopologySpread);
constexpr PluginMask kOnAssignedPodDelete =
    Bit(PluginId::kNodeResourcesFit) | Bit(PluginId::kNodePorts) |
    Bit(PluginId::kInterPodAffinity) | Bit(PluginId::kPodTopologySpread);
constexpr PluginMask kOnNodeDelete =
    Bit(PluginId::kPodTopologySpread) | Bit(PluginId::kInterPodAffinity);

bool SameMap(const LabelMap& a, const LabelMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) return false;
  }
  return true;
}

// Which plugins may now accept pods they rejected, after a Node changed from `a` to `b`.
PluginMask NodeUpdateMask(const api::Node& a, const api::Node& b) {
  PluginMask m = 0;
  if (a.spec().unschedulable() != b.spec().unschedulable()) m |= Bit(PluginId::kNodeUnschedulable);
  if (a.spec().taints_size() != b.spec().taints_size()) {
    m |= Bit(PluginId::kTaintToleration) | Bit(PluginId::kPodTopologySpread);
  } else {
    for (int i = 0; i < a.spec().taints_size(); ++i) {
      if (!MessageDifferencer::Equals(a.spec().taints(i), b.spec().taints(i))) {
        m |= Bit(PluginId::kTaintToleration) | Bit(PluginId::kPodTopologySpread);
        break;
      }
    }
  }
  if (!SameMap(a.metadata().labels(), b.metadata().labels())) {
    m |= Bit(PluginId::kNodeAffinity) | Bit(PluginId::kPodTopologySpread) |
         Bit(PluginId::kInterPodAffinity);
  }
  if (!SameMap(a.status().allocatable(), b.status().allocatable()) ||
      !SameMap(a.status().capacity(), b.status().capacity())) {
    m |= Bit(PluginId::kNodeResourcesFit);
  }
  return m;
}

// A pending pod changed in a way that may change where it fits (kube's isPodUpdated:
// anything but status and bookkeeping).
bool PodChanged(const api::Pod& a, const api::Pod& b) {
  return !SameMap(a.metadata().labels(), b.metadata().labels()) ||
         !SameMap(a.metadata().annotations(), b.metadata().annotations()) ||
         !MessageDifferencer::Equals(a.spec(), b.spec());
}

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

struct Metrics {
  metrics::Counter& scheduled;
  metrics::Counter& unschedulable;
  metrics::Counter& error;
  metrics::Counter& bind_conflicts;
  metrics::Histogram& algorithm;
  metrics::Gauge& active;
  metrics::Gauge& backoff;
  metrics::Gauge& waiting;
  metrics::Gauge& gated;

  static Metrics& Get() {
    static Metrics* m = [] {
      auto& r = metrics::Registry::Default();
      const char* attempts = "skiff_scheduler_schedule_attempts_total";
      const char* attempts_help = "Scheduling attempts by result.";
      const char* pending = "skiff_scheduler_pending_pods";
      const char* pending_help = "Pods waiting in the scheduling queue, by queue.";
      return new Metrics{
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
};

}  // namespace

struct Scheduler::Impl {
  Impl(api::ApiClient& c, SchedulerOptions o)
      : client(c),
        options(std::move(o)),
        queue(QueueOptions{options.initial_backoff, options.max_backoff,
                           options.max_in_unschedulable, options.unschedulable_flush_interval}),
        algorithm(AlgorithmOptions{options.percentage_of_nodes_to_score, options.seed}),
        status(c,
               options.scheduler_names.empty() ? "default-scheduler" : options.scheduler_names[0],
               options.status_threads),
        binder(c, options.binder_threads,
               [this](const std::string& uid, const std::string& node, BindResult r) {
                 OnBindDone(uid, node, std::move(r));
               }),
        metrics(Metrics::Get()) {}

  api::ApiClient& client;
  const SchedulerOptions options;

  // Owned by the scheduling thread.
  Cache cache;
  SchedulingQueue queue;
  Algorithm algorithm;

  StatusWriter status;
  Binder binder;
  Metrics& metrics;
  std::vector<std::unique_ptr<api::InformerBase>> informers;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> inbox;  // work for the scheduling thread
  bool stopping = false;
  bool running = false;
  std::thread loop;

  std::atomic<uint64_t> attempts{0}, scheduled{0}, unschedulable{0}, errors{0}, conflicts{0};
  std::atomic<uint64_t> algorithm_ns{0}, algorithm_cpu_ns{0};
  std::atomic<size_t> q_active{0}, q_backoff{0}, q_waiting{0}, q_gated{0};

  void Post(std::function<void()> f) {
    {
      std::lock_guard lock(mu);
      inbox.push_back(std::move(f));
    }
    cv.notify_one();
  }

  bool Responsible(const api::Pod& pod) const {
    const std::string& n = pod.spec().scheduler_name();
    for (const std::string& mine : options.scheduler_names) {
      if (n == mine || (n.empty() && mine == "default-scheduler")) return true;
    }
    return false;
  }

  static PodInfoPtr InfoOrMinimal(std::shared_ptr<const api::Pod> pod) {
    auto info = NewPodInfo(pod);
    if (info.ok()) return *info;
    // A bound pod the scheduler cannot parse still occupies a pod slot on its node.
    auto minimal = std::make_shared<PodInfo>();
    minimal->key = pod->metadata().namespace_() + "/" + pod->metadata().name();
    minimal->pod = std::move(pod);
    return minimal;
  }

  // --- informer threads ---------------------------------------------------------------
  void OnPod(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj) {
    auto pod = api::Informer<api::Pod>::As(obj);
    auto old = old_obj ? api::Informer<api::Pod>::As(old_obj) : nullptr;
    const std::string uid = pod->metadata().uid();
    if (!pod->spec().node_name().empty()) {
      bool newly_bound = !old || old->spec().node_name().empty();
      bool labels_changed = old && !SameMap(old->metadata().labels(), pod->metadata().labels());
      // A binding seen on the watch may be one of ours: then it only confirms the
      // assumption (on the scheduling thread, which knows); anything else is parsed here.
      PodInfoPtr info = old && newly_bound ? nullptr : InfoOrMinimal(pod);
      Post([this, pod, info, uid, newly_bound, labels_changed] {
        queue.Delete(uid);
        const std::string& node = pod->spec().node_name();
        if (info) {
          cache.AddPod(info, node);
        } else if (!cache.ConfirmAssumed(uid, node, pod->metadata().labels())) {
          cache.AddPod(InfoOrMinimal(pod), node);
        }
        if (newly_bound || labels_changed) queue.MoveOnEvent(kOnAssignedPodAdd, Clock::now());
      });
      return;
    }
    if (!Responsible(*pod) || pod->metadata().has_deletion_timestamp()) {
      Post([this, uid] { queue.Delete(uid); });
      return;
    }
    auto info = NewPodInfo(pod);
    bool changed = old && PodChanged(*old, *pod);
    if (!info.ok()) {
      Post([this, uid] { queue.Delete(uid); });
      // Nothing will fit it until it changes; say why (once per version of its spec).
      if (old && !changed) return;
      log::Get("scheduler")
          ->warn("pod={}/{} cannot be scheduled: {}", pod->metadata().namespace_(),
                 pod->metadata().name(), info.status().message());
      std::string msg = info.status().message();
      status.Event(pod, "Warning", "FailedScheduling", msg);
      status.Unschedulable(pod, "SchedulerError", msg);
      return;
    }
    if (!pod->spec().scheduling_gates().empty()) {
      // As kube-scheduler says it; the writer skips the write when the pod already says so.
      status.Unschedulable(pod, "SchedulingGated",
                           "Scheduling is blocked due to non-empty scheduling gates");
    }
    Post([this, info = *info, changed] { queue.AddOrUpdate(info, changed, Clock::now()); });
  }

  void OnPodDelete(const api::ObjectPtr& obj) {
    auto pod = api::Informer<api::Pod>::As(obj);
    std::string uid = pod->metadata().uid();
    bool assigned = !pod->spec().node_name().empty();
    Post([this, uid, assigned] {
      queue.Delete(uid);
      bool freed = assigned ? (cache.RemovePod(uid), true) : cache.ForgetPod(uid);
      if (freed) queue.MoveOnEvent(kOnAssignedPodDelete, Clock::now());
    });
  }

  void OnNode(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj) {
    auto node = api::Informer<api::Node>::As(obj);
    PluginMask mask =
        old_obj ? NodeUpdateMask(*api::Informer<api::Node>::As(old_obj), *node) : kAllPlugins;
    Post([this, node, mask] {
      Status s = cache.UpsertNode(node);
      if (!s.ok()) log::Get("scheduler")->warn("{}", s.message());
      if (mask) queue.MoveOnEvent(mask, Clock::now());
    });
  }

  template <typename T>
  void Watch(api::EventHandlers h) {
    auto informer = std::make_unique<api::Informer<T>>(client);
    informer->AddHandlers(std::move(h));
    informers.push_back(std::move(informer));
  }

  template <typename T>
  void WatchIntoCache(std::function<void(std::shared_ptr<const T>)> upsert,
                      std::function<void(const std::string& ns, const std::string& name)> remove,
                      PluginMask on_change = 0) {
    api::EventHandlers h;
    auto up = [this, upsert, on_change](const api::ObjectPtr& o) {
      auto obj = api::Informer<T>::As(o);
      Post([this, upsert, obj, on_change] {
        upsert(obj);
        if (on_change) queue.MoveOnEvent(on_change, Clock::now());
      });
    };
    h.on_add = up;
    h.on_update = [up](const api::ObjectPtr&, const api::ObjectPtr& o) { up(o); };
    h.on_delete = [this, remove](const api::ObjectPtr& o) {
      std::string ns = api::GetObjectMeta(*o)->namespace_(), name = api::GetObjectMeta(*o)->name();
      Post([remove, ns, name] { remove(ns, name); });
    };
    Watch<T>(std::move(h));
  }

  void StartInformers() {
    {
      api::EventHandlers h;
      h.on_add = [this](const api::ObjectPtr& o) { OnPod(nullptr, o); };
      h.on_update = [this](const api::ObjectPtr& a, const api::ObjectPtr& b) { OnPod(a, b); };
      h.on_delete = [this](const api::ObjectPtr& o) { OnPodDelete(o); };
      api::InformerOptions opts;
      opts.field_selector = "status.phase!=Succeeded,status.phase!=Failed";
      auto pods = std::make_unique<api::Informer<api::Pod>>(client, opts);
      pods->AddHandlers(std::move(h));
      informers.push_back(std::move(pods));
    }
    {
      api::EventHandlers h;
      h.on_add = [this](const api::ObjectPtr& o) { OnNode(nullptr, o); };
      h.on_update = [this](const api::ObjectPtr& a, const api::ObjectPtr& b) { OnNode(a, b); };
      h.on_delete = [this](const api::ObjectPtr& o) {
        std::string name = api::GetObjectMeta(*o)->name();
        Post([this, name] {
          cache.RemoveNode(name);
          queue.MoveOnEvent(kOnNodeDelete, Clock::now());
        });
      };
      Watch<api::Node>(std::move(h));
    }
    WatchIntoCache<api::Namespace>(
        [this](auto o) { cache.UpsertNamespace(std::move(o)); },
        [this](const std::string&, const std::string& name) { cache.RemoveNamespace(name); },
        Bit(PluginId::kInterPodAffinity));
    WatchIntoCache<api::Service>(
        [this](auto o) { cache.UpsertService(std::move(o)); },
        [this](const std::string& ns, const std::string& name) { cache.RemoveService(ns, name); });
    WatchIntoCache<api::ReplicaSet>([this](auto o) { cache.UpsertReplicaSet(std::move(o)); },
                                    [this](const std::string& ns, const std::string& name) {
                                      cache.RemoveReplicaSet(ns, name);
                                    });
    WatchIntoCache<api::StatefulSet>([this](auto o) { cache.UpsertStatefulSet(std::move(o)); },
                                     [this](const std::string& ns, const std::string& name) {
                                       cache.RemoveStatefulSet(ns, name);
                                     });
    for (auto& i : informers)
      i->Start();
  }

  bool Synced() const {
    for (const auto& i : informers) {
      if (!i->HasSynced()) return false;
    }
    return true;
  }

  // --- binder threads -----------------------------------------------------------------
  void OnBindDone(const std::string& uid, const std::string& node, BindResult r) {
    conflicts += r.conflicts;
    metrics.bind_conflicts.Inc(r.conflicts);
    if (r.kind == BindResult::Kind::kBound) {
      const api::Pod& p = *r.pod;
      status.Event(r.pod, "Normal", "Scheduled",
                   "Successfully assigned " + p.metadata().namespace_() + "/" +
                       p.metadata().name() + " to " + node);
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

  // --- scheduling thread --------------------------------------------------------------
  void ScheduleOne(const SchedulingQueue::Popped& popped) {
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

  void PublishQueueSizes() {
    q_active = queue.active();
    q_backoff = queue.backing_off();
    q_waiting = queue.unschedulable();
    q_gated = queue.gated();
    metrics.active.Set(static_cast<double>(q_active));
    metrics.backoff.Set(static_cast<double>(q_backoff));
    metrics.waiting.Set(static_cast<double>(q_waiting));
    metrics.gated.Set(static_cast<double>(q_gated));
  }

  void Loop() {
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
};

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
  log::Get("scheduler")
      ->info("scheduler started: names={} binder_threads={}", impl_->options.scheduler_names.size(),
             impl_->options.binder_threads);
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
