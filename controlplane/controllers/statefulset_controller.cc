#include "controlplane/controllers/statefulset_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>

#include "api/client/typed.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

constexpr const char* kRevisionLabel = "controller-revision-hash";
constexpr const char* kPodNameLabel = "statefulset.kubernetes.io/pod-name";
constexpr const char* kPodIndexLabel = "apps.kubernetes.io/pod-index";

int Replicas(const api::StatefulSet& s) {
  return s.spec().has_replicas() ? s.spec().replicas() : 1;
}

std::string RevisionOf(const api::Pod& p) {
  auto it = p.metadata().labels().find(kRevisionLabel);
  return it == p.metadata().labels().end() ? "" : it->second;
}

bool RunningAndReady(const api::Pod& p) {
  return p.status().phase() == "Running" && IsPodReady(p) && !p.metadata().has_deletion_timestamp();
}

}  // namespace

int OrdinalOf(const std::string& set_name, const std::string& pod_name) {
  if (pod_name.size() <= set_name.size() + 1 ||
      pod_name.compare(0, set_name.size(), set_name) != 0 || pod_name[set_name.size()] != '-') {
    return -1;
  }
  std::string digits = pod_name.substr(set_name.size() + 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stoi(digits);
}

StatefulSetController::StatefulSetController(api::ApiClient& client)
    : client_(client), events_(client, "statefulset-controller") {}

StatefulSetController::~StatefulSetController() {
  Stop();
}

void StatefulSetController::StartInformers() {
  sets_ = std::make_unique<api::Informer<api::StatefulSet>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  AddControllerIndex(*pods_);
  api::EventHandlers s;
  s.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  s.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add(api::InformerBase::KeyOf(*o));
  };
  sets_->AddHandlers(std::move(s));
  auto owner = [this](const api::ObjectPtr& o) {
    const auto* meta = api::GetObjectMeta(*o);
    if (const auto* ref = ControllerRef(*meta); ref && ref->kind() == "StatefulSet") {
      queue_.Add(meta->namespace_() + "/" + ref->name());
    }
  };
  api::EventHandlers p;
  p.on_add = owner;
  p.on_update = [owner](const api::ObjectPtr&, const api::ObjectPtr& o) { owner(o); };
  p.on_delete = owner;
  pods_->AddHandlers(std::move(p));
  pods_->Start();
  sets_->Start();
}

void StatefulSetController::StopInformers() {
  if (sets_) sets_->Stop();
  if (pods_) pods_->Stop();
}

Status StatefulSetController::CreatePod(const api::StatefulSet& set, int ordinal,
                                        const std::string& revision) {
  std::string name = set.metadata().name() + "-" + std::to_string(ordinal);
  api::Pod pod = PodFromTemplate(set.spec().template_(), set.metadata().namespace_(), "", set);
  auto* meta = pod.mutable_metadata();
  meta->clear_generate_name();
  meta->set_name(name);
  (*meta->mutable_labels())[kPodNameLabel] = name;
  (*meta->mutable_labels())[kPodIndexLabel] = std::to_string(ordinal);
  (*meta->mutable_labels())[kRevisionLabel] = revision;
  pod.mutable_spec()->set_hostname(name);
  if (!set.spec().service_name().empty())
    pod.mutable_spec()->set_subdomain(set.spec().service_name());
  auto r = api::CreateObject(client_, pod);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kAlreadyExists) return Status::Ok();  // cache lag
    events_.Record(set, "Warning", "FailedCreate",
                   "create Pod " + name + " in StatefulSet " + set.metadata().name() +
                       " failed error: " + r.status().message());
    return r.status();
  }
  events_.Record(set, "Normal", "SuccessfulCreate",
                 "create Pod " + name + " in StatefulSet " + set.metadata().name() + " successful");
  return Status::Ok();
}

Status StatefulSetController::DeletePod(const api::StatefulSet& set, const api::Pod& pod,
                                        const std::string& why) {
  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_(pod.metadata().namespace_());
  del.set_name(pod.metadata().name());
  del.set_precondition_uid(pod.metadata().uid());
  auto r = client_.Delete(del);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  events_.Record(set, "Normal", "SuccessfulDelete",
                 "delete Pod " + pod.metadata().name() + " in StatefulSet " +
                     set.metadata().name() + " successful" + (why.empty() ? "" : " (" + why + ")"));
  return Status::Ok();
}

