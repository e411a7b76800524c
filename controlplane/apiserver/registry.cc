#include "controlplane/apiserver/registry.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "api/defaults.h"
#include "api/kinds.h"
#include "api/validation.h"
#include "common/random.h"
#include "controlplane/apiserver/codec.h"
#include "controlplane/apiserver/registry_internal.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/meta.pb.h"

namespace skiff::apiserver {
namespace {

using google::protobuf::Message;
using google::protobuf::util::TimeUtil;
using internal::Conflict;
using internal::InvalidObject;
using internal::KindOf;
using internal::NamespaceFor;
using internal::Qualified;

constexpr int kMaxWriteAttempts = 8;
constexpr std::string_view kForegroundFinalizer = "foregroundDeletion";
constexpr std::string_view kOrphanFinalizer = "orphan";

std::string NewUid() {
  uint64_t a = RandomU64(), b = RandomU64();
  a = (a & ~0xf000ULL) | 0x4000ULL;                         // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i)
    out += kAlphabet[RandomBelow(sizeof kAlphabet - 1)];
  return out;
}

google::protobuf::Timestamp Now() {
  return TimeUtil::GetCurrentTime();
}

bool HasFinalizer(const api::ObjectMeta& meta, std::string_view f) {
  return std::find(meta.finalizers().begin(), meta.finalizers().end(), f) !=
         meta.finalizers().end();
}

// True when nothing holds the object back from removal any more.
bool Finalized(const Message& object) {
  if (api::GetObjectMeta(object)->finalizers_size() > 0) return false;
  if (object.GetDescriptor() == api::Namespace::descriptor()) {
    return static_cast<const api::Namespace&>(object).spec().finalizers_size() == 0;
  }
  return true;
}

// Everything but metadata and status, serialized: a change bumps generation.
std::string SpecBytes(const Message& object) {
  auto copy = std::unique_ptr<Message>(object.New());
  copy->CopyFrom(object);
  const auto* d = copy->GetDescriptor();
  const auto* refl = copy->GetReflection();
  for (const char* f : {"metadata", "status", "api_version", "kind"}) {
    if (const auto* field = d->FindFieldByName(f)) refl->ClearField(copy.get(), field);
  }
  return EncodeForStore(*copy);
}

// Copies .status from `from` into `to` (kinds with a status subresource).
void CopyStatus(const Message& from, Message* to) {
  const auto* field = to->GetDescriptor()->FindFieldByName("status");
  if (!field) return;
  const auto* refl = to->GetReflection();
  if (from.GetReflection()->HasField(from, field)) {
    refl->MutableMessage(to, field)->CopyFrom(from.GetReflection()->GetMessage(from, field));
  } else {
    refl->ClearField(to, field);
  }
}

bool HasStatus(const Message& object) {
  return object.GetDescriptor()->FindFieldByName("status") != nullptr;
}

}  // namespace

Registry::Registry(store::Store& store, std::vector<std::unique_ptr<AdmissionPlugin>> plugins,
                   RegistryOptions options)
    : store_(store), plugins_(std::move(plugins)), options_(options) {}

Status Registry::RunAdmission(Operation op, Message* object, const Message* old,
                              store::TxnRequest* txn) {
  AdmissionRequest req{op, object, old, txn};
  for (auto& plugin : plugins_)
    SKIFF_RETURN_IF_ERROR(plugin->Admit(req));
  return Status::Ok();
}

Result<Registry::Current> Registry::ReadCurrent(const api::KindInfo& kind, const std::string& ns,
                                                const std::string& name) {
  auto kv = store::Get(store_, ObjectKey(kind, ns, name));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return NotFound(Qualified(kind, name) + " not found");
  auto obj = Decode(kind, (*kv)->value);
  if (!obj.ok()) return Internal("stored " + Qualified(kind, name) + " is corrupt");
  api::MutableObjectMeta(obj->get())->set_resource_version(FormatRevision((*kv)->mod_revision));
  return Current{std::move(*obj), std::move(**kv)};
}

Status Registry::CheckNamespaceWritable(const std::string& ns) {
  auto kv = store::Get(store_, "/registry/namespaces/" + ns);
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return NotFound("namespaces \"" + ns + "\" not found");
  api::Namespace nsobj;
  if (nsobj.ParseFromString((*kv)->value) && nsobj.metadata().has_deletion_timestamp()) {
    return Status(StatusCode::kPermissionDenied, "unable to create new content in namespace " + ns +
                                                     " because it is being terminated");
  }
  return Status::Ok();
}

Result<api::ObjectResponse> Registry::Create(const api::CreateRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  auto obj_or = Decode(kind, req.object());
  if (!obj_or.ok()) return obj_or.status();
  std::unique_ptr<Message> obj = std::move(*obj_or);
  if (!api::GetKind(*obj).empty() && api::GetKind(*obj) != kind.kind) {
    return InvalidArgument("object kind \"" + api::GetKind(*obj) +
                           "\" does not match request kind \"" + std::string(kind.kind) + "\"");
  }
  api::SetTypeMeta(obj.get());
  api::ObjectMeta* meta = api::MutableObjectMeta(obj.get());
  meta->set_namespace_(NamespaceFor(kind, meta->namespace_()));
  if (meta->name().empty() && !meta->generate_name().empty()) {
    meta->set_name(meta->generate_name() + RandomSuffix());
  }
  meta->set_uid(NewUid());
  meta->clear_resource_version();
  meta->set_generation(1);
  *meta->mutable_creation_timestamp() = Now();
  meta->clear_deletion_timestamp();
  meta->clear_deletion_grace_period_seconds();
  meta->clear_self_link();
  meta->clear_managed_fields();

  api::ApplyDefaults(*obj);
  api::FieldErrors errors = api::Validate(*obj);
  if (!errors.empty()) return InvalidObject(kind, meta->name(), errors);
  if (kind.namespaced) SKIFF_RETURN_IF_ERROR(CheckNamespaceWritable(meta->namespace_()));

  std::string key = ObjectKey(kind, meta->namespace_(), meta->name());
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    auto candidate = std::unique_ptr<Message>(obj->New());
    candidate->CopyFrom(*obj);
    store::TxnRequest txn;
    txn.compare.push_back(
        {key, store::Compare::Target::kCreateRevision, store::Compare::Result::kEqual, 0, ""});
    SKIFF_RETURN_IF_ERROR(RunAdmission(Operation::kCreate, candidate.get(), nullptr, &txn));
    std::string bytes = EncodeForStore(*candidate);
    if (req.dry_run()) {
      api::ObjectResponse r;
      r.set_object(std::move(bytes));
      return r;
    }
    txn.success.insert(txn.success.begin(), {store::Op::Type::kPut, key, "", bytes, false, 0});
    auto resp = store_.Txn(txn);
    if (!resp.ok()) return resp.status();
    if (resp->succeeded) {
      api::ObjectResponse out;
      out.set_object(WithResourceVersion(std::move(bytes), resp->revision));
      return out;
    }
    // Either the name exists or an admission reservation was taken meanwhile.
    auto existing = store::Get(store_, key);
    if (!existing.ok()) return existing.status();
    if (existing->has_value())
      return AlreadyExists(Qualified(kind, meta->name()) + " already exists");
  }
  return Aborted("create " + Qualified(kind, meta->name()) +
                 ": too many concurrent conflicting writes; try again");
}

