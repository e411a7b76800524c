#include <google/protobuf/util/message_differencer.h>

#include "common/log.h"
#include "controlplane/scheduler/scheduler_impl.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

using google::protobuf::util::MessageDifferencer;

// Which plugins may now accept pods they rejected, after a Node changed from `a` to `b`.
PluginMask NodeUpdateMask(const api::Node& a, const api::Node& b) {
  PluginMask m = 0;
  if (a.spec().unschedulable() != b.spec().unschedulable()) m |= Bit(PluginId::kNodeUnschedulable);
  if (a.spec().taints_size() != b.spec().taints_size()) {
    m |= Bit(PluginId::kTaintToleration) | Bit(PluginId::kPodTopologySpread);
  } else {
    for (int i = 0; i < a.spec().taints_size(); ++i) {
      if (!MessageDifferencer::Equals(a.spec().taints(i), b.spec().taints(i))) {
        m |= Bit(PluginId::kTaintToleration) | Bit(PluginId::kPodTopologySpread);
        break;
      }
    }
  }
  if (!SameLabels(a.metadata().labels(), b.metadata().labels())) {
    m |= Bit(PluginId::kNodeAffinity) | Bit(PluginId::kPodTopologySpread) |
         Bit(PluginId::kInterPodAffinity);
  }
  if (!SameLabels(a.status().allocatable(), b.status().allocatable()) ||
      !SameLabels(a.status().capacity(), b.status().capacity())) {
    m |= Bit(PluginId::kNodeResourcesFit);
  }
  return m;
}

// A pending pod changed in a way that may change where it fits (kube's isPodUpdated:
// anything but status and bookkeeping).
bool PodChanged(const api::Pod& a, const api::Pod& b) {
  return !SameLabels(a.metadata().labels(), b.metadata().labels()) ||
         !SameLabels(a.metadata().annotations(), b.metadata().annotations()) ||
         !MessageDifferencer::Equals(a.spec(), b.spec());
}

}  // namespace

void Scheduler::Impl::OnPod(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj) {
  auto pod = api::Informer<api::Pod>::As(obj);
  auto old = old_obj ? api::Informer<api::Pod>::As(old_obj) : nullptr;
  const std::string uid = pod->metadata().uid();
  if (!pod->spec().node_name().empty()) {
    bool newly_bound = !old || old->spec().node_name().empty();
    bool labels_changed = old && !SameLabels(old->metadata().labels(), pod->metadata().labels());
    // A binding seen on the watch may be one of ours: then it only confirms the
    // assumption (on the scheduling thread, which knows); anything else is parsed here.
    PodInfoPtr info = old && newly_bound ? nullptr : InfoOrMinimal(pod);
    Post([this, pod, info, uid, newly_bound, labels_changed] {
      queue.Delete(uid);
      const std::string& node = pod->spec().node_name();
      if (info) {
        cache.AddPod(info, node);
      } else if (!cache.ConfirmAssumed(uid, node, pod->metadata().labels())) {
        cache.AddPod(InfoOrMinimal(pod), node);
      }
      if (newly_bound || labels_changed) queue.MoveOnEvent(kOnAssignedPodAdd, Clock::now());
    });
    return;
  }
  if (!Responsible(*pod) || pod->metadata().has_deletion_timestamp()) {
    Post([this, uid] { queue.Delete(uid); });
    return;
  }
  auto info = NewPodInfo(pod);
  bool changed = old && PodChanged(*old, *pod);
  if (!info.ok()) {
    Post([this, uid] { queue.Delete(uid); });
    // Nothing will fit it until it changes; say why (once per version of its spec).
    if (old && !changed) return;
    log::Get("scheduler")
        ->warn("pod={}/{} cannot be scheduled: {}", pod->metadata().namespace_(),
               pod->metadata().name(), info.status().message());
    std::string msg = info.status().message();
    status.Event(pod, "Warning", "FailedScheduling", msg);
    status.Unschedulable(pod, "SchedulerError", msg);
    return;
  }
  if (!pod->spec().scheduling_gates().empty()) {
    // As kube-scheduler says it; the writer skips the write when the pod already says so.
    status.Unschedulable(pod, "SchedulingGated",
                         "Scheduling is blocked due to non-empty scheduling gates");
  }
  Post([this, info = *info, changed] { queue.AddOrUpdate(info, changed, Clock::now()); });
}

