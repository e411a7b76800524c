// Validation of kind messages, as the Kubernetes API server validates them: every problem
// is reported (not just the first) as a FieldError with its JSON path and a message in
// Kubernetes wording, e.g.
//   spec.template.spec.containers[1].name: Required value
//   metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must ...
//   spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"
//
// Validation accepts unset fields that ApplyDefaults would fill (e.g. an empty port
// protocol, restartPolicy or Service type), so it gives the same answer whether or not the
// object was defaulted first. An empty metadata.namespace is accepted for namespaced kinds
// (the API server fills it from the request); a namespace on a cluster-scoped kind is not.
//
// All functions are pure and thread-safe.
#pragma once

#include <string_view>

#include "api/field_error.h"
#include "common/status.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace skiff::api {

// Service nodePort range (Kubernetes' default --service-node-port-range).
inline constexpr int kNodePortMin = 30000;
inline constexpr int kNodePortMax = 32767;
// Size limits in bytes.
inline constexpr int64_t kMaxAnnotationsBytes = 256 * 1024;
inline constexpr int64_t kMaxConfigDataBytes = 1024 * 1024;  // ConfigMap and Secret data

// Every problem of `object`, which must be a kind message (see api/kinds.h); other messages
// yield one error naming the type. Empty when valid.
FieldErrors Validate(const google::protobuf::Message& object);

// Validation of an update: everything Validate(updated) reports, plus changes to immutable
// fields: metadata.name/namespace/uid/creationTimestamp, Service clusterIP(s), workload
// selectors, StatefulSet spec fields other than replicas, ordinals, template,
// updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and
// minReadySeconds, ConfigMap/Secret contents once immutable: true, Pod spec fields other
// than images, activeDeadlineSeconds, tolerations (additions) and nodeName (binding: "" to a
// node), Node podCIDR(s)/providerID once set, EndpointSlice addressType, binding roleRef.
// `old` and `updated` must be the same kind.
FieldErrors ValidateUpdate(const google::protobuf::Message& old,
                           const google::protobuf::Message& updated);

// INVALID_ARGUMENT in Kubernetes' shape, e.g.
//   Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or
//   equal to 0; spec.selector: Required value
// OK when `errors` is empty.
Status InvalidObjectStatus(const google::protobuf::Message& object, const FieldErrors& errors);

}  // namespace skiff::api
