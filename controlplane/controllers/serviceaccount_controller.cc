#include "controlplane/controllers/serviceaccount_controller.h"

#include "api/client/typed.h"

namespace skiff::controllers {

void ServiceAccountController::StartInformers() {
  namespaces_ = std::make_unique<api::Informer<api::Namespace>>(client_);
  api::InformerOptions defaults;
  defaults.field_selector = "metadata.name=default";
  accounts_ = std::make_unique<api::Informer<api::ServiceAccount>>(client_, defaults);
  api::EventHandlers ns;
  ns.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::GetObjectMeta(*o)->name()); };
  namespaces_->AddHandlers(std::move(ns));
  api::EventHandlers sa;
  sa.on_delete = [this](const api::ObjectPtr& o) {
    queue_.Add(api::GetObjectMeta(*o)->namespace_());
  };
  accounts_->AddHandlers(std::move(sa));
  accounts_->Start();
  namespaces_->Start();
}

void ServiceAccountController::StopInformers() {
  if (namespaces_) namespaces_->Stop();
  if (accounts_) accounts_->Stop();
}

Status ServiceAccountController::Reconcile(const std::string& ns) {
  auto n = namespaces_->Get("", ns);
  if (!n || n->metadata().has_deletion_timestamp()) return Status::Ok();
  if (accounts_->Get(ns, "default")) return Status::Ok();
  api::ServiceAccount sa;
  sa.mutable_metadata()->set_name("default");
  sa.mutable_metadata()->set_namespace_(ns);
  auto r = api::CreateObject(client_, sa);
  if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists &&
      r.status().code() != StatusCode::kPermissionDenied) {  // namespace terminating
    return r.status();
  }
  return Status::Ok();
}

}  // namespace skiff::controllers