Result<api::ObjectResponse> Registry::Get(const api::GetRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  auto kv = store::Get(store_, ObjectKey(kind, NamespaceFor(kind, req.namespace_()), req.name()));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return NotFound(Qualified(kind, req.name()) + " not found");
  api::ObjectResponse out;
  out.set_object(WithResourceVersion(std::move((*kv)->value), (*kv)->mod_revision));
  return out;
}

Result<api::ObjectResponse> Registry::Update(const api::UpdateRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  auto obj_or = Decode(kind, req.object());
  if (!obj_or.ok()) return obj_or.status();
  std::unique_ptr<Message> requested = std::move(*obj_or);
  api::SetTypeMeta(requested.get());
  const api::ObjectMeta& rmeta = *api::GetObjectMeta(*requested);
  std::string ns = NamespaceFor(kind, rmeta.namespace_());
  if (req.subresource() == "binding") return Bind(kind, *requested, req.dry_run());
  if (req.subresource() != "" && req.subresource() != "status") {
    return InvalidArgument("unknown subresource \"" + req.subresource() + "\"");
  }
  auto rv = ParseResourceVersion(rmeta.resource_version());
  if (!rv.ok()) return rv.status();

  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    auto current = ReadCurrent(kind, ns, rmeta.name());
    if (!current.ok()) return current.status();
    if (*rv != 0 && *rv != current->kv.mod_revision) return Conflict(kind, rmeta.name());
    const api::ObjectMeta& cmeta = *api::GetObjectMeta(*current->object);
    if (!rmeta.uid().empty() && rmeta.uid() != cmeta.uid()) {
      return Conflict(kind, rmeta.name());
    }
    std::unique_ptr<Message> updated(requested->New());
    if (req.subresource() == "status") {
      updated->CopyFrom(*current->object);
      CopyStatus(*requested, updated.get());
    } else {
      updated->CopyFrom(*requested);
      if (HasStatus(*updated)) CopyStatus(*current->object, updated.get());
    }
    auto result = WriteUpdate(kind, *current, updated.get(), req.dry_run(), req.force());
    if (result.ok() || result.status().code() != StatusCode::kAborted || *rv != 0) return result;
    // Unconditional update raced with another writer: read again and retry.
  }
  return Conflict(kind, rmeta.name());
}

