// Binder: writes bindings from a pool of threads, so that the scheduling loop never waits
// for the API server. A binding is an Update of the pod's "binding" subresource (as
// kube-scheduler posts pods/binding): the server sets spec.nodeName and PodScheduled=True
// without re-validating the whole pod.
//
// Optimistic concurrency: the binding carries the uid and the resourceVersion the scheduler
// saw as preconditions. On a conflict (ABORTED) the pod is read again: gone, replaced
// (another uid) or being deleted ends the attempt, already bound ends it too (to our node:
// success), unchanged means the server refuses the pod itself (an error), otherwise the
// binding is retried on the fresh copy, up to 5 times.
//
// Thread-safe. The callback runs on a binder thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client/client.h"
#include "common/status.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

struct BindResult {
  enum class Kind {
    kBound,           // bound to the node we chose
    kGone,            // deleted, or replaced by another pod of that name
    kBoundElsewhere,  // someone else bound it first
    kFailed,          // the API refused or could not be reached
  };
  Kind kind = Kind::kFailed;
  // The pod as last seen: on kBound the version the binding was written against (the
  // caller's own pointer when the first attempt lands), else the last one read.
  std::shared_ptr<const api::Pod> pod;
  Status error;       // kFailed
  int conflicts = 0;  // ABORTED answers on the way
};

// One binding, synchronously (what a binder thread does); re-reads the pod and tries again
// on a conflict while the pod is still unbound and alive.
BindResult BindPod(api::ApiClient& client, std::shared_ptr<const api::Pod> pod,
                   const std::string& node);

class Binder {
 public:
  using Callback =
      std::function<void(const std::string& uid, const std::string& node, BindResult result)>;
  Binder(api::ApiClient& client, int threads, Callback done);
  ~Binder();  // Stop()

  void Start();
  // Stops the threads; bindings not started yet are dropped.
  void Stop();
  void Bind(std::shared_ptr<const api::Pod> pod, std::string node);
  size_t pending() const;

 private:
  struct Job {
    std::shared_ptr<const api::Pod> pod;
    std::string node;
  };
  void Run();

  api::ApiClient& client_;
  const int threads_;
  Callback done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace skiff::scheduler
