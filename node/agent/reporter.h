// ApiReporter: the agent's writes that must never stall a pod worker — pod
// statuses (latest wins per pod) and Events — go through a small pool of
// writer threads, so one slow round trip to the API server does not hold up
// every other pod's status.
//
// Order and fairness:
//   - statuses before Events: a pod's status is what users and controllers
//     wait for; Events are informational;
//   - statuses FIFO by the time their pod first got a pending status (a
//     newer status replaces the pending one in place, keeping its turn), so
//     no pod starves behind pods that keep changing;
//   - at most one write per pod in flight: a status queued while the pod's
//     previous one is being written waits for it, so writes never reorder;
//   - Events are written one at a time, in the order recorded.
// Failed status writes are retried (1 s apart) until they succeed or the pod
// is gone (NOT_FOUND, conflict, invalid: dropped); Events are best effort
// (bounded queue, the oldest dropped first).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/client/client.h"
#include "api/client/event_recorder.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

class ApiReporter {
 public:
  static constexpr int kDefaultWriters = 4;

  // `writers`: concurrent writes to the API server (at least 1).
  ApiReporter(api::ApiClient& client, const std::string& node_name, int writers = kDefaultWriters);
  // Stops the writers after their current write; pending writes are dropped
  // (call Flush first to wait for them).
  ~ApiReporter();

  void SetStatus(const api::Pod& pod, const api::PodStatus& status);
  void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
             const std::string& message);
  // Drops a pending status (the pod is gone).
  void Forget(const std::string& uid);
  // Waits until everything queued so far was written (or timeout).
  bool Flush(std::chrono::milliseconds timeout);

 private:
  using Clock = std::chrono::steady_clock;
  struct PendingStatus {
    api::Pod pod;  // metadata (name, namespace, uid) + status
    Clock::time_point not_before;
    Clock::time_point queued_at;  // when this status was set
    Clock::time_point turn;       // when the pod first had a pending status: FIFO key
  };
  struct PendingEvent {
    api::Pod pod;  // metadata only
    std::string type, reason, message;
  };
  void Loop();
  // Under mu_: the uid of the due status to write next ("" if none) and
  // the earliest not_before of those not due yet.
  std::string NextStatus(Clock::time_point now, Clock::time_point* next_due) const;
  void WriteStatus(PendingStatus p, std::unique_lock<std::mutex>& lock);
  bool IdleLocked() const;

  api::ApiClient& client_;
  api::EventRecorder recorder_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::map<std::string, PendingStatus> statuses_;  // by uid
  std::set<std::string> writing_;                  // uids with a status write in flight
  std::deque<PendingEvent> events_;
  bool writing_event_ = false;
  int busy_ = 0;  // writers in a write
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace skiff::node
