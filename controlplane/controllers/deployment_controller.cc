#include "controlplane/controllers/deployment_controller.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "common/log.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using RsPtr = std::shared_ptr<const api::ReplicaSet>;

int Desired(const api::Deployment& d) {
  return d.spec().has_replicas() ? d.spec().replicas() : 1;
}
int Replicas(const api::ReplicaSet& rs) {
  return rs.spec().has_replicas() ? rs.spec().replicas() : 1;
}

int64_t Revision(const api::ReplicaSet& rs) {
  auto it = rs.metadata().annotations().find(kRevisionAnnotation);
  if (it == rs.metadata().annotations().end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return 0;
  }
}

// The template without the pod-template-hash label: what a Deployment's
// template is compared by.
api::PodTemplateSpec WithoutHash(const api::PodTemplateSpec& t) {
  api::PodTemplateSpec copy = t;
  copy.mutable_metadata()->mutable_labels()->erase(kPodTemplateHashLabel);
  return copy;
}

const api::DeploymentCondition* FindCondition(const api::DeploymentStatus& st,
                                              const std::string& type) {
  for (const auto& c : st.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

// Sets condition `type`, keeping lastTransitionTime unless the status flips
// and lastUpdateTime unless anything changes (or `touch`).
void SetCondition(api::DeploymentStatus* st, const api::DeploymentStatus& old,
                  const std::string& type, const std::string& status, const std::string& reason,
                  const std::string& message, bool touch) {
  auto now = TimeUtil::GetCurrentTime();
  api::DeploymentCondition c;
  c.set_type(type);
  c.set_status(status);
  c.set_reason(reason);
  c.set_message(message);
  const auto* prev = FindCondition(old, type);
  if (prev && prev->status() == status) {
    *c.mutable_last_transition_time() = prev->last_transition_time();
    bool same = prev->reason() == reason && prev->message() == message;
    *c.mutable_last_update_time() = same && !touch ? prev->last_update_time() : now;
  } else {
    *c.mutable_last_transition_time() = now;
    *c.mutable_last_update_time() = now;
  }
  *st->add_conditions() = c;
}

}  // namespace

RollingLimits ResolveRollingLimits(const api::Deployment& d) {
  RollingLimits l;
  int desired = Desired(d);
  const auto& ru = d.spec().strategy().rolling_update();
  auto surge = api::ScaledValueFromIntOrPercent(ru.max_surge(), "maxSurge", desired, true);
  auto unavail =
      api::ScaledValueFromIntOrPercent(ru.max_unavailable(), "maxUnavailable", desired, false);
  l.max_surge = surge.ok() ? static_cast<int>(*surge) : 1;
  l.max_unavailable = unavail.ok() ? static_cast<int>(*unavail) : 0;
  if (l.max_unavailable > desired) l.max_unavailable = desired;
  if (l.max_surge == 0 && l.max_unavailable == 0) l.max_unavailable = 1;
  return l;
}

DeploymentController::DeploymentController(api::ApiClient& client)
    : client_(client), events_(client, "deployment-controller") {}

DeploymentController::~DeploymentController() {
  Stop();
}

void DeploymentController::StartInformers() {
  deployments_ = std::make_unique<api::Informer<api::Deployment>>(client_);
  sets_ = std::make_unique<api::Informer<api::ReplicaSet>>(client_);
  AddControllerIndex(*sets_);
  api::EventHandlers d;
  d.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  d.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add(api::InformerBase::KeyOf(*o));
  };
  deployments_->AddHandlers(std::move(d));
  auto owner = [this](const api::ObjectPtr& o) {
    const auto* meta = api::GetObjectMeta(*o);
    if (const auto* ref = ControllerRef(*meta); ref && ref->kind() == "Deployment") {
      queue_.Add(meta->namespace_() + "/" + ref->name());
    }
  };
  api::EventHandlers rs;
  rs.on_add = owner;
  rs.on_update = [owner](const api::ObjectPtr&, const api::ObjectPtr& o) { owner(o); };
  rs.on_delete = owner;
  sets_->AddHandlers(std::move(rs));
  sets_->Start();
  deployments_->Start();
}

void DeploymentController::StopInformers() {
  if (deployments_) deployments_->Stop();
  if (sets_) sets_->Stop();
}

Result<bool> DeploymentController::ScaleReplicaSet(const api::Deployment& d,
                                                   const api::ReplicaSet& rs, int replicas) {
  if (Replicas(rs) == replicas) return false;
  api::ReplicaSet scaled = rs;
  scaled.mutable_spec()->set_replicas(replicas);
  auto r = api::UpdateObject(client_, scaled);
  if (!r.ok()) return r.status();
  events_.Record(d, "Normal", "ScalingReplicaSet",
                 std::string(replicas > Replicas(rs) ? "Scaled up" : "Scaled down") +
                     " replica set " + rs.metadata().name() + " from " +
                     std::to_string(Replicas(rs)) + " to " + std::to_string(replicas));
  return true;
}

