#include "controlplane/controllers/daemonset_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "controlplane/controllers/pod_util.h"
#include "controlplane/scheduler/label_index.h"
#include "controlplane/scheduler/node_selector.h"
#include "controlplane/scheduler/taints.h"

namespace skiff::controllers {
namespace {

constexpr const char* kHashLabel = "controller-revision-hash";

// The tolerations Kubernetes gives every DaemonSet pod.
void AddDaemonTolerations(api::PodSpec* spec) {
  struct T {
    const char* key;
    const char* effect;
  };
  for (T t : {T{"node.kubernetes.io/not-ready", "NoExecute"},
              T{"node.kubernetes.io/unreachable", "NoExecute"},
              T{"node.kubernetes.io/disk-pressure", "NoSchedule"},
              T{"node.kubernetes.io/memory-pressure", "NoSchedule"},
              T{"node.kubernetes.io/pid-pressure", "NoSchedule"},
              T{"node.kubernetes.io/unschedulable", "NoSchedule"}}) {
    bool present = false;
    for (const auto& tol : spec->tolerations()) {
      present = present || (tol.key() == t.key && tol.effect() == t.effect);
    }
    if (present) continue;
    auto* tol = spec->add_tolerations();
    tol->set_key(t.key);
    tol->set_operator_("Exists");
    tol->set_effect(t.effect);
  }
}

std::string HashOf(const api::Pod& p) {
  auto it = p.metadata().labels().find(kHashLabel);
  return it == p.metadata().labels().end() ? "" : it->second;
}

}  // namespace

bool DaemonPodFits(const api::PodTemplateSpec& tmpl, const api::Node& node) {
  api::Pod probe;
  *probe.mutable_spec() = tmpl.spec();
  AddDaemonTolerations(probe.mutable_spec());
  scheduler::LabelIndex labels(node.metadata().labels());
  if (!scheduler::RequiredNodeAffinity::FromPod(probe).Matches(labels, node.metadata().name())) {
    return false;
  }
  return scheduler::FindUntoleratedTaint(node.spec().taints(), probe.spec().tolerations()) ==
         nullptr;
}

DaemonSetController::DaemonSetController(api::ApiClient& client)
    : client_(client), events_(client, "daemonset-controller") {}

DaemonSetController::~DaemonSetController() {
  Stop();
}

void DaemonSetController::StartInformers() {
  sets_ = std::make_unique<api::Informer<api::DaemonSet>>(client_);
  nodes_ = std::make_unique<api::Informer<api::Node>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  AddControllerIndex(*pods_);
  auto key_of = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  api::EventHandlers ds;
  ds.on_add = key_of;
  ds.on_update = [key_of](const api::ObjectPtr&, const api::ObjectPtr& o) { key_of(o); };
  sets_->AddHandlers(std::move(ds));
  auto all = [this](const api::ObjectPtr&) {
    for (const auto& s : sets_->List())
      queue_.Add(api::InformerBase::KeyOf(*s));
  };
  api::EventHandlers nodes;
  nodes.on_add = all;
  nodes.on_update = [all](const api::ObjectPtr&, const api::ObjectPtr& o) { all(o); };
  nodes.on_delete = all;
  nodes_->AddHandlers(std::move(nodes));
  auto owner = [this](const api::ObjectPtr& o) {
    const auto* meta = api::GetObjectMeta(*o);
    if (const auto* ref = ControllerRef(*meta); ref && ref->kind() == "DaemonSet") {
      queue_.Add(meta->namespace_() + "/" + ref->name());
    }
  };
  api::EventHandlers pods;
  pods.on_add = owner;
  pods.on_update = [owner](const api::ObjectPtr&, const api::ObjectPtr& o) { owner(o); };
  pods.on_delete = owner;
  pods_->AddHandlers(std::move(pods));
  nodes_->Start();
  pods_->Start();
  sets_->Start();
}

void DaemonSetController::StopInformers() {
  for (api::InformerBase* i :
       std::initializer_list<api::InformerBase*>{sets_.get(), nodes_.get(), pods_.get()}) {
    if (i) i->Stop();
  }
}

Status DaemonSetController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto ds = sets_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!ds || ds->metadata().has_deletion_timestamp()) return Status::Ok();
  if (!pods_->HasSynced() || !nodes_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  const std::string& ns = ds->metadata().namespace_();
  std::string hash = TemplateHash(ds->spec().template_());
  int64_t now = NowSeconds();

  std::map<std::string, std::vector<std::shared_ptr<const api::Pod>>> by_node;
  for (const auto& p : PodsControlledBy(*pods_, ns, ds->metadata().uid())) {
    by_node[p->spec().node_name()].push_back(p);
  }
  auto nodes = nodes_->List();
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
    return a->metadata().name() < b->metadata().name();
  });

  api::DaemonSetStatus st;
  int desired = 0;
  for (const auto& n : nodes)
    desired += DaemonPodFits(ds->spec().template_(), *n);
  const auto& ru = ds->spec().update_strategy().rolling_update();
  auto max_unavailable =
      api::ScaledValueFromIntOrPercent(ru.max_unavailable(), "maxUnavailable", desired, true);
  int budget = std::max<int>(1, max_unavailable.ok() ? static_cast<int>(*max_unavailable) : 1);
  bool rolling = ds->spec().update_strategy().type() != "OnDelete";

  auto delete_pod = [&](const api::Pod& p, const std::string& why) -> Status {
    api::DeleteRequest del;
    del.set_kind("Pod");
    del.set_namespace_(ns);
    del.set_name(p.metadata().name());
    del.set_precondition_uid(p.metadata().uid());
    auto r = client_.Delete(del);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    events_.Record(*ds, "Normal", "SuccessfulDelete",
                   "Deleted pod: " + p.metadata().name() + " (" + why + ")");
    return Status::Ok();
  };

  // First pass: count unavailable pods (they use up the update budget).
  int unavailable = 0;
  for (const auto& n : nodes) {
    if (!DaemonPodFits(ds->spec().template_(), *n)) continue;
    auto it = by_node.find(n->metadata().name());
    bool available = false;
    if (it != by_node.end()) {
      for (const auto& p : it->second) {
        available = available ||
                    (IsPodActive(*p) && IsPodAvailable(*p, ds->spec().min_ready_seconds(), now));
      }
    }
    if (!available) ++unavailable;
  }

  for (const auto& n : nodes) {
    const std::string& node = n->metadata().name();
    bool fits = DaemonPodFits(ds->spec().template_(), *n);
    auto& pods = by_node[node];
    std::vector<std::shared_ptr<const api::Pod>> active;
    for (const auto& p : pods) {
      if (IsPodActive(*p)) active.push_back(p);
    }
    if (!fits) {
      for (const auto& p : active) {
        st.set_number_misscheduled(st.number_misscheduled() + 1);
        SKIFF_RETURN_IF_ERROR(delete_pod(*p, "node no longer eligible"));
      }
      continue;
    }
    if (active.empty()) {
      bool terminating = std::any_of(pods.begin(), pods.end(), [](const auto& p) {
        return p->metadata().has_deletion_timestamp();
      });
      if (terminating) continue;  // wait for the old one to go
      api::Pod pod = PodFromTemplate(ds->spec().template_(), ns, ds->metadata().name() + "-", *ds);
      (*pod.mutable_metadata()->mutable_labels())[kHashLabel] = hash;
      pod.mutable_spec()->set_node_name(node);
      AddDaemonTolerations(pod.mutable_spec());
      auto r = api::CreateObject(client_, pod);
      if (!r.ok()) {
        events_.Record(*ds, "Warning", "FailedCreate", "Error creating: " + r.status().message());
        return r.status();
      }
      events_.Record(*ds, "Normal", "SuccessfulCreate", "Created pod: " + r->metadata().name());
      continue;
    }
    // Keep the newest matching pod, delete extras.
    std::sort(active.begin(), active.end(), [&](const auto& a, const auto& b) {
      return (HashOf(*a) == hash) > (HashOf(*b) == hash);
    });
    for (size_t i = 1; i < active.size(); ++i) {
      SKIFF_RETURN_IF_ERROR(delete_pod(*active[i], "more than one pod on the node"));
    }
    const auto& p = active[0];
    st.set_current_number_scheduled(st.current_number_scheduled() + 1);
    bool updated = HashOf(*p) == hash;
    bool available = IsPodAvailable(*p, ds->spec().min_ready_seconds(), now);
    if (updated) st.set_updated_number_scheduled(st.updated_number_scheduled() + 1);
    if (IsPodReady(*p)) st.set_number_ready(st.number_ready() + 1);
    if (available) st.set_number_available(st.number_available() + 1);
    // Rolling update: replace old pods while within maxUnavailable.
    if (rolling && !updated) {
      bool counted = !available;  // already unavailable: replacing it costs nothing more
      if (counted || unavailable < budget) {
        if (!counted) ++unavailable;
        SKIFF_RETURN_IF_ERROR(delete_pod(*p, "update to " + hash));
      }
    }
  }
  st.set_desired_number_scheduled(desired);
  st.set_number_unavailable(std::max(0, desired - st.number_available()));
  st.set_observed_generation(ds->metadata().generation());
  if (ds->status().has_collision_count()) st.set_collision_count(ds->status().collision_count());
  if (google::protobuf::util::MessageDifferencer::Equals(st, ds->status())) return Status::Ok();
  api::DaemonSet updated = *ds;
  *updated.mutable_status() = st;
  auto r = api::UpdateObject(client_, updated, /*status=*/true);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  return Status::Ok();
}

}  // namespace skiff::controllers
