// Controller: the shape every control loop in skiff-server shares. Informer
// handlers add keys to the work queue; worker threads take keys and call
// Reconcile(key); a failed key is retried with back-off, a key that is added
// while being reconciled is reconciled again afterwards.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "controlplane/controllers/work_queue.h"

namespace skiff::controllers {

class Controller {
 public:
  virtual ~Controller();
  virtual std::string name() const = 0;

  // Starts informers (StartInformers) and `workers` reconcile threads.
  void Start(int workers = 1);
  // Stops workers and informers; idempotent. Subclasses call it from their
  // destructor before their members go away.
  void Stop();

 protected:
  virtual void StartInformers() = 0;
  virtual void StopInformers() = 0;
  // Makes the state of `key` right. An error retries the key later.
  virtual Status Reconcile(const std::string& key) = 0;

  WorkQueue queue_;

 private:
  std::vector<std::thread> workers_;
  bool running_ = false;
};

}  // namespace skiff::controllers
