// ApiReporter: the agent's writes that must never stall a pod worker — pod
// statuses (latest wins per pod) and Events — go through one background
// thread. Failed status writes are retried (1 s apart) until they succeed
// or the pod is gone; Events are best effort (bounded queue).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/client/client.h"
#include "api/client/event_recorder.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

class ApiReporter {
 public:
  ApiReporter(api::ApiClient& client, const std::string& node_name);
  ~ApiReporter();

  void SetStatus(const api::Pod& pod, const api::PodStatus& status);
  void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
             const std::string& message);
  // Drops a pending status (the pod is gone).
  void Forget(const std::string& uid);
  // Waits until everything queued so far was written (or timeout).
  bool Flush(std::chrono::milliseconds timeout);

 private:
  struct PendingStatus {
    api::Pod pod;  // metadata (name, namespace, uid) + status
    std::chrono::steady_clock::time_point not_before;
    std::chrono::steady_clock::time_point queued_at;  // when this status was set
  };
  struct PendingEvent {
    api::Pod pod;  // metadata only
    std::string type, reason, message;
  };
  void Loop();

  api::ApiClient& client_;
  api::EventRecorder recorder_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::map<std::string, PendingStatus> statuses_;
  std::deque<PendingEvent> events_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace skiff::node