Result<RsPtr> DeploymentController::EnsureNewReplicaSet(const api::Deployment& d,
                                                        const std::string& hash, RsPtr existing,
                                                        const std::vector<RsPtr>& old,
                                                        int replicas) {
  int64_t max_old = 0;
  for (const auto& rs : old)
    max_old = std::max(max_old, Revision(*rs));
  std::string revision = std::to_string(max_old + 1);
  if (existing) {
    // Re-used (a rollback) or current: make sure it carries the newest revision.
    if (Revision(*existing) > max_old) return existing;
    api::ReplicaSet bumped = *existing;
    (*bumped.mutable_metadata()->mutable_annotations())[kRevisionAnnotation] = revision;
    auto r = api::UpdateObject(client_, bumped);
    if (!r.ok()) return r.status();
    return RsPtr(std::make_shared<api::ReplicaSet>(std::move(*r)));
  }
  api::ReplicaSet rs;
  auto* meta = rs.mutable_metadata();
  meta->set_name(d.metadata().name() + "-" + hash);
  meta->set_namespace_(d.metadata().namespace_());
  *meta->mutable_labels() = d.spec().template_().metadata().labels();
  (*meta->mutable_labels())[kPodTemplateHashLabel] = hash;
  (*meta->mutable_annotations())[kRevisionAnnotation] = revision;
  auto cause = d.metadata().annotations().find(kChangeCauseAnnotation);
  if (cause != d.metadata().annotations().end()) {
    (*meta->mutable_annotations())[kChangeCauseAnnotation] = cause->second;
  }
  *meta->add_owner_references() = MakeControllerRef(d);
  rs.mutable_spec()->set_replicas(replicas);
  rs.mutable_spec()->set_min_ready_seconds(d.spec().min_ready_seconds());
  *rs.mutable_spec()->mutable_selector() = d.spec().selector();
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())[kPodTemplateHashLabel] = hash;
  *rs.mutable_spec()->mutable_template_() = d.spec().template_();
  (*rs.mutable_spec()
        ->mutable_template_()
        ->mutable_metadata()
        ->mutable_labels())[kPodTemplateHashLabel] = hash;
  auto r = api::CreateObject(client_, rs);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kAlreadyExists) {
      // Ours, not yet in the cache; or a foreign one with our name.
      auto live = api::GetObject<api::ReplicaSet>(client_, d.metadata().namespace_(), meta->name());
      if (live.ok() && IsControlledBy(live->metadata(), d.metadata().uid())) {
        return RsPtr(std::make_shared<api::ReplicaSet>(std::move(*live)));
      }
    }
    return r.status();
  }
  events_.Record(d, "Normal", "ScalingReplicaSet",
                 "Scaled up replica set " + meta->name() + " to " + std::to_string(replicas));
  return RsPtr(std::make_shared<api::ReplicaSet>(std::move(*r)));
}

Status DeploymentController::RollingUpdate(const api::Deployment& d, RsPtr new_rs,
                                           const std::vector<RsPtr>& old, bool* progressed) {
  int desired = Desired(d);
  RollingLimits limits = ResolveRollingLimits(d);
  // Scale the new ReplicaSet up within maxSurge.
  int total = Replicas(*new_rs);
  for (const auto& rs : old)
    total += Replicas(*rs);
  int target = Replicas(*new_rs);
  if (target > desired) {
    target = desired;
  } else if (total < desired + limits.max_surge) {
    target = std::min(desired, target + (desired + limits.max_surge - total));
  }
  auto up = ScaleReplicaSet(d, *new_rs, target);
  if (!up.ok()) return up.status();
  *progressed |= *up;
  total += target - Replicas(*new_rs);

  // Scale old ReplicaSets down while keeping minAvailable.
  int min_available = desired - limits.max_unavailable;
  int new_unavailable = std::max(0, target - new_rs->status().available_replicas());
  int max_scale_down = total - min_available - new_unavailable;
  if (max_scale_down <= 0) return Status::Ok();
  std::vector<RsPtr> oldest_first = old;
  std::sort(oldest_first.begin(), oldest_first.end(), [](const RsPtr& a, const RsPtr& b) {
    return a->metadata().creation_timestamp().seconds() <
           b->metadata().creation_timestamp().seconds();
  });
  std::map<std::string, int> replicas;
  for (const auto& rs : oldest_first)
    replicas[rs->metadata().name()] = Replicas(*rs);
  // Unhealthy old pods first: they do not count towards availability.
  int cleaned = 0;
  for (const auto& rs : oldest_first) {
    if (cleaned >= max_scale_down) break;
    int& n = replicas[rs->metadata().name()];
    int unhealthy = std::max(0, n - rs->status().available_replicas());
    int cut = std::min({unhealthy, max_scale_down - cleaned, n});
    n -= cut;
    cleaned += cut;
  }
  // Then available ones, as far as availability allows.
  int available = new_rs->status().available_replicas();
  for (const auto& rs : oldest_first)
    available += rs->status().available_replicas();
  int can_remove = std::max(0, available - min_available);
  int removed = 0;
  for (const auto& rs : oldest_first) {
    if (removed >= can_remove || cleaned + removed >= max_scale_down) break;
    int& n = replicas[rs->metadata().name()];
    int cut = std::min({n, can_remove - removed, max_scale_down - cleaned - removed});
    n -= cut;
    removed += cut;
  }
  for (const auto& rs : oldest_first) {
    auto r = ScaleReplicaSet(d, *rs, replicas[rs->metadata().name()]);
    if (!r.ok()) return r.status();
    *progressed |= *r;
  }
  return Status::Ok();
}

