// SchedulingQueue: the pods waiting for a node, in kube-scheduler's three queues.
//  - active: ready to be tried, highest spec.priority first, then oldest;
//  - backoff: failed recently, waiting 1 s * 2^(attempts-1), at most 10 s, before going
//    back to active;
//  - unschedulable: no node fits; waits for a cluster event that may change that (a node
//    added or changed, a pod deleted, ...: see MoveOnEvent) — only events of interest to
//    the plugins that rejected it move it — or, at the latest, for 5 minutes.
// Pods with spec.schedulingGates wait in a gated set until their gates are removed.
// A popped pod is "in flight" until the scheduler reports what became of it.
//
// Every pod is known by uid. Not thread-safe: owned by the scheduling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "controlplane/scheduler/framework.h"
#include "controlplane/scheduler/pod_info.h"

namespace skiff::scheduler {

struct QueueOptions {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  // Unschedulable pods are retried at least this often.
  std::chrono::milliseconds max_in_unschedulable{std::chrono::minutes(5)};
  // How often unschedulable pods are checked against max_in_unschedulable.
  std::chrono::milliseconds unschedulable_flush_interval{std::chrono::seconds(30)};
};

class SchedulingQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SchedulingQueue(QueueOptions options = {}) : options_(options) {}

  // A pending pod was added or changed. New pods become active (or gated). A waiting
  // (unschedulable) pod whose spec or labels changed (`changed`) is moved to active or
  // backoff; an in-flight pod only gets its latest PodInfo.
  void AddOrUpdate(PodInfoPtr pod, bool changed, Clock::time_point now);
  // The pod is gone or no longer ours (deleted, bound, terminating).
  void Delete(const std::string& uid);
  bool Contains(const std::string& uid) const { return pods_.contains(uid); }

  struct Popped {
    PodInfoPtr pod;
    int attempts = 0;
  };
  // The next active pod, now in flight; nullopt when none is active.
  std::optional<Popped> Pop();

  // Outcomes of an in-flight pod (no-ops for unknown uids, e.g. deleted meanwhile):
  // no node fits — `rejected_by` says which plugins rejected nodes (0: an error, retried
  // after back-off);
  void Unschedulable(const std::string& uid, PluginMask rejected_by, Clock::time_point now);
  // binding failed: retry after back-off;
  void Backoff(const std::string& uid, Clock::time_point now);
  // placed (its binding is being written): forget it.
  void Done(const std::string& uid);

  // A cluster event that plugins in `interested` care about: moves unschedulable pods
  // rejected by any of them (or by nothing specific) to active, or to backoff while their
  // back-off lasts.
  void MoveOnEvent(PluginMask interested, Clock::time_point now);
  // Promotes pods whose back-off ended and unschedulable pods that waited too long.
  void Tick(Clock::time_point now);
  // When Tick() next has something to do (time_point::max() when never).
  Clock::time_point NextWakeup() const;

  size_t active() const { return active_.size(); }
  size_t backing_off() const { return backoff_.size(); }
  size_t unschedulable() const { return unschedulable_.size(); }
  size_t gated() const { return gated_; }
  size_t in_flight() const { return in_flight_; }

  Clock::duration BackoffDuration(int attempts) const;

 private:
  enum class State { kActive, kBackoff, kUnschedulable, kGated, kInFlight };
  using ActiveKey = std::tuple<int32_t, Clock::time_point, uint64_t>;  // -priority, time, seq
  using BackoffKey = std::pair<Clock::time_point, uint64_t>;
  struct Entry {
    PodInfoPtr pod;
    State state = State::kActive;
    int attempts = 0;
    Clock::time_point timestamp;      // when it last entered the queue
    Clock::time_point backoff_until;  // end of the current back-off
    Clock::time_point unschedulable_since;
    PluginMask rejected_by = 0;
    bool updated_in_flight = false;
    ActiveKey active_key;
    BackoffKey backoff_key;
  };

  void Remove(const std::string& uid, Entry& e);  // from its current container
  void ToActive(const std::string& uid, Entry& e, Clock::time_point now);
  void ToBackoff(const std::string& uid, Entry& e);
  // To backoff while backing off, else to active.
  void Requeue(const std::string& uid, Entry& e, Clock::time_point now);

  QueueOptions options_;
  std::unordered_map<std::string, Entry> pods_;
  std::map<ActiveKey, std::string> active_;
  std::map<BackoffKey, std::string> backoff_;
  std::unordered_set<std::string> unschedulable_;
  Clock::time_point last_flush_{};
  size_t gated_ = 0;
  size_t in_flight_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace skiff::scheduler
