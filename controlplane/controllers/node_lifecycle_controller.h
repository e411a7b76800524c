// NodeLifecycleController: notices nodes that stop reporting and moves their
// pods elsewhere, as Kubernetes' node lifecycle controller and pod GC do.
//  - A node whose Ready condition has not been renewed for
//    `node_monitor_grace` gets Ready=Unknown ("Kubelet stopped posting node
//    status.") and the taint node.kubernetes.io/unreachable:NoExecute; a node
//    reporting Ready=False gets node.kubernetes.io/not-ready:NoExecute. Both
//    taints go when the node is Ready again.
//  - Pods on a node with a NoExecute taint are evicted (deleted) once their
//    toleration of it runs out: at once without a toleration,
//    after tolerationSeconds with one, never with an unlimited one. Pods
//    without any toleration of the not-ready/unreachable taints get the
//    Kubernetes default of `default_toleration` (300 s).
//  - A pod whose node cannot finish its deletion (unreachable, or the Node
//    object is gone) is removed for good once its grace period has passed.
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

struct NodeLifecycleOptions {
  std::chrono::milliseconds monitor_period{std::chrono::seconds(5)};
  std::chrono::milliseconds node_monitor_grace{std::chrono::seconds(40)};
  std::chrono::seconds default_toleration{300};
};

inline constexpr const char* kUnreachableTaint = "node.kubernetes.io/unreachable";
inline constexpr const char* kNotReadyTaint = "node.kubernetes.io/not-ready";

class NodeLifecycleController : public Controller {
 public:
  NodeLifecycleController(api::ApiClient& client, NodeLifecycleOptions options = {});
  ~NodeLifecycleController() override;
  std::string name() const override { return "node-lifecycle-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  // Keys: "node/<name>" and "pod/<ns>/<name>".
  Status Reconcile(const std::string& key) override;

 private:
  Status ReconcileNode(const std::string& name);
  Status ReconcilePod(const std::string& key);

  api::ApiClient& client_;
  NodeLifecycleOptions options_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::Node>> nodes_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

// How long `pod` tolerates taint `t` (nullopt: forever; 0: not at all),
// with `default_seconds` for pods that have no toleration of the
// not-ready/unreachable taints.
std::optional<int64_t> TolerationSeconds(const api::Pod& pod, const api::Taint& t,
                                         int64_t default_seconds);

}  // namespace skiff::controllers