Status StatefulSetController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto set = sets_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!set || set->metadata().has_deletion_timestamp()) return Status::Ok();
  if (!pods_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  const std::string& name = set->metadata().name();
  std::string revision = name + "-" + TemplateHash(set->spec().template_());
  int start = set->spec().ordinals().start();
  int replicas = Replicas(*set);
  bool parallel = set->spec().pod_management_policy() == "Parallel";
  bool on_delete = set->spec().update_strategy().type() == "OnDelete";
  int partition = set->spec().update_strategy().rolling_update().has_partition()
                      ? set->spec().update_strategy().rolling_update().partition()
                      : 0;

  auto owned = PodsControlledBy(*pods_, set->metadata().namespace_(), set->metadata().uid());
  std::map<int, std::shared_ptr<const api::Pod>> by_ordinal;
  for (const auto& p : owned) {
    int ord = OrdinalOf(name, p->metadata().name());
    if (ord >= 0) by_ordinal[ord] = p;
  }

  // Replace failed pods (once they are gone they are recreated below).
  for (const auto& [ord, p] : by_ordinal) {
    if (p->status().phase() == "Failed" && !p->metadata().has_deletion_timestamp()) {
      SKIFF_RETURN_IF_ERROR(DeletePod(*set, *p, "failed"));
      if (!parallel) return UpdateStatus(*set, owned, revision);
    }
  }
  // Create missing pods in order.
  bool all_ready = true;
  for (int ord = start; ord < start + replicas; ++ord) {
    auto it = by_ordinal.find(ord);
    if (it == by_ordinal.end()) {
      SKIFF_RETURN_IF_ERROR(CreatePod(*set, ord, revision));
      all_ready = false;
      if (!parallel) return UpdateStatus(*set, owned, revision);
      continue;
    }
    if (!RunningAndReady(*it->second)) {
      all_ready = false;
      if (!parallel) return UpdateStatus(*set, owned, revision);
    }
  }
  // Remove condemned pods (ordinals beyond the set), highest first.
  for (auto it = by_ordinal.rbegin(); it != by_ordinal.rend(); ++it) {
    int ord = it->first;
    if (ord >= start && ord < start + replicas) continue;
    if (it->second->metadata().has_deletion_timestamp()) {
      if (!parallel) return UpdateStatus(*set, owned, revision);  // wait for it to go
      continue;
    }
    if (!parallel && !all_ready) return UpdateStatus(*set, owned, revision);
    SKIFF_RETURN_IF_ERROR(DeletePod(*set, *it->second, "scale down"));
    if (!parallel) return UpdateStatus(*set, owned, revision);
  }
  // Rolling update: highest ordinal at the old revision first, down to the partition.
  if (!on_delete && all_ready) {
    for (int ord = start + replicas - 1; ord >= start + partition; --ord) {
      auto it = by_ordinal.find(ord);
      if (it == by_ordinal.end() || RevisionOf(*it->second) == revision) continue;
      if (it->second->metadata().has_deletion_timestamp()) break;  // in progress
      SKIFF_RETURN_IF_ERROR(DeletePod(*set, *it->second, "update to " + revision));
      break;
    }
  }
  return UpdateStatus(*set, owned, revision);
}

Status StatefulSetController::UpdateStatus(const api::StatefulSet& set,
                                           const std::vector<std::shared_ptr<const api::Pod>>& pods,
                                           const std::string& update_revision) {
  api::StatefulSetStatus st;
  st.set_observed_generation(set.metadata().generation());
  std::string current =
      set.status().current_revision().empty() ? update_revision : set.status().current_revision();
  int64_t now = NowSeconds();
  int updated = 0, at_current = 0;
  for (const auto& p : pods) {
    if (p->metadata().has_deletion_timestamp()) continue;
    st.set_replicas(st.replicas() + 1);
    if (IsPodReady(*p)) st.set_ready_replicas(st.ready_replicas() + 1);
    if (IsPodAvailable(*p, set.spec().min_ready_seconds(), now)) {
      st.set_available_replicas(st.available_replicas() + 1);
    }
    if (RevisionOf(*p) == update_revision) ++updated;
    if (RevisionOf(*p) == current) ++at_current;
  }
  // When every pod runs the update revision, it becomes the current one.
  if (updated == Replicas(set) && st.ready_replicas() == Replicas(set)) {
    current = update_revision;
    at_current = updated;
  }
  st.set_updated_replicas(updated);
  st.set_current_replicas(at_current);
  st.set_current_revision(current);
  st.set_update_revision(update_revision);
  if (set.status().has_collision_count()) st.set_collision_count(set.status().collision_count());
  if (google::protobuf::util::MessageDifferencer::Equals(st, set.status())) return Status::Ok();
  api::StatefulSet updated_set = set;
  *updated_set.mutable_status() = st;
  auto r = api::UpdateObject(client_, updated_set, /*status=*/true);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  return Status::Ok();
}

}  // namespace skiff::controllers
