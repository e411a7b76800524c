// Registry::Bind: the pods/binding subresource. A binding only assigns a node to a pod, so
// it skips what a full Update must do (decode and re-validate the whole object, compare
// specs, check immutability) and applies exactly kube-apiserver's binding checks instead:
// the pod exists, carries the precondition's uid/resourceVersion, is not being deleted,
// has no scheduling gates and is not bound yet. Binding is the hottest write of a busy
// scheduler; see docs/scheduler.md.
#include <google/protobuf/util/time_util.h>

#include "api/field_error.h"
#include "api/names.h"
#include "controlplane/apiserver/codec.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/registry_internal.h"
#include "skiff/api/core.pb.h"

namespace skiff::apiserver {
namespace {

constexpr int kMaxBindAttempts = 8;

// ABORTED worded as kube-apiserver's Conflict on pods/binding.
Status BindingConflict(std::string_view name, std::string_view why) {
  return Aborted("Operation cannot be fulfilled on pods/binding \"" + std::string(name) +
                 "\": " + std::string(why));
}

// What may be bound at all, independent of the stored pod.
api::FieldErrors CheckBindingRequest(const api::Pod& binding) {
  api::ErrorList errors;
  if (binding.metadata().name().empty())
    errors.Required("metadata.name", "name or generateName is required");
  const std::string& node = binding.spec().node_name();
  if (node.empty()) {
    errors.Required("spec.nodeName", "the node to bind the pod to");
  } else {
    errors.AddProblems("spec.nodeName", node, api::CheckDNS1123Subdomain(node));
  }
  for (const auto& [key, value] : binding.metadata().annotations()) {
    errors.AddProblems(api::Key("metadata.annotations", key), key, api::CheckQualifiedName(key));
  }
  return errors.Take();
}

// PodScheduled=True, as the binding makes it (kube-apiserver's assignPod does the same).
void MarkScheduled(api::Pod* pod) {
  api::PodCondition* cond = nullptr;
  for (api::PodCondition& c : *pod->mutable_status()->mutable_conditions()) {
    if (c.type() == "PodScheduled") cond = &c;
  }
  if (cond && cond->status() == "True") return;
  if (!cond) {
    cond = pod->mutable_status()->add_conditions();
    cond->set_type("PodScheduled");
  }
  cond->set_status("True");
  cond->clear_reason();
  cond->clear_message();
  cond->clear_last_probe_time();
  *cond->mutable_last_transition_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
}

}  // namespace

Result<api::ObjectResponse> Registry::Bind(const api::KindInfo& kind,
                                           const google::protobuf::Message& request, bool dry_run) {
  if (kind.descriptor != api::Pod::descriptor()) {
    return InvalidArgument("subresource \"binding\" exists for pods only, not for " +
                           std::string(kind.resource));
  }
  const auto& binding = static_cast<const api::Pod&>(request);
  const api::ObjectMeta& bmeta = binding.metadata();
  api::FieldErrors errors = CheckBindingRequest(binding);
  if (!errors.empty()) return internal::InvalidObject(kind, bmeta.name(), errors);
  auto rv = ParseResourceVersion(bmeta.resource_version());
  if (!rv.ok()) return rv.status();
  const std::string ns = internal::NamespaceFor(kind, bmeta.namespace_());
  const std::string& name = bmeta.name();
  const std::string& node = binding.spec().node_name();

  for (int attempt = 0; attempt < kMaxBindAttempts; ++attempt) {
    auto current = ReadCurrent(kind, ns, name);
    if (!current.ok()) return current.status();
    const auto& stored = static_cast<const api::Pod&>(*current->object);
    const api::ObjectMeta& cmeta = stored.metadata();
    if (!bmeta.uid().empty() && bmeta.uid() != cmeta.uid()) {
      return Aborted("Precondition failed: UID in precondition: " + bmeta.uid() +
                     ", UID in object meta: " + cmeta.uid());
    }
    if (*rv != 0 && *rv != current->kv.mod_revision) return internal::Conflict(kind, name);
    if (cmeta.has_deletion_timestamp()) {
      return BindingConflict(name,
                             "pod " + name + " is being deleted, cannot be assigned to a host");
    }
    if (!stored.spec().node_name().empty()) {
      return BindingConflict(name, "pod " + name + " is already assigned to node \"" +
                                       stored.spec().node_name() + "\"");
    }
    if (stored.spec().scheduling_gates_size() > 0) {
      return BindingConflict(name, "pod " + name + " has non-empty .spec.schedulingGates");
    }

    api::Pod pod = stored;
    api::ObjectMeta* meta = pod.mutable_metadata();
    meta->clear_resource_version();
    pod.mutable_spec()->set_node_name(node);
    meta->set_generation(cmeta.generation() + 1);  // spec.nodeName is spec
    for (const auto& [key, value] : bmeta.annotations())
      (*meta->mutable_annotations())[key] = value;
    MarkScheduled(&pod);

    store::TxnRequest txn;
    SKIFF_RETURN_IF_ERROR(RunAdmission(Operation::kUpdate, &pod, &stored, &txn));
    std::string bytes = EncodeForStore(pod);
    api::ObjectResponse out;
    if (dry_run) {
      out.set_object(WithResourceVersion(std::move(bytes), current->kv.mod_revision));
      return out;
    }
    std::string key = ObjectKey(kind, ns, name);
    txn.compare.push_back({key, store::Compare::Target::kModRevision,
                           store::Compare::Result::kEqual, current->kv.mod_revision, ""});
    txn.success.insert(txn.success.begin(), {store::Op::Type::kPut, key, "", bytes, false, 0});
    auto resp = store_.Txn(txn);
    if (!resp.ok()) return resp.status();
    if (resp->succeeded) {
      out.set_object(WithResourceVersion(std::move(bytes), resp->revision));
      return out;
    }
    // The pod changed between the read and the write: with a resourceVersion precondition
    // that is the caller's conflict, else check the fresh pod again.
    if (*rv != 0) return internal::Conflict(kind, name);
  }
  return internal::Conflict(kind, name);
}

}  // namespace skiff::apiserver
