#include "controlplane/controllers/garbage_collector.h"

#include <google/protobuf/message.h>

#include <algorithm>

#include "api/kinds.h"
#include "common/log.h"
#include "skiff/api/meta.pb.h"

namespace skiff::controllers {
namespace {

using google::protobuf::Message;

constexpr const char* kOwnerIndex = "owner-uid";
constexpr const char* kForeground = "foregroundDeletion";
constexpr const char* kOrphan = "orphan";

bool HasFinalizer(const api::ObjectMeta& meta, const char* f) {
  return std::find(meta.finalizers().begin(), meta.finalizers().end(), f) !=
         meta.finalizers().end();
}

}  // namespace

GarbageCollector::GarbageCollector(api::ApiClient& client) : client_(client) {}

GarbageCollector::~GarbageCollector() {
  Stop();
}

void GarbageCollector::StartInformers() {
  for (const api::KindInfo* kind : api::AllKinds()) {
    auto informer = std::make_unique<api::InformerBase>(client_, *kind);
    informer->AddIndex(kOwnerIndex, [](const Message& m) {
      std::vector<std::string> uids;
      for (const auto& ref : api::GetObjectMeta(m)->owner_references())
        uids.push_back(ref.uid());
      return uids;
    });
    const api::KindInfo* k = kind;
    api::EventHandlers h;
    h.on_add = [this, k](const api::ObjectPtr& o) { Enqueue(*k, *o); };
    h.on_update = [this, k](const api::ObjectPtr&, const api::ObjectPtr& o) { Enqueue(*k, *o); };
    h.on_delete = [this](const api::ObjectPtr& o) {
      // Its dependents may now be orphans.
      for (const auto& dep : DependentsOf(api::GetObjectMeta(*o)->uid())) {
        if (const auto* dk = api::FindKindOf(*dep)) Enqueue(*dk, *dep);
      }
    };
    informer->AddHandlers(std::move(h));
    informers_[std::string(kind->kind)] = std::move(informer);
  }
  for (auto& [name, informer] : informers_)
    informer->Start();
}

void GarbageCollector::StopInformers() {
  for (auto& [name, informer] : informers_)
    informer->Stop();
}

void GarbageCollector::Enqueue(const api::KindInfo& kind, const Message& object) {
  const api::ObjectMeta* meta = api::GetObjectMeta(object);
  bool relevant = meta->owner_references_size() > 0 ||
                  (meta->has_deletion_timestamp() &&
                   (HasFinalizer(*meta, kForeground) || HasFinalizer(*meta, kOrphan)));
  if (relevant) queue_.Add(std::string(kind.kind) + "|" + api::InformerBase::KeyOf(object));
}

std::vector<api::ObjectPtr> GarbageCollector::DependentsOf(const std::string& uid) const {
  std::vector<api::ObjectPtr> out;
  for (const auto& [name, informer] : informers_) {
    auto deps = informer->ByIndex(kOwnerIndex, uid);
    out.insert(out.end(), deps.begin(), deps.end());
  }
  return out;
}

GarbageCollector::OwnerState GarbageCollector::LookupOwner(const std::string& ns,
                                                           const std::string& api_version,
                                                           const std::string& kind_name,
                                                           const std::string& name,
                                                           const std::string& uid) {
  const api::KindInfo* kind = api::FindKind(api_version, kind_name);
  if (!kind) kind = api::FindKind(kind_name);
  if (!kind) return OwnerState::kAbsent;  // a kind this cluster does not have
  std::string owner_ns = kind->namespaced ? ns : "";
  auto it = informers_.find(std::string(kind->kind));
  if (it != informers_.end()) {
    auto cached = it->second->Get(owner_ns, name);
    if (cached && api::GetObjectMeta(*cached)->uid() == uid) return OwnerState::kPresent;
  }
  // Confirm with a live read: the cache may lag behind a fresh owner.
  api::GetRequest req;
  req.set_kind(std::string(kind->kind));
  req.set_namespace_(owner_ns);
  req.set_name(name);
  auto live = client_.Get(req);
  if (!live.ok()) {
    return live.status().code() == StatusCode::kNotFound ? OwnerState::kAbsent
                                                         : OwnerState::kUnknown;
  }
  auto obj = kind->New();
  if (!obj->ParseFromString(live->object())) return OwnerState::kUnknown;
  return api::GetObjectMeta(*obj)->uid() == uid ? OwnerState::kPresent : OwnerState::kAbsent;
}

Status GarbageCollector::RemoveFinalizer(const api::KindInfo& kind, const api::ObjectPtr& object,
                                         const std::string& finalizer) {
  auto copy = std::unique_ptr<Message>(object->New());
  copy->CopyFrom(*object);
  auto* fins = api::MutableObjectMeta(copy.get())->mutable_finalizers();
  fins->erase(std::remove(fins->begin(), fins->end(), finalizer), fins->end());
  api::UpdateRequest req;
  req.set_kind(std::string(kind.kind));
  req.set_object(copy->SerializeAsString());
  auto r = client_.Update(req);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  return Status::Ok();
}

Status GarbageCollector::ProcessDeletingOwner(const api::KindInfo& kind,
                                              const api::ObjectPtr& object) {
  const api::ObjectMeta& meta = *api::GetObjectMeta(*object);
  auto dependents = DependentsOf(meta.uid());
  if (HasFinalizer(meta, kOrphan)) {
    for (const auto& dep : dependents) {
      const api::KindInfo* dk = api::FindKindOf(*dep);
      auto copy = std::unique_ptr<Message>(dep->New());
      copy->CopyFrom(*dep);
      auto* refs = api::MutableObjectMeta(copy.get())->mutable_owner_references();
      refs->erase(
          std::remove_if(refs->begin(), refs->end(),
                         [&](const api::OwnerReference& r) { return r.uid() == meta.uid(); }),
          refs->end());
      api::UpdateRequest req;
      req.set_kind(std::string(dk->kind));
      req.set_object(copy->SerializeAsString());
      auto r = client_.Update(req);
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    }
    return RemoveFinalizer(kind, object, kOrphan);
  }
  if (HasFinalizer(meta, kForeground)) {
    bool waiting = false;
    for (const auto& dep : dependents) {
      const api::KindInfo* dk = api::FindKindOf(*dep);
      const api::ObjectMeta& dmeta = *api::GetObjectMeta(*dep);
      waiting = true;
      if (dmeta.has_deletion_timestamp()) continue;
      api::DeleteRequest req;
      req.set_kind(std::string(dk->kind));
      req.set_namespace_(dmeta.namespace_());
      req.set_name(dmeta.name());
      req.set_propagation_policy("Foreground");
      req.set_precondition_uid(dmeta.uid());
      auto r = client_.Delete(req);
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    }
    if (waiting) {
      // Dependents are going; look again when they are gone (their delete
      // events re-queue us) or shortly, whichever is first.
      queue_.AddAfter(std::string(kind.kind) + "|" + api::InformerBase::KeyOf(*object),
                      std::chrono::milliseconds(500));
      return Status::Ok();
    }
    return RemoveFinalizer(kind, object, kForeground);
  }
  return Status::Ok();
}

Status GarbageCollector::Reconcile(const std::string& key) {
  size_t bar = key.find('|');
  const api::KindInfo* kind = api::FindKind(key.substr(0, bar));
  if (!kind) return Status::Ok();
  auto informer = informers_.find(std::string(kind->kind));
  if (informer == informers_.end()) return Status::Ok();
  api::ObjectPtr object = informer->second->GetByKey(key.substr(bar + 1));
  if (!object) return Status::Ok();
  const api::ObjectMeta& meta = *api::GetObjectMeta(*object);

  if (meta.has_deletion_timestamp()) SKIFF_RETURN_IF_ERROR(ProcessDeletingOwner(*kind, object));
  if (meta.owner_references_size() == 0) return Status::Ok();

  bool any_present = false;
  for (const auto& ref : meta.owner_references()) {
    OwnerState state =
        LookupOwner(meta.namespace_(), ref.api_version(), ref.kind(), ref.name(), ref.uid());
    if (state == OwnerState::kUnknown) return Unavailable("cannot read owner " + ref.name());
    if (state == OwnerState::kPresent) any_present = true;
  }
  if (any_present || meta.has_deletion_timestamp()) return Status::Ok();
  log::Get(name())->info("deleting {} {}: all owners are gone", kind->kind,
                         api::InformerBase::KeyOf(*object));
  api::DeleteRequest req;
  req.set_kind(std::string(kind->kind));
  req.set_namespace_(meta.namespace_());
  req.set_name(meta.name());
  req.set_precondition_uid(meta.uid());
  auto r = client_.Delete(req);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  return Status::Ok();
}

}  // namespace skiff::controllers
