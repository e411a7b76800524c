#include "api/validation.h"

#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>

#include <map>

#include "api/doc_tree.h"
#include "api/int_or_string.h"
#include "api/kinds.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/validation_internal.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {

using google::protobuf::DynamicCastToGenerated;

void CheckOneOf(ErrorList* e, std::string_view path, const std::string& value,
                std::initializer_list<std::string_view> allowed, bool allow_empty) {
  if (value.empty() && allow_empty) return;
  for (std::string_view a : allowed) {
    if (value == a) return;
  }
  if (value.empty()) {
    e->Required(path);
    return;
  }
  e->NotSupported(path, value, std::vector<std::string_view>(allowed));
}

void CheckNonNegative(ErrorList* e, std::string_view path, int64_t value) {
  if (value < 0) e->Invalid(path, value, "must be greater than or equal to 0");
}

void CheckPositive(ErrorList* e, std::string_view path, int64_t value) {
  if (value <= 0) e->Invalid(path, value, "must be greater than 0");
}

bool CheckQuantity(ErrorList* e, std::string_view path, const std::string& value,
                   bool non_negative) {
  Result<Quantity> q = Quantity::Parse(value);
  if (!q.ok()) {
    // Drop the `invalid quantity "x": ` prefix: the error shows the value already.
    std::string reason = q.status().message();
    size_t colon = reason.find("\": ");
    if (colon != std::string::npos) reason = reason.substr(colon + 3);
    e->Invalid(path, value, reason);
    return false;
  }
  if (non_negative && q->Sign() < 0) {
    e->Invalid(path, value, "must be greater than or equal to 0");
    return false;
  }
  return true;
}

void CheckPortNumOrName(ErrorList* e, std::string_view path, const google::protobuf::Value& v) {
  Result<IntOrString> port = ReadIntOrString(v, path);
  if (!port.ok()) {
    e->InvalidRaw(path, "", "must be a port number or a port name");
    return;
  }
  if (!port->is_set()) {
    e->Required(path);
  } else if (port->is_int()) {
    for (const std::string& p : CheckPortNumber(port->int_value)) {
      e->Invalid(path, port->int_value, p);
    }
  } else {
    e->AddProblems(path, port->string_value, CheckPortName(port->string_value));
  }
}

void CheckIntOrPercent(ErrorList* e, std::string_view path, const google::protobuf::Value& v,
                       bool max_100, bool* is_zero) {
  *is_zero = false;
  Result<IntOrString> r = ReadIntOrString(v, path);
  if (!r.ok()) {
    e->InvalidRaw(path, "", "must be an integer or percentage (e.g. '5%')");
    return;
  }
  if (!r->is_set()) return;
  if (r->is_int()) {
    CheckNonNegative(e, path, r->int_value);
    *is_zero = r->int_value == 0;
    return;
  }
  Problems p = CheckPercent(r->string_value);
  if (!p.empty()) {
    e->AddProblems(path, r->string_value, p);
    return;
  }
  // CheckPercent guarantees digits then '%'; saturate instead of overflowing.
  int64_t percent = 0;
  for (char c : std::string_view(r->string_value).substr(0, r->string_value.size() - 1)) {
    percent = std::min<int64_t>(percent * 10 + (c - '0'), 1'000'000);
  }
  *is_zero = percent == 0;
  if (max_100 && percent > 100) e->Invalid(path, r->string_value, "must not be greater than 100%");
}

void CheckDNSName(ErrorList* e, std::string_view path, const std::string& value) {
  std::string_view v = value;
  if (!v.empty() && v.back() == '.') v.remove_suffix(1);
  e->AddProblems(path, value, CheckDNS1123Subdomain(v));
}

std::string RenderLabels(const StringMap& labels) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  std::string out = "{";
  for (const auto& [k, v] : sorted) {
    if (out.size() > 1) out += ",";
    AppendJsonString(k, &out);
    out += ":";
    AppendJsonString(v, &out);
  }
  return out + "}";
}

