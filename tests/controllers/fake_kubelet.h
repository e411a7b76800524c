// FakeKubelet: a stand-in node agent for control-plane tests (like
// Kubernetes' hollow nodes). It registers a Ready Node and, for pods bound
// to it, reports them Running with an IP and Ready (unless the readiness
// function says otherwise), and finishes their deletion. Optionally it binds
// unscheduled pods to its node, standing in for the scheduler.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "skiff/api/core.pb.h"

namespace skiff::testing {

class FakeKubelet {
 public:
  struct Options {
    std::string node_name = "fake-node";
    bool bind_unscheduled = true;
    // Whether a pod reports Ready; default: always.
    std::function<bool(const api::Pod&)> ready;
  };

  FakeKubelet(api::ApiClient& client, Options options);
  ~FakeKubelet();

  // Re-evaluates readiness of every pod (after changing what ready() says).
  void Resync();

 private:
  void Sync(const api::Pod& pod);

  api::ApiClient& client_;
  Options options_;
  std::atomic<int> next_ip_{2};
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  std::mutex mu_;
  std::map<std::string, std::string> ips_;  // pod uid -> IP
};

}  // namespace skiff::testing
