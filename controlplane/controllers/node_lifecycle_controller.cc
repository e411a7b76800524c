#include "controlplane/controllers/node_lifecycle_controller.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "api/client/typed.h"
#include "common/log.h"
#include "controlplane/controllers/pod_util.h"
#include "controlplane/scheduler/taints.h"

namespace skiff::controllers {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int64_t kForever = -1;

const api::NodeCondition* ReadyCondition(const api::Node& n) {
  for (const auto& c : n.status().conditions()) {
    if (c.type() == "Ready") return &c;
  }
  return nullptr;
}

const api::Taint* FindTaint(const api::Node& n, const std::string& key) {
  for (const auto& t : n.spec().taints()) {
    if (t.key() == key && t.effect() == "NoExecute") return &t;
  }
  return nullptr;
}

}  // namespace

std::optional<int64_t> TolerationSeconds(const api::Pod& pod, const api::Taint& t,
                                         int64_t default_seconds) {
  std::optional<int64_t> best;  // the longest toleration wins
  bool tolerated = false;
  for (const auto& tol : pod.spec().tolerations()) {
    if (!scheduler::ToleratesTaint(tol, t)) continue;
    tolerated = true;
    if (!tol.has_toleration_seconds()) return std::nullopt;  // forever
    best = std::max(best.value_or(0), std::max<int64_t>(0, tol.toleration_seconds()));
  }
  if (tolerated) return best;
  if (t.key() == kUnreachableTaint || t.key() == kNotReadyTaint) return default_seconds;
  return 0;
}

NodeLifecycleController::NodeLifecycleController(api::ApiClient& client,
                                                 NodeLifecycleOptions options)
    : client_(client), options_(options), events_(client, "node-controller") {}

NodeLifecycleController::~NodeLifecycleController() {
  Stop();
}

