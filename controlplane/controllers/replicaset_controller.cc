#include "controlplane/controllers/replicaset_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "api/client/typed.h"
#include "api/labels.h"
#include "common/log.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

constexpr int kMaxBurst = 500;
// Pods created at once within one slow-start batch.
constexpr int kMaxConcurrentCreates = 16;

std::string KeyOf(const api::ObjectMeta& meta) {
  return meta.namespace_() + "/" + meta.name();
}

}  // namespace

ReplicaSetController::ReplicaSetController(api::ApiClient& client)
    : client_(client), events_(client, "replicaset-controller") {}

ReplicaSetController::~ReplicaSetController() {
  Stop();
}

void ReplicaSetController::StartInformers() {
  sets_ = std::make_unique<api::Informer<api::ReplicaSet>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  AddControllerIndex(*pods_);
  api::EventHandlers rs;
  rs.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  rs.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add(api::InformerBase::KeyOf(*o));
  };
  rs.on_delete = [this](const api::ObjectPtr& o) {
    expectations_.Forget(api::InformerBase::KeyOf(*o));
  };
  sets_->AddHandlers(std::move(rs));
  api::EventHandlers pod;
  pod.on_add = [this](const api::ObjectPtr& o) {
    const auto& p = static_cast<const api::Pod&>(*o);
    if (const auto* ref = ControllerRef(p.metadata()); ref && ref->kind() == "ReplicaSet") {
      expectations_.CreationObserved(p.metadata().namespace_() + "/" + ref->name());
    }
    OnPod(p);
  };
  pod.on_update = [this](const api::ObjectPtr& old, const api::ObjectPtr& o) {
    OnPod(static_cast<const api::Pod&>(*old));
    OnPod(static_cast<const api::Pod&>(*o));
  };
  pod.on_delete = [this](const api::ObjectPtr& o) {
    const auto& p = static_cast<const api::Pod&>(*o);
    if (const auto* ref = ControllerRef(p.metadata()); ref && ref->kind() == "ReplicaSet") {
      expectations_.DeletionObserved(p.metadata().namespace_() + "/" + ref->name());
    }
    OnPod(p);
  };
  pods_->AddHandlers(std::move(pod));
  pods_->Start();
  sets_->Start();
}

void ReplicaSetController::StopInformers() {
  if (sets_) sets_->Stop();
  if (pods_) pods_->Stop();
}

void ReplicaSetController::OnPod(const api::Pod& pod) {
  if (const auto* ref = ControllerRef(pod.metadata())) {
    if (ref->kind() == "ReplicaSet") queue_.Add(pod.metadata().namespace_() + "/" + ref->name());
    return;
  }
  // An orphan: every ReplicaSet whose selector matches may adopt it.
  for (const auto& rs : sets_->List(pod.metadata().namespace_())) {
    auto sel = api::Selector::FromLabelSelector(rs->spec().selector());
    if (sel.ok() && !sel->empty() && sel->Matches(pod.metadata().labels())) {
      queue_.Add(KeyOf(rs->metadata()));
    }
  }
}

Status ReplicaSetController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto rs = sets_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!rs) {
    expectations_.Forget(key);
    return Status::Ok();
  }
  const std::string& ns = rs->metadata().namespace_();
  auto selector = api::Selector::FromLabelSelector(rs->spec().selector());
  if (!selector.ok() || selector->empty()) return Status::Ok();  // validation forbids this

  auto owned = PodsControlledBy(*pods_, ns, rs->metadata().uid());
  // Adopt orphans that match (not while we are being deleted).
  if (!rs->metadata().has_deletion_timestamp()) {
    for (const auto& p : pods_->List(ns)) {
      if (ControllerRef(p->metadata()) || !IsPodActive(*p)) continue;
      if (!selector->Matches(p->metadata().labels())) continue;
      api::Pod adopted = *p;
      *adopted.mutable_metadata()->add_owner_references() = MakeControllerRef(*rs);
      auto r = api::UpdateObject(client_, adopted);
      if (r.ok()) owned.push_back(std::make_shared<api::Pod>(std::move(*r)));
    }
  }
  // Pods we own that no longer match are released.
  std::vector<std::shared_ptr<const api::Pod>> active;
  std::vector<std::shared_ptr<const api::Pod>> matching;
  for (const auto& p : owned) {
    if (!selector->Matches(p->metadata().labels())) {
      api::Pod released = *p;
      auto* refs = released.mutable_metadata()->mutable_owner_references();
      refs->erase(std::remove_if(refs->begin(), refs->end(),
                                 [&](const api::OwnerReference& r) {
                                   return r.uid() == rs->metadata().uid();
                                 }),
                  refs->end());
      (void)api::UpdateObject(client_, released);
      continue;
    }
    matching.push_back(p);
    if (IsPodActive(*p)) active.push_back(p);
  }
  Status scaled = Status::Ok();
  if (expectations_.Satisfied(key) && !rs->metadata().has_deletion_timestamp()) {
    scaled = Scale(*rs, key, active);
  }
  Status status = UpdateStatus(*rs, matching);
  return scaled.ok() ? status : scaled;
}