Result<api::ObjectResponse> Registry::WriteUpdate(const api::KindInfo& kind, const Current& current,
                                                  Message* updated, bool dry_run, bool force) {
  const api::ObjectMeta& cmeta = *api::GetObjectMeta(*current.object);
  api::ObjectMeta* meta = api::MutableObjectMeta(updated);
  // System-owned metadata stays as stored.
  meta->set_name(cmeta.name());
  meta->set_namespace_(cmeta.namespace_());
  meta->set_uid(cmeta.uid());
  *meta->mutable_creation_timestamp() = cmeta.creation_timestamp();
  if (cmeta.has_deletion_timestamp()) {
    *meta->mutable_deletion_timestamp() = cmeta.deletion_timestamp();
  } else {
    meta->clear_deletion_timestamp();
  }
  if (cmeta.has_deletion_grace_period_seconds()) {
    meta->set_deletion_grace_period_seconds(cmeta.deletion_grace_period_seconds());
  } else {
    meta->clear_deletion_grace_period_seconds();
  }
  meta->clear_resource_version();
  meta->clear_self_link();
  meta->clear_managed_fields();
  meta->clear_generate_name();
  if (!cmeta.generate_name().empty()) meta->set_generate_name(cmeta.generate_name());

  api::ApplyDefaults(*updated);
  meta->set_generation(SpecBytes(*updated) != SpecBytes(*current.object) ? cmeta.generation() + 1
                                                                         : cmeta.generation());
  api::FieldErrors errors = api::Validate(*updated);
  api::FieldErrors update_errors = api::ValidateUpdate(*current.object, *updated);
  errors.insert(errors.end(), update_errors.begin(), update_errors.end());
  if (!errors.empty()) return InvalidObject(kind, cmeta.name(), errors);

  // Deletion completes when the last finalizer goes.
  if (meta->has_deletion_timestamp() && Finalized(*updated)) {
    if (dry_run) return api::ObjectResponse();
    return DeleteNow(kind, current);
  }

  store::TxnRequest txn;
  SKIFF_RETURN_IF_ERROR(RunAdmission(Operation::kUpdate, updated, current.object.get(), &txn));
  std::string bytes = EncodeForStore(*updated);
  api::ObjectResponse out;
  if ((bytes == current.kv.value && !force) || dry_run) {
    // No change: nothing is written and the resourceVersion stays.
    out.set_object(WithResourceVersion(std::move(bytes), current.kv.mod_revision));
    return out;
  }
  std::string key = ObjectKey(kind, cmeta.namespace_(), cmeta.name());
  txn.compare.push_back({key, store::Compare::Target::kModRevision, store::Compare::Result::kEqual,
                         current.kv.mod_revision, ""});
  txn.success.insert(txn.success.begin(), {store::Op::Type::kPut, key, "", bytes, false, 0});
  auto resp = store_.Txn(txn);
  if (!resp.ok()) return resp.status();
  if (!resp->succeeded) return Conflict(kind, cmeta.name());
  out.set_object(WithResourceVersion(std::move(bytes), resp->revision));
  return out;
}

Result<api::ObjectResponse> Registry::DeleteNow(const api::KindInfo& kind, const Current& current) {
  const api::ObjectMeta& meta = *api::GetObjectMeta(*current.object);
  std::string key = ObjectKey(kind, meta.namespace_(), meta.name());
  store::TxnRequest txn;
  txn.compare.push_back({key, store::Compare::Target::kModRevision, store::Compare::Result::kEqual,
                         current.kv.mod_revision, ""});
  txn.success.push_back({store::Op::Type::kDelete, key, "", "", false, 0});
  SKIFF_RETURN_IF_ERROR(RunAdmission(Operation::kDelete, nullptr, current.object.get(), &txn));
  auto resp = store_.Txn(txn);
  if (!resp.ok()) return resp.status();
  if (!resp->succeeded) return Conflict(kind, meta.name());
  api::ObjectResponse out;
  out.set_object(WithResourceVersion(current.kv.value, resp->revision));
  return out;
}