Status DeploymentController::Recreate(const api::Deployment& d, RsPtr new_rs,
                                      const std::vector<RsPtr>& old, const std::string& hash,
                                      bool* progressed) {
  bool old_running = false;
  for (const auto& rs : old) {
    auto r = ScaleReplicaSet(d, *rs, 0);
    if (!r.ok()) return r.status();
    *progressed |= *r;
    if (rs->status().replicas() > 0 || rs->status().terminating_replicas() > 0 || *r) {
      old_running = true;
    }
  }
  if (old_running) return Status::Ok();  // the ReplicaSet updates re-queue us
  if (!new_rs) {
    auto created = EnsureNewReplicaSet(d, hash, nullptr, old, Desired(d));
    if (!created.ok()) return created.status();
    *progressed = true;
    return Status::Ok();
  }
  auto r = ScaleReplicaSet(d, *new_rs, Desired(d));
  if (!r.ok()) return r.status();
  *progressed |= *r;
  return Status::Ok();
}

Status DeploymentController::CleanupHistory(const api::Deployment& d,
                                            const std::vector<RsPtr>& old) {
  int limit = d.spec().has_revision_history_limit() ? d.spec().revision_history_limit() : 10;
  std::vector<RsPtr> idle;
  for (const auto& rs : old) {
    if (Replicas(*rs) == 0 && rs->status().replicas() == 0 &&
        !rs->metadata().has_deletion_timestamp()) {
      idle.push_back(rs);
    }
  }
  if (static_cast<int>(idle.size()) <= limit) return Status::Ok();
  std::sort(idle.begin(), idle.end(),
            [](const RsPtr& a, const RsPtr& b) { return Revision(*a) < Revision(*b); });
  for (size_t i = 0; i + limit < idle.size(); ++i) {
    Status s = api::DeleteObject<api::ReplicaSet>(client_, d.metadata().namespace_(),
                                                  idle[i]->metadata().name());
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::Ok();
}

Status DeploymentController::SyncStatus(const api::Deployment& d, RsPtr new_rs,
                                        const std::vector<RsPtr>& all, bool progressed) {
  api::DeploymentStatus st;
  st.set_observed_generation(d.metadata().generation());
  int spec_total = 0;
  for (const auto& rs : all) {
    st.set_replicas(st.replicas() + rs->status().replicas());
    st.set_ready_replicas(st.ready_replicas() + rs->status().ready_replicas());
    st.set_available_replicas(st.available_replicas() + rs->status().available_replicas());
    spec_total += Replicas(*rs);
  }
  if (new_rs) st.set_updated_replicas(new_rs->status().replicas());
  st.set_unavailable_replicas(std::max(0, spec_total - st.available_replicas()));
  if (d.status().has_collision_count()) st.set_collision_count(d.status().collision_count());

  int desired = Desired(d);
  RollingLimits limits = ResolveRollingLimits(d);
  int min_available =
      d.spec().strategy().type() == "Recreate" ? desired : desired - limits.max_unavailable;
  if (st.available_replicas() >= min_available) {
    SetCondition(&st, d.status(), "Available", "True", "MinimumReplicasAvailable",
                 "Deployment has minimum availability.", false);
  } else {
    SetCondition(&st, d.status(), "Available", "False", "MinimumReplicasUnavailable",
                 "Deployment does not have minimum availability.", false);
  }
  std::string rs_name = new_rs ? new_rs->metadata().name() : d.metadata().name();
  bool complete = new_rs && st.updated_replicas() == desired && st.replicas() == desired &&
                  st.available_replicas() == desired && Replicas(*new_rs) == desired;
  int deadline =
      d.spec().has_progress_deadline_seconds() ? d.spec().progress_deadline_seconds() : 600;
  const auto* prev = FindCondition(d.status(), "Progressing");
  bool available_grew = st.available_replicas() > d.status().available_replicas() ||
                        st.updated_replicas() > d.status().updated_replicas();
  if (d.spec().paused()) {
    SetCondition(&st, d.status(), "Progressing", "Unknown", "DeploymentPaused",
                 "Deployment is paused", false);
  } else if (complete) {
    SetCondition(&st, d.status(), "Progressing", "True", "NewReplicaSetAvailable",
                 "ReplicaSet \"" + rs_name + "\" has successfully progressed.", false);
  } else if (progressed || available_grew || !prev || prev->reason() == "NewReplicaSetAvailable" ||
             prev->reason() == "DeploymentPaused") {
    SetCondition(&st, d.status(), "Progressing", "True", "ReplicaSetUpdated",
                 "ReplicaSet \"" + rs_name + "\" is progressing.", true);
  } else if (prev->reason() != "ProgressDeadlineExceeded" &&
             NowSeconds() - prev->last_update_time().seconds() > deadline) {
    SetCondition(&st, d.status(), "Progressing", "False", "ProgressDeadlineExceeded",
                 "ReplicaSet \"" + rs_name + "\" has timed out progressing.", false);
    events_.Record(d, "Warning", "ProgressDeadlineExceeded",
                   "Deployment \"" + d.metadata().name() + "\" has timed out progressing.");
  } else {
    *st.add_conditions() = *prev;
  }
  if (!complete && !d.spec().paused()) {
    // Re-check the deadline even when nothing else happens.
    queue_.AddAfter(api::InformerBase::KeyOf(d), std::chrono::seconds(std::min(deadline, 30) + 1));
  }
  if (MessageDifferencer::Equals(st, d.status())) return Status::Ok();
  api::Deployment updated = d;
  *updated.mutable_status() = st;
  auto r = api::UpdateObject(client_, updated, /*status=*/true);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  return Status::Ok();
}

Status DeploymentController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto d = deployments_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!d || d->metadata().has_deletion_timestamp()) return Status::Ok();
  if (!sets_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  std::vector<RsPtr> owned;
  for (const auto& o : sets_->Indexed(kControllerIndex, d->metadata().uid())) {
    if (o->metadata().namespace_() == d->metadata().namespace_()) owned.push_back(o);
  }
  api::PodTemplateSpec current = WithoutHash(d->spec().template_());
  std::string hash = TemplateHash(current);
  RsPtr new_rs;
  std::vector<RsPtr> old;
  for (const auto& rs : owned) {
    if (!new_rs && MessageDifferencer::Equals(WithoutHash(rs->spec().template_()), current)) {
      new_rs = rs;
    } else {
      old.push_back(rs);
    }
  }
  bool progressed = false;
  if (!d->spec().paused()) {
    if (d->spec().strategy().type() == "Recreate") {
      if (new_rs) {
        auto ensured = EnsureNewReplicaSet(*d, hash, new_rs, old, Replicas(*new_rs));
        if (!ensured.ok()) return ensured.status();
        new_rs = *ensured;
      }
      SKIFF_RETURN_IF_ERROR(Recreate(*d, new_rs, old, hash, &progressed));
    } else {
      if (!new_rs) {
        // Start within maxSurge of what already runs.
        int desired = Desired(*d);
        int total = 0;
        for (const auto& rs : old)
          total += Replicas(*rs);
        int start = std::clamp(desired + ResolveRollingLimits(*d).max_surge - total, 0, desired);
        auto created = EnsureNewReplicaSet(*d, hash, nullptr, old, start);
        if (!created.ok()) return created.status();
        new_rs = *created;
        progressed = true;
      } else {
        auto ensured = EnsureNewReplicaSet(*d, hash, new_rs, old, Replicas(*new_rs));
        if (!ensured.ok()) return ensured.status();
        new_rs = *ensured;
      }
      SKIFF_RETURN_IF_ERROR(RollingUpdate(*d, new_rs, old, &progressed));
    }
    SKIFF_RETURN_IF_ERROR(CleanupHistory(*d, old));
  }
  // The Deployment shows the revision of its current ReplicaSet.
  if (new_rs) {
    std::string rev = std::to_string(Revision(*new_rs));
    auto it = d->metadata().annotations().find(kRevisionAnnotation);
    if (it == d->metadata().annotations().end() || it->second != rev) {
      api::Deployment annotated = *d;
      (*annotated.mutable_metadata()->mutable_annotations())[kRevisionAnnotation] = rev;
      auto r = api::UpdateObject(client_, annotated);
      if (!r.ok()) return r.status();
      return Status::Ok();  // the update re-queues us with fresh state
    }
  }
  std::vector<RsPtr> all = old;
  if (new_rs) all.push_back(new_rs);
  return SyncStatus(*d, new_rs, all, progressed);
}

}  // namespace skiff::controllers
