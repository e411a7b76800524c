// Update validation: immutable fields (see validation.h).
#include <google/protobuf/message.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include "api/kinds.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::DynamicCastToGenerated;
using google::protobuf::util::MessageDifferencer;

constexpr char kImmutable[] = "field is immutable";

template <typename T>
bool Same(const T& a, const T& b) {
  return MessageDifferencer::Equals(a, b);
}

void ValidateMetaUpdate(const ObjectMeta& old, const ObjectMeta& now, ErrorList* e) {
  if (old.name() != now.name()) e->Invalid("metadata.name", now.name(), kImmutable);
  if (old.namespace_() != now.namespace_()) {
    e->Invalid("metadata.namespace", now.namespace_(), kImmutable);
  }
  if (!old.uid().empty() && old.uid() != now.uid())
    e->Invalid("metadata.uid", now.uid(), kImmutable);
  if (old.has_creation_timestamp() && !Same(old.creation_timestamp(), now.creation_timestamp())) {
    e->Invalid("metadata.creationTimestamp",
               now.has_creation_timestamp()
                   ? google::protobuf::util::TimeUtil::ToString(now.creation_timestamp())
                   : "",
               kImmutable);
  }
}

void SelectorImmutable(const LabelSelector& old, const LabelSelector& now, ErrorList* e) {
  if (!Same(old, now)) e->InvalidRaw("spec.selector", "{...}", kImmutable);
}

void ServiceUpdate(const Service& old, const Service& now, ErrorList* e) {
  // Changing to or from ExternalName allocates or releases the cluster IP.
  if (old.spec().type() == "ExternalName" || now.spec().type() == "ExternalName") return;
  if (!old.spec().cluster_ip().empty() && old.spec().cluster_ip() != now.spec().cluster_ip()) {
    e->Invalid("spec.clusterIP", now.spec().cluster_ip(), kImmutable);
  }
  if (old.spec().cluster_ips_size() > 0 && now.spec().cluster_ips_size() > 0 &&
      old.spec().cluster_ips(0) != now.spec().cluster_ips(0)) {
    e->Invalid("spec.clusterIPs[0]", now.spec().cluster_ips(0), kImmutable);
  }
}