Result<api::ObjectResponse> Registry::Delete(const api::DeleteRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  std::string ns = NamespaceFor(kind, req.namespace_());
  const std::string& policy = req.propagation_policy();
  if (!policy.empty() && policy != "Background" && policy != "Foreground" && policy != "Orphan") {
    return InvalidArgument("propagationPolicy: Unsupported value: \"" + policy +
                           "\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
  }
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    auto current = ReadCurrent(kind, ns, req.name());
    if (!current.ok()) return current.status();
    const api::ObjectMeta& cmeta = *api::GetObjectMeta(*current->object);
    if (!req.precondition_uid().empty() && req.precondition_uid() != cmeta.uid()) {
      return Aborted("Precondition failed: UID in precondition: " + req.precondition_uid() +
                     ", UID in object meta: " + cmeta.uid());
    }
    if (!req.precondition_resource_version().empty() &&
        req.precondition_resource_version() != cmeta.resource_version()) {
      return Aborted("Precondition failed: ResourceVersion in precondition: " +
                     req.precondition_resource_version() +
                     ", ResourceVersion in meta: " + cmeta.resource_version());
    }

    std::unique_ptr<Message> marked(current->object->New());
    marked->CopyFrom(*current->object);
    api::ObjectMeta* meta = api::MutableObjectMeta(marked.get());
    bool changed = false;
    auto add_finalizer = [&](std::string_view f) {
      if (!HasFinalizer(*meta, f)) {
        meta->add_finalizers(std::string(f));
        changed = true;
      }
    };
    if (policy == "Foreground") add_finalizer(kForegroundFinalizer);
    if (policy == "Orphan") add_finalizer(kOrphanFinalizer);

    // Pods on a node terminate gracefully: the node's agent stops them and
    // deletes with grace 0.
    int64_t grace = 0;
    if (kind.descriptor == api::Pod::descriptor()) {
      const auto& pod = static_cast<const api::Pod&>(*current->object);
      grace = req.has_grace_period_seconds() ? req.grace_period_seconds()
              : pod.spec().has_termination_grace_period_seconds()
                  ? pod.spec().termination_grace_period_seconds()
                  : 30;
      if (pod.spec().node_name().empty() || grace < 0) grace = 0;
      if (pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed") grace = 0;
    }
    bool terminating = cmeta.has_deletion_timestamp();
    if (grace > 0) {
      int64_t existing =
          cmeta.has_deletion_grace_period_seconds() ? cmeta.deletion_grace_period_seconds() : -1;
      if (!terminating || grace < existing) {
        auto when = Now();
        when.set_seconds(when.seconds() + grace);
        *meta->mutable_deletion_timestamp() = when;
        meta->set_deletion_grace_period_seconds(grace);
        changed = true;
      }
    } else if (Finalized(*marked)) {
      auto deleted = DeleteNow(kind, *current);
      if (deleted.ok() || deleted.status().code() != StatusCode::kAborted) return deleted;
      continue;
    } else if (!terminating) {
      *meta->mutable_deletion_timestamp() = Now();
      meta->set_deletion_grace_period_seconds(0);
      changed = true;
    } else if (meta->deletion_grace_period_seconds() != 0) {
      meta->set_deletion_grace_period_seconds(0);
      changed = true;
    }
    if (kind.descriptor == api::Namespace::descriptor() && !terminating) {
      static_cast<api::Namespace*>(marked.get())->mutable_status()->set_phase("Terminating");
      changed = true;
    }
    if (!changed) {
      api::ObjectResponse out;
      out.set_object(WithResourceVersion(current->kv.value, current->kv.mod_revision));
      return out;
    }
    std::string key = ObjectKey(kind, cmeta.namespace_(), cmeta.name());
    meta->clear_resource_version();
    std::string bytes = EncodeForStore(*marked);
    store::TxnRequest txn;
    txn.compare.push_back({key, store::Compare::Target::kModRevision,
                           store::Compare::Result::kEqual, current->kv.mod_revision, ""});
    txn.success.push_back({store::Op::Type::kPut, key, "", bytes, false, 0});
    auto resp = store_.Txn(txn);
    if (!resp.ok()) return resp.status();
    if (resp->succeeded) {
      api::ObjectResponse out;
      out.set_object(WithResourceVersion(std::move(bytes), resp->revision));
      return out;
    }
  }
  return Conflict(kind, req.name());
}

Status Registry::EnsureSystemNamespaces() {
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    api::Namespace ns;
    ns.mutable_metadata()->set_name(name);
    api::CreateRequest req;
    req.set_kind("Namespace");
    req.set_object(ns.SerializeAsString());
    auto r = Create(req);
    if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists) {
      return r.status().WithContext(std::string("create namespace ") + name);
    }
  }
  return Status::Ok();
}

}  // namespace skiff::apiserver