Status ReplicaSetController::Scale(const api::ReplicaSet& rs, const std::string& key,
                                   std::vector<std::shared_ptr<const api::Pod>>& active) {
  int desired = rs.spec().has_replicas() ? rs.spec().replicas() : 1;
  int diff = desired - static_cast<int>(active.size());
  if (diff > 0) {
    diff = std::min(diff, kMaxBurst);
    expectations_.Expect(key, diff, 0);
    // Slow start as kube-controller-manager does: batches of 1, 2, 4, ...
    // pods created concurrently (each create waits for its own durable
    // commit, so one at a time would serialise on the store's fsyncs); a
    // failure ends the round after its batch, so a broken template costs
    // one error, not `diff`.
    int created = 0;
    for (int batch = 1; created < diff; batch = std::min(batch * 2, diff - created)) {
      int batch_end = std::min(diff, created + batch);
      std::atomic<int> next{created};
      std::atomic<int> failures{0};
      std::mutex error_mu;
      Status first_error;
      auto worker = [&] {
        for (int i = next++; i < batch_end; i = next++) {
          api::Pod pod = PodFromTemplate(rs.spec().template_(), rs.metadata().namespace_(),
                                         rs.metadata().name() + "-", rs);
          auto r = api::CreateObject(client_, pod);
          if (!r.ok()) {
            expectations_.CreationFailed(key);
            ++failures;
            std::lock_guard lock(error_mu);
            if (first_error.ok()) first_error = r.status();
            continue;
          }
          events_.Record(rs, "Normal", "SuccessfulCreate", "Created pod: " + r->metadata().name());
        }
      };
      int threads = std::min(batch_end - created, kMaxConcurrentCreates);
      std::vector<std::thread> pool;
      for (int t = 1; t < threads; ++t)
        pool.emplace_back(worker);
      worker();
      for (auto& t : pool)
        t.join();
      created = batch_end;
      if (failures > 0) {
        // Nothing more will be observed for the rest of this round.
        for (int i = created; i < diff; ++i)
          expectations_.CreationFailed(key);
        events_.Record(rs, "Warning", "FailedCreate", "Error creating: " + first_error.message());
        return first_error;
      }
    }
  } else if (diff < 0) {
    SortForDeletion(active);
    int n = std::min(-diff, kMaxBurst);
    expectations_.Expect(key, 0, n);
    for (int i = 0; i < n; ++i) {
      api::DeleteRequest del;
      del.set_kind("Pod");
      del.set_namespace_(active[i]->metadata().namespace_());
      del.set_name(active[i]->metadata().name());
      del.set_precondition_uid(active[i]->metadata().uid());
      auto r = client_.Delete(del);
      if (!r.ok()) {
        expectations_.DeletionFailed(key);
        if (r.status().code() != StatusCode::kNotFound) return r.status();
        continue;
      }
      events_.Record(rs, "Normal", "SuccessfulDelete",
                     "Deleted pod: " + active[i]->metadata().name());
    }
  }
  return Status::Ok();
}

Status ReplicaSetController::UpdateStatus(
    const api::ReplicaSet& rs, const std::vector<std::shared_ptr<const api::Pod>>& owned) {
  api::ReplicaSetStatus st;
  int64_t now = NowSeconds();
  api::Selector template_labels =
      api::Selector::FromLabels(rs.spec().template_().metadata().labels());
  int terminating = 0;
  for (const auto& p : owned) {
    if (!IsPodActive(*p)) {
      if (p->metadata().has_deletion_timestamp()) ++terminating;
      continue;
    }
    st.set_replicas(st.replicas() + 1);
    if (template_labels.Matches(p->metadata().labels())) {
      st.set_fully_labeled_replicas(st.fully_labeled_replicas() + 1);
    }
    if (IsPodReady(*p)) st.set_ready_replicas(st.ready_replicas() + 1);
    if (IsPodAvailable(*p, rs.spec().min_ready_seconds(), now)) {
      st.set_available_replicas(st.available_replicas() + 1);
    }
  }
  st.set_terminating_replicas(terminating);
  st.set_observed_generation(rs.metadata().generation());
  *st.mutable_conditions() = rs.status().conditions();
  if (google::protobuf::util::MessageDifferencer::Equals(st, rs.status())) return Status::Ok();
  api::ReplicaSet updated = rs;
  *updated.mutable_status() = st;
  auto r = api::UpdateObject(client_, updated, /*status=*/true);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  // Pods becoming available after minReadySeconds need another look then.
  if (rs.spec().min_ready_seconds() > 0 && st.available_replicas() < st.ready_replicas()) {
    queue_.AddAfter(KeyOf(rs.metadata()), std::chrono::seconds(rs.spec().min_ready_seconds()));
  }
  return Status::Ok();
}

}  // namespace skiff::controllers
