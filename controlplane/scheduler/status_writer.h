// StatusWriter: what the scheduler tells the API about pods, written by its own threads so
// that the scheduling loop never waits for it:
//  - Events ("Scheduled", "FailedScheduling") through api::EventRecorder, which folds
//    repeats into a count;
//  - the pod's PodScheduled condition: False with reason Unschedulable (or SchedulerError)
//    and the scheduler's message when no node fits, True again once a pod that carried a
//    False condition is bound. Written on the status subresource with the pod's
//    resourceVersion; a conflict re-reads the pod and tries again; a pod that got bound in
//    the meantime is not marked unschedulable.
// Pending condition writes are coalesced per pod (the latest wins); at most `max_queued`
// events wait, beyond that the oldest are dropped (counted in dropped_events()).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/client/client.h"
#include "api/client/event_recorder.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

class StatusWriter {
 public:
  // `component`: the events' source (the scheduler's name, "default-scheduler").
  StatusWriter(api::ApiClient& client, std::string component, int threads = 16,
               size_t max_queued = 20000);
  ~StatusWriter();  // Stop()

  void Start();
  // Stops the threads; writes still queued are dropped.
  void Stop();

  void Event(std::shared_ptr<const api::Pod> pod, std::string type, std::string reason,
             std::string message);
  // PodScheduled=False; `reason` is "Unschedulable", "SchedulerError" or "SchedulingGated".
  void Unschedulable(std::shared_ptr<const api::Pod> pod, std::string reason, std::string message);
  // `pod` (as it was before the binding) was bound: PodScheduled=True if the bound pod carries
  // a PodScheduled condition that is not (the binding sets it; this also supersedes a False
  // still queued).
  void Scheduled(std::shared_ptr<const api::Pod> pod);

  // Blocks until nothing is queued or being written, or `timeout`; true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);
  uint64_t dropped_events() const;

 private:
  struct EventTask {
    std::shared_ptr<const api::Pod> pod;
    std::string type, reason, message;
  };
  struct ConditionTask {
    std::shared_ptr<const api::Pod> pod;
    bool scheduled = false;  // True condition; else False with reason/message
    std::string reason, message;
  };
  void Run();
  void WriteCondition(const ConditionTask& task);

  api::ApiClient& client_;
  api::EventRecorder recorder_;
  const int threads_;
  const size_t max_queued_;

  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<EventTask> events_;
  std::deque<std::string> condition_order_;  // uids
  std::unordered_map<std::string, ConditionTask> conditions_;
  int busy_ = 0;
  uint64_t dropped_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace skiff::scheduler
