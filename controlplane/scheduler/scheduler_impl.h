// Internal to the scheduler: the state and threads behind Scheduler (scheduler.h).
// scheduler.cc runs the scheduling loop and handles outcomes; scheduler_events.cc turns
// informer events into work for the loop. Not part of the public API.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client/informer.h"
#include "common/metrics.h"
#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/binder.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/queue.h"
#include "controlplane/scheduler/scheduler.h"
#include "controlplane/scheduler/status_writer.h"

namespace skiff::scheduler {

using Clock = std::chrono::steady_clock;

// Plugins that cluster events can turn from "no" to "yes" (kube-scheduler's
// EventsToRegister, simplified).
inline constexpr PluginMask kOnAssignedPodAdd =
    Bit(PluginId::kInterPodAffinity) | Bit(PluginId::kPodTopologySpread);
inline constexpr PluginMask kOnAssignedPodDelete =
    Bit(PluginId::kNodeResourcesFit) | Bit(PluginId::kNodePorts) |
    Bit(PluginId::kInterPodAffinity) | Bit(PluginId::kPodTopologySpread);
inline constexpr PluginMask kOnNodeDelete =
    Bit(PluginId::kPodTopologySpread) | Bit(PluginId::kInterPodAffinity);

struct SchedulerMetrics {
  metrics::Counter& scheduled;
  metrics::Counter& unschedulable;
  metrics::Counter& error;
  metrics::Counter& bind_conflicts;
  metrics::Histogram& algorithm;
  metrics::Gauge& active;
  metrics::Gauge& backoff;
  metrics::Gauge& waiting;
  metrics::Gauge& gated;

  static SchedulerMetrics& Get();
};

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
        metrics(SchedulerMetrics::Get()) {}

  api::ApiClient& client;
  const SchedulerOptions options;

  // Owned by the scheduling thread.
  Cache cache;
  SchedulingQueue queue;
  Algorithm algorithm;

  StatusWriter status;
  Binder binder;
  SchedulerMetrics& metrics;
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

  // Hands work to the scheduling thread (any thread).
  void Post(std::function<void()> f);
  // The pod names one of our scheduler names.
  bool Responsible(const api::Pod& pod) const;
  // The pod's PodInfo, or one with only its identity when it does not parse (a bound pod
  // still takes a pod slot on its node).
  static PodInfoPtr InfoOrMinimal(std::shared_ptr<const api::Pod> pod);

  // scheduler_events.cc — informer threads.
  void StartInformers();
  bool Synced() const;
  void OnPod(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj);
  void OnPodDelete(const api::ObjectPtr& obj);
  void OnNode(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj);
  template <typename T>
  void Watch(api::EventHandlers h);
  template <typename T>
  void WatchIntoCache(std::function<void(std::shared_ptr<const T>)> upsert,
                      std::function<void(const std::string& ns, const std::string& name)> remove,
                      PluginMask on_change = 0);

  // scheduler.cc — binder threads, then the scheduling thread.
  void OnBindDone(const std::string& uid, const std::string& node, BindResult r);
  void ScheduleOne(const SchedulingQueue::Popped& popped);
  void PublishQueueSizes();
  void Loop();
};

}  // namespace skiff::scheduler