void Scheduler::Impl::OnPodDelete(const api::ObjectPtr& obj) {
  auto pod = api::Informer<api::Pod>::As(obj);
  std::string uid = pod->metadata().uid();
  bool assigned = !pod->spec().node_name().empty();
  Post([this, uid, assigned] {
    queue.Delete(uid);
    bool freed = assigned ? (cache.RemovePod(uid), true) : cache.ForgetPod(uid);
    if (freed) queue.MoveOnEvent(kOnAssignedPodDelete, Clock::now());
  });
}

void Scheduler::Impl::OnNode(const api::ObjectPtr& old_obj, const api::ObjectPtr& obj) {
  auto node = api::Informer<api::Node>::As(obj);
  PluginMask mask =
      old_obj ? NodeUpdateMask(*api::Informer<api::Node>::As(old_obj), *node) : kAllPlugins;
  Post([this, node, mask] {
    Status s = cache.UpsertNode(node);
    if (!s.ok()) log::Get("scheduler")->warn("{}", s.message());
    if (mask) queue.MoveOnEvent(mask, Clock::now());
  });
}

template <typename T>
void Scheduler::Impl::Watch(api::EventHandlers h) {
  auto informer = std::make_unique<api::Informer<T>>(client);
  informer->AddHandlers(std::move(h));
  informers.push_back(std::move(informer));
}

template <typename T>
void Scheduler::Impl::WatchIntoCache(
    std::function<void(std::shared_ptr<const T>)> upsert,
    std::function<void(const std::string& ns, const std::string& name)> remove,
    PluginMask on_change) {
  api::EventHandlers h;
  auto up = [this, upsert, on_change](const api::ObjectPtr& o) {
    auto obj = api::Informer<T>::As(o);
    Post([this, upsert, obj, on_change] {
      upsert(obj);
      if (on_change) queue.MoveOnEvent(on_change, Clock::now());
    });
  };
  h.on_add = up;
  h.on_update = [up](const api::ObjectPtr&, const api::ObjectPtr& o) { up(o); };
  h.on_delete = [this, remove](const api::ObjectPtr& o) {
    std::string ns = api::GetObjectMeta(*o)->namespace_(), name = api::GetObjectMeta(*o)->name();
    Post([remove, ns, name] { remove(ns, name); });
  };
  Watch<T>(std::move(h));
}

void Scheduler::Impl::StartInformers() {
  {
    api::EventHandlers h;
    h.on_add = [this](const api::ObjectPtr& o) { OnPod(nullptr, o); };
    h.on_update = [this](const api::ObjectPtr& a, const api::ObjectPtr& b) { OnPod(a, b); };
    h.on_delete = [this](const api::ObjectPtr& o) { OnPodDelete(o); };
    api::InformerOptions opts;
    opts.field_selector = "status.phase!=Succeeded,status.phase!=Failed";
    auto pods = std::make_unique<api::Informer<api::Pod>>(client, opts);
    pods->AddHandlers(std::move(h));
    informers.push_back(std::move(pods));
  }
  {
    api::EventHandlers h;
    h.on_add = [this](const api::ObjectPtr& o) { OnNode(nullptr, o); };
    h.on_update = [this](const api::ObjectPtr& a, const api::ObjectPtr& b) { OnNode(a, b); };
    h.on_delete = [this](const api::ObjectPtr& o) {
      std::string name = api::GetObjectMeta(*o)->name();
      Post([this, name] {
        cache.RemoveNode(name);
        queue.MoveOnEvent(kOnNodeDelete, Clock::now());
      });
    };
    Watch<api::Node>(std::move(h));
  }
  WatchIntoCache<api::Namespace>(
      [this](auto o) { cache.UpsertNamespace(std::move(o)); },
      [this](const std::string&, const std::string& name) { cache.RemoveNamespace(name); },
      Bit(PluginId::kInterPodAffinity));
  WatchIntoCache<api::Service>(
      [this](auto o) { cache.UpsertService(std::move(o)); },
      [this](const std::string& ns, const std::string& name) { cache.RemoveService(ns, name); });
  WatchIntoCache<api::ReplicaSet>(
      [this](auto o) { cache.UpsertReplicaSet(std::move(o)); },
      [this](const std::string& ns, const std::string& name) { cache.RemoveReplicaSet(ns, name); });
  WatchIntoCache<api::StatefulSet>([this](auto o) { cache.UpsertStatefulSet(std::move(o)); },
                                   [this](const std::string& ns, const std::string& name) {
                                     cache.RemoveStatefulSet(ns, name);
                                   });
  for (auto& i : informers)
    i->Start();
}

bool Scheduler::Impl::Synced() const {
  for (const auto& i : informers) {
    if (!i->HasSynced()) return false;
  }
  return true;
}

}  // namespace skiff::scheduler