namespace {

template <typename T>
const T* As(const google::protobuf::Message& m) {
  return DynamicCastToGenerated<T>(&m);
}

NameRule NameRuleFor(std::string_view kind) {
  if (kind == "Namespace") return NameRule::kDNS1123Label;
  if (kind == "Service") return NameRule::kDNS1035Label;
  if (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" ||
      kind == "ClusterRoleBinding") {
    return NameRule::kPathSegment;
  }
  return NameRule::kDNS1123Subdomain;
}

void ValidateBody(const google::protobuf::Message& m, ErrorList* e) {
  if (auto* x = As<Pod>(m)) return ValidatePod(*x, e);
  if (auto* x = As<Service>(m)) return ValidateService(*x, e);
  if (auto* x = As<EndpointSlice>(m)) return ValidateEndpointSlice(*x, e);
  if (auto* x = As<Endpoints>(m)) return ValidateEndpoints(*x, e);
  if (auto* x = As<Deployment>(m)) return ValidateDeployment(*x, e);
  if (auto* x = As<ReplicaSet>(m)) return ValidateReplicaSet(*x, e);
  if (auto* x = As<StatefulSet>(m)) return ValidateStatefulSet(*x, e);
  if (auto* x = As<DaemonSet>(m)) return ValidateDaemonSet(*x, e);
  if (auto* x = As<HorizontalPodAutoscaler>(m)) return ValidateHPA(*x, e);
  if (auto* x = As<Job>(m)) return ValidateJob(*x, e);
  if (auto* x = As<CronJob>(m)) return ValidateCronJob(*x, e);
  if (auto* x = As<ConfigMap>(m)) return ValidateConfigMap(*x, e);
  if (auto* x = As<Secret>(m)) return ValidateSecret(*x, e);
  if (auto* x = As<Namespace>(m)) return ValidateNamespace(*x, e);
  if (auto* x = As<Node>(m)) return ValidateNode(*x, e);
  if (auto* x = As<ServiceAccount>(m)) return ValidateServiceAccount(*x, e);
  if (auto* x = As<Event>(m)) return ValidateEvent(*x, e);
  if (auto* x = As<Role>(m)) return ValidateRole(*x, e);
  if (auto* x = As<ClusterRole>(m)) return ValidateClusterRole(*x, e);
  if (auto* x = As<RoleBinding>(m)) return ValidateRoleBinding(*x, e);
  if (auto* x = As<ClusterRoleBinding>(m)) return ValidateClusterRoleBinding(*x, e);
}

}  // namespace

FieldErrors Validate(const google::protobuf::Message& object) {
  const KindInfo* kind = FindKindOf(object);
  const ObjectMeta* meta = GetObjectMeta(object);
  if (kind == nullptr || meta == nullptr || object.GetDescriptor() != kind->descriptor) {
    return {{"", "Unsupported object type " + object.GetDescriptor()->full_name()}};
  }
  ErrorList e;
  std::string api_version = GetApiVersion(object);
  if (!api_version.empty() && api_version != kind->api_version) {
    e.NotSupported("apiVersion", api_version, {kind->api_version});
  }
  std::string kind_field = GetKind(object);
  if (!kind_field.empty() && kind_field != kind->kind) {
    e.NotSupported("kind", kind_field, {kind->kind});
  }
  ValidateObjectMeta(*meta, kind->namespaced, NameRuleFor(kind->kind), "metadata", &e);
  ValidateBody(object, &e);
  return e.Take();
}

Status InvalidObjectStatus(const google::protobuf::Message& object, const FieldErrors& errors) {
  if (errors.empty()) return Status::Ok();
  const KindInfo* kind = FindKindOf(object);
  const ObjectMeta* meta = GetObjectMeta(object);
  std::string what = kind ? std::string(kind->kind) : object.GetDescriptor()->name();
  std::string name = meta ? (meta->name().empty() ? meta->generate_name() : meta->name()) : "";
  return InvalidArgument(what + " " + Quote(name) + " is invalid: " + JoinFieldErrors(errors));
}

}  // namespace skiff::api
