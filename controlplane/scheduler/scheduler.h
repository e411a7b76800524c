// Scheduler: skiff-server's pod scheduler (kube-scheduler's semantics; docs/scheduler.md).
//
// It watches Pods (not Succeeded/Failed), Nodes, Namespaces, Services, ReplicaSets and
// StatefulSets, and binds every pending pod whose spec.schedulerName is one of its names
// ("default-scheduler" by default) to a node: filter and score plugins pick the node
// (algorithm.h), the pod is counted on it at once in the scheduler's cache, and binder
// threads write spec.nodeName with the pod's resourceVersion (binder.h). A pod no node fits
// gets PodScheduled=False, reason Unschedulable, with kube-scheduler's message ("0/3 nodes
// are available: 1 Insufficient cpu, ...") and a Warning event FailedScheduling; it waits in
// the unschedulable queue until a relevant cluster change (node added or changed, pod
// deleted, ...) or a back-off retries it (queue.h). A bound pod gets a Normal event
// Scheduled ("Successfully assigned ns/pod to node").
//
// Threads: informer threads turn watch events into work for the single scheduling thread,
// which owns the cache, the queue and the plugins; binder and status-writer threads talk to
// the API. Start/Stop are not thread-safe with each other; stats() is.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/client/client.h"

namespace skiff::scheduler {

struct SchedulerOptions {
  // Pods with one of these spec.schedulerName values are scheduled ("" counts as
  // "default-scheduler").
  std::vector<std::string> scheduler_names{"default-scheduler"};
  // 0: adaptive percentageOfNodesToScore (kube-scheduler's default); 1..100: fixed.
  int32_t percentage_of_nodes_to_score = 0;
  // Threads writing bindings; the API server's group commit batches their writes.
  int binder_threads = 16;
  // Threads writing events and PodScheduled conditions. Each write waits for its store
  // commit and only writes in flight together share one (group commit): with few threads a
  // burst of bindings leaves a backlog of "Scheduled" events costing a commit each.
  int status_threads = 16;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  std::chrono::milliseconds max_in_unschedulable{std::chrono::minutes(5)};
  std::chrono::milliseconds unschedulable_flush_interval{std::chrono::seconds(30)};
  // Seed for score tie breaking; 0 is random.
  uint64_t seed = 0;
};

class Scheduler {
 public:
  explicit Scheduler(api::ApiClient& client, SchedulerOptions options = {});
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  std::string name() const { return "scheduler"; }
  // Starts informers, the scheduling thread, binders and status writers. Pods are
  // scheduled once every informer has listed (its cache is synced).
  void Start();
  // Stops everything; idempotent. Bindings not yet written are dropped (their pods stay
  // pending and are scheduled again by the next scheduler).
  void Stop();
  // True once every informer has listed.
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  // Blocks until no event or PodScheduled condition is queued or being written, or
  // `timeout`; true when idle. Events trail bindings under load (they are best effort and
  // written by their own threads); this tells when they have caught up.
  bool WaitForStatusWrites(std::chrono::milliseconds timeout);

  struct Stats {
    uint64_t attempts = 0;       // scheduling cycles
    uint64_t scheduled = 0;      // bindings written
    uint64_t unschedulable = 0;  // cycles that found no node
    uint64_t errors = 0;         // cycles or bindings that failed
    uint64_t bind_conflicts = 0;
    double algorithm_seconds = 0;      // wall time spent in scheduling cycles
    double algorithm_cpu_seconds = 0;  // CPU time of the scheduling thread in them
    size_t active = 0, backoff = 0, waiting_unschedulable = 0, gated = 0;
    uint64_t dropped_events = 0;
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::scheduler