void NodeLifecycleController::StartInformers() {
  nodes_ = std::make_unique<api::Informer<api::Node>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  pods_->AddIndex("node", [](const google::protobuf::Message& m) {
    const auto& p = static_cast<const api::Pod&>(m);
    return p.spec().node_name().empty() ? std::vector<std::string>{}
                                        : std::vector<std::string>{p.spec().node_name()};
  });
  api::EventHandlers n;
  n.on_add = [this](const api::ObjectPtr& o) {
    queue_.Add("node/" + api::GetObjectMeta(*o)->name());
  };
  n.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add("node/" + api::GetObjectMeta(*o)->name());
  };
  n.on_delete = [this](const api::ObjectPtr& o) {
    for (const auto& p : pods_->Indexed("node", api::GetObjectMeta(*o)->name())) {
      queue_.Add("pod/" + api::InformerBase::KeyOf(*p));
    }
  };
  nodes_->AddHandlers(std::move(n));
  pods_->Start();
  nodes_->Start();
  stop_ = false;
  // Heartbeats expire without any event: look at every node periodically.
  ticker_ = std::thread([this] {
    while (!stop_) {
      for (const auto& node : nodes_->List())
        queue_.Add("node/" + node->metadata().name());
      for (const auto& pod : pods_->List()) {
        if (pod->metadata().has_deletion_timestamp() && !pod->spec().node_name().empty()) {
          queue_.Add("pod/" + api::InformerBase::KeyOf(*pod));
        }
      }
      auto until = std::chrono::steady_clock::now() + options_.monitor_period;
      while (!stop_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

void NodeLifecycleController::StopInformers() {
  stop_ = true;
  if (ticker_.joinable()) ticker_.join();
  if (nodes_) nodes_->Stop();
  if (pods_) pods_->Stop();
}

Status NodeLifecycleController::Reconcile(const std::string& key) {
  if (key.rfind("node/", 0) == 0) return ReconcileNode(key.substr(5));
  return ReconcilePod(key.substr(4));
}

Status NodeLifecycleController::ReconcileNode(const std::string& name) {
  auto node = nodes_->Get("", name);
  if (!node) return Status::Ok();
  auto now = TimeUtil::GetCurrentTime();
  const api::NodeCondition* ready = ReadyCondition(*node);
  // A node never heard from counts from its creation.
  const auto& beat = ready && ready->has_last_heartbeat_time()
                         ? ready->last_heartbeat_time()
                         : node->metadata().creation_timestamp();
  int64_t silent_ms = TimeUtil::DurationToMilliseconds(now - beat);
  bool stale = silent_ms > options_.node_monitor_grace.count();

  api::Node updated = *node;
  bool status_changed = false;
  if (stale && (!ready || ready->status() != "Unknown")) {
    auto* conds = updated.mutable_status()->mutable_conditions();
    api::NodeCondition* c = nullptr;
    for (auto& cond : *conds) {
      if (cond.type() == "Ready") c = &cond;
    }
    if (!c) {
      c = conds->Add();
      c->set_type("Ready");
    }
    c->set_status("Unknown");
    c->set_reason("NodeStatusUnknown");
    c->set_message("Kubelet stopped posting node status.");
    *c->mutable_last_transition_time() = now;
    status_changed = true;
    events_.Record(*node, "Normal", "NodeNotReady",
                   "Node " + name + " status is now: NodeNotReady");
    log::Get(this->name())->warn("node {} stopped posting status ({} ms)", name, silent_ms);
  }
  if (status_changed) {
    auto r = api::UpdateObject(client_, updated, /*status=*/true);
    if (!r.ok()) return r.status();
    return Status::Ok();  // the update brings us back with fresh state
  }
  // Taints follow the Ready condition.
  std::string state = ready ? ready->status() : "Unknown";
  bool want_unreachable = state == "Unknown" && (stale || ready);
  bool want_not_ready = state == "False";
  bool has_unreachable = FindTaint(*node, kUnreachableTaint) != nullptr;
  bool has_not_ready = FindTaint(*node, kNotReadyTaint) != nullptr;
  if (want_unreachable != has_unreachable || want_not_ready != has_not_ready) {
    auto* taints = updated.mutable_spec()->mutable_taints();
    taints->erase(
        std::remove_if(taints->begin(), taints->end(),
                       [](const api::Taint& t) {
                         return t.effect() == "NoExecute" &&
                                (t.key() == kUnreachableTaint || t.key() == kNotReadyTaint);
                       }),
        taints->end());
    for (auto [want, key] : {std::pair{want_unreachable, kUnreachableTaint},
                             std::pair{want_not_ready, kNotReadyTaint}}) {
      if (!want) continue;
      auto* t = taints->Add();
      t->set_key(key);
      t->set_effect("NoExecute");
      const api::Taint* old = FindTaint(*node, key);
      *t->mutable_time_added() = old ? old->time_added() : now;
    }
    auto r = api::UpdateObject(client_, updated);
    if (!r.ok()) return r.status();
    return Status::Ok();
  }
  // Evict pods whose toleration of the node's NoExecute taints has run out.
  for (const auto& pod : pods_->Indexed("node", name))
    queue_.Add("pod/" + api::InformerBase::KeyOf(*pod));
  return Status::Ok();
}

Status NodeLifecycleController::ReconcilePod(const std::string& key) {
  auto slash = key.find('/');
  auto pod = pods_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!pod || pod->spec().node_name().empty()) return Status::Ok();
  auto node = nodes_->Get("", pod->spec().node_name());
  auto now = TimeUtil::GetCurrentTime();
  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_(pod->metadata().namespace_());
  del.set_name(pod->metadata().name());
  del.set_precondition_uid(pod->metadata().uid());

  if (pod->metadata().has_deletion_timestamp()) {
    // The node would finish this deletion; a dead or missing one never will.
    bool node_gone = !node || FindTaint(*node, kUnreachableTaint) != nullptr;
    if (node_gone && pod->metadata().deletion_timestamp().seconds() <= now.seconds()) {
      del.set_grace_period_seconds(0);
      auto r = client_.Delete(del);
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
      log::Get(name())->info("force-deleted pod {} on unreachable node {}", key,
                             pod->spec().node_name());
    }
    return Status::Ok();
  }
  if (!node) {
    // Bound to a node that does not exist (any more): nothing will run it.
    del.set_grace_period_seconds(0);
    auto r = client_.Delete(del);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    return Status::Ok();
  }
  for (const auto& taint : node->spec().taints()) {
    if (taint.effect() != "NoExecute") continue;
    auto tolerate = TolerationSeconds(*pod, taint, options_.default_toleration.count());
    if (!tolerate) continue;  // forever
    int64_t evict_at = taint.time_added().seconds() + *tolerate;
    if (now.seconds() < evict_at) {
      queue_.AddAfter("pod/" + key, std::chrono::seconds(evict_at - now.seconds()));
      continue;
    }
    events_.Record(*pod, "Normal", "TaintManagerEviction",
                   "Marking for deletion Pod " + key + " (node " + node->metadata().name() +
                       " has taint " + taint.key() + ":" + taint.effect() + ")");
    auto r = client_.Delete(del);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace skiff::controllers
