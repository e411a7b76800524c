#include "controlplane/controllers/namespace_controller.h"

#include "api/client/typed.h"
#include "common/log.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

NamespaceController::NamespaceController(api::ApiClient& client) : client_(client) {}

NamespaceController::~NamespaceController() {
  Stop();
}

void NamespaceController::StartInformers() {
  namespaces_ = std::make_unique<api::InformerBase>(client_, *api::FindKind("Namespace"));
  api::EventHandlers h;
  auto enqueue = [this](const api::ObjectPtr& o) {
    if (api::GetObjectMeta(*o)->has_deletion_timestamp())
      queue_.Add(api::GetObjectMeta(*o)->name());
  };
  h.on_add = enqueue;
  h.on_update = [enqueue](const api::ObjectPtr&, const api::ObjectPtr& o) { enqueue(o); };
  namespaces_->AddHandlers(std::move(h));
  namespaces_->Start();
}

void NamespaceController::StopInformers() {
  if (namespaces_) namespaces_->Stop();
}

Status NamespaceController::Reconcile(const std::string& name) {
  auto ns = api::GetObject<api::Namespace>(client_, "", name);
  if (!ns.ok()) return ns.status().code() == StatusCode::kNotFound ? Status::Ok() : ns.status();
  if (!ns->metadata().has_deletion_timestamp()) return Status::Ok();

  size_t remaining = 0;
  for (const api::KindInfo* kind : api::AllKinds()) {
    if (!kind->namespaced) continue;
    api::ListRequest list;
    list.set_kind(std::string(kind->kind));
    list.set_namespace_(name);
    auto items = client_.List(list);
    if (!items.ok()) return items.status();
    for (const auto& bytes : items->items()) {
      auto obj = kind->New();
      if (!obj->ParseFromString(bytes)) continue;
      ++remaining;
      const api::ObjectMeta& meta = *api::GetObjectMeta(*obj);
      if (meta.has_deletion_timestamp()) continue;
      api::DeleteRequest del;
      del.set_kind(std::string(kind->kind));
      del.set_namespace_(name);
      del.set_name(meta.name());
      del.set_propagation_policy("Background");
      auto r = client_.Delete(del);
      if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    }
  }
  if (remaining > 0) {
    queue_.AddAfter(name, std::chrono::milliseconds(500));
    return Status::Ok();
  }
  api::Namespace done = *ns;
  done.mutable_spec()->clear_finalizers();
  auto r = api::UpdateObject(client_, done);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  log::Get(this->name())->info("namespace {} is empty and deleted", name);
  return Status::Ok();
}

}  // namespace skiff::controllers