void StatefulSetUpdate(const StatefulSet& old, const StatefulSet& now, ErrorList* e) {
  SelectorImmutable(old.spec().selector(), now.spec().selector(), e);
  StatefulSetSpec a = old.spec();
  StatefulSetSpec b = now.spec();
  for (StatefulSetSpec* s : {&a, &b}) {
    s->clear_replicas();
    s->clear_ordinals();
    s->clear_template_();
    s->clear_update_strategy();
    s->clear_revision_history_limit();
    s->clear_persistent_volume_claim_retention_policy();
    s->clear_min_ready_seconds();
    s->clear_selector();  // reported above
  }
  if (!Same(a, b)) {
    e->Forbidden("spec",
                 "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                 "'template', 'updateStrategy', 'revisionHistoryLimit', "
                 "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  }
}

template <typename T>
void ImmutableContents(const T& old, const T& now, ErrorList* e) {
  if (!old.immutable()) return;
  if (!now.immutable()) e->Forbidden("immutable", "field is immutable when `immutable` is set");
  T a = old;
  T b = now;
  a.clear_metadata();
  b.clear_metadata();
  a.clear_immutable();
  b.clear_immutable();
  if (!Same(a, b)) e->Forbidden("data", "field is immutable when `immutable` is set");
}

bool SameToleration(const Toleration& a, const Toleration& b) {
  return a.key() == b.key() && a.operator_() == b.operator_() && a.value() == b.value() &&
         a.effect() == b.effect();
}

void PodUpdate(const Pod& old, const Pod& now, ErrorList* e) {
  const PodSpec& os = old.spec();
  const PodSpec& ns = now.spec();
  // Existing tolerations may not change (tolerationSeconds aside); new ones may be added.
  for (const Toleration& t : os.tolerations()) {
    bool kept = false;
    for (const Toleration& u : ns.tolerations())
      kept |= SameToleration(t, u);
    if (!kept) {
      e->Forbidden("spec.tolerations",
                   "existing toleration can not be modified except its tolerationSeconds");
      break;
    }
  }
  if (os.has_active_deadline_seconds()) {
    if (!ns.has_active_deadline_seconds()) {
      e->InvalidRaw("spec.activeDeadlineSeconds", "null",
                    "must not update from a positive integer to nil value");
    } else if (ns.active_deadline_seconds() > os.active_deadline_seconds()) {
      e->Invalid("spec.activeDeadlineSeconds", ns.active_deadline_seconds(),
                 "must be less than or equal to previous value");
    }
  }
  PodSpec a = os;
  PodSpec b = ns;
  if (a.containers_size() == b.containers_size() &&
      a.init_containers_size() == b.init_containers_size()) {
    for (int i = 0; i < a.containers_size(); ++i) {
      a.mutable_containers(i)->clear_image();
      b.mutable_containers(i)->clear_image();
    }
    for (int i = 0; i < a.init_containers_size(); ++i) {
      a.mutable_init_containers(i)->clear_image();
      b.mutable_init_containers(i)->clear_image();
    }
  }
  for (PodSpec* s : {&a, &b}) {
    s->clear_active_deadline_seconds();
    s->clear_tolerations();
    s->clear_scheduling_gates();
  }
  // Binding: nodeName may go from "" to a node once (Skiff has no binding subresource).
  if (os.node_name().empty()) b.clear_node_name();
  if (ns.termination_grace_period_seconds() == 1 && os.termination_grace_period_seconds() < 0) {
    a.clear_termination_grace_period_seconds();
    b.clear_termination_grace_period_seconds();
  }
  if (!Same(a, b)) {
    e->Forbidden("spec",
                 "pod updates may not change fields other than `spec.containers[*].image`, "
                 "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                 "`spec.tolerations` (only additions to existing tolerations), `spec.nodeName` "
                 "(only from \"\") or `spec.terminationGracePeriodSeconds` (allow it to be set "
                 "to 1 if it was previously negative)");
  }
}

void NodeUpdate(const Node& old, const Node& now, ErrorList* e) {
  if (!old.spec().pod_cidr().empty() && old.spec().pod_cidr() != now.spec().pod_cidr()) {
    e->Forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid");
  }
  if (old.spec().pod_cidrs_size() > 0) {
    bool same = old.spec().pod_cidrs_size() == now.spec().pod_cidrs_size();
    for (int i = 0; same && i < old.spec().pod_cidrs_size(); ++i) {
      same = old.spec().pod_cidrs(i) == now.spec().pod_cidrs(i);
    }
    if (!same) {
      e->Forbidden("spec.podCIDRs",
                   "node updates may not change podCIDR except from \"\" to valid");
    }
  }
  if (!old.spec().provider_id().empty() && old.spec().provider_id() != now.spec().provider_id()) {
    e->Forbidden("spec.providerID",
                 "node updates may not change providerID except from \"\" to valid");
  }
}

template <typename B>
void BindingUpdate(const B& old, const B& now, ErrorList* e) {
  if (!Same(old.role_ref(), now.role_ref())) {
    e->InvalidRaw("roleRef", "{...}", "cannot change roleRef");
  }
}

template <typename T>
bool Pair(const google::protobuf::Message& a, const google::protobuf::Message& b, const T** x,
          const T** y) {
  *x = DynamicCastToGenerated<T>(&a);
  *y = DynamicCastToGenerated<T>(&b);
  return *x != nullptr && *y != nullptr;
}

void KindUpdate(const google::protobuf::Message& a, const google::protobuf::Message& b,
                ErrorList* e) {
  {
    const Service *x, *y;
    if (Pair(a, b, &x, &y)) return ServiceUpdate(*x, *y, e);
  }
  {
    const Deployment *x, *y;
    if (Pair(a, b, &x, &y)) return SelectorImmutable(x->spec().selector(), y->spec().selector(), e);
  }
  {
    const ReplicaSet *x, *y;
    if (Pair(a, b, &x, &y)) return SelectorImmutable(x->spec().selector(), y->spec().selector(), e);
  }
  {
    const DaemonSet *x, *y;
    if (Pair(a, b, &x, &y)) return SelectorImmutable(x->spec().selector(), y->spec().selector(), e);
  }
  {
    const StatefulSet *x, *y;
    if (Pair(a, b, &x, &y)) return StatefulSetUpdate(*x, *y, e);
  }
  {
    const Job *x, *y;
    if (Pair(a, b, &x, &y)) return ValidateJobUpdate(*x, *y, e);
  }
  {
    const ConfigMap *x, *y;
    if (Pair(a, b, &x, &y)) return ImmutableContents(*x, *y, e);
  }
  {
    const Secret *x, *y;
    if (Pair(a, b, &x, &y)) return ImmutableContents(*x, *y, e);
  }
  {
    const Pod *x, *y;
    if (Pair(a, b, &x, &y)) return PodUpdate(*x, *y, e);
  }
  {
    const Node *x, *y;
    if (Pair(a, b, &x, &y)) return NodeUpdate(*x, *y, e);
  }
  {
    const EndpointSlice *x, *y;
    if (Pair(a, b, &x, &y)) {
      if (x->address_type() != y->address_type()) {
        e->Invalid("addressType", y->address_type(), kImmutable);
      }
      return;
    }
  }
  {
    const RoleBinding *x, *y;
    if (Pair(a, b, &x, &y)) return BindingUpdate(*x, *y, e);
  }
  {
    const ClusterRoleBinding *x, *y;
    if (Pair(a, b, &x, &y)) return BindingUpdate(*x, *y, e);
  }
}

}  // namespace

FieldErrors ValidateUpdate(const google::protobuf::Message& old,
                           const google::protobuf::Message& updated) {
  if (old.GetDescriptor() != updated.GetDescriptor()) {
    return {{"kind", "Invalid value: " + Quote(updated.GetDescriptor()->name()) +
                         ": may not change kind (was " + old.GetDescriptor()->name() + ")"}};
  }
  FieldErrors errors = Validate(updated);
  const ObjectMeta* old_meta = GetObjectMeta(old);
  const ObjectMeta* new_meta = GetObjectMeta(updated);
  if (old_meta == nullptr || new_meta == nullptr) return errors;
  ErrorList e;
  ValidateMetaUpdate(*old_meta, *new_meta, &e);
  KindUpdate(old, updated, &e);
  for (FieldError& f : e.Take())
    errors.push_back(std::move(f));
  return errors;
}

}  // namespace skiff::api
