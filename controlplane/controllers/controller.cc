#include "controlplane/controllers/controller.h"

#include "common/log.h"

namespace skiff::controllers {

Controller::~Controller() = default;

void Controller::Start(int workers) {
  if (running_) return;
  running_ = true;
  StartInformers();
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this] {
      while (auto key = queue_.Get()) {
        Status s = Reconcile(*key);
        if (s.ok()) {
          queue_.Forget(*key);
        } else {
          log::Get(name())->debug("reconcile {}: {}", *key, s.ToString());
          queue_.AddRateLimited(*key);
        }
        queue_.Done(*key);
      }
    });
  }
}

void Controller::Stop() {
  if (!running_) return;
  running_ = false;
  queue_.ShutDown();
  for (auto& t : workers_)
    t.join();
  workers_.clear();
  StopInformers();
}

}  // namespace skiff::controllers
