// Shared pieces of the validators (validation*.cc). Internal to api/.
#pragma once

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"

namespace google::protobuf {
class Value;
template <typename Key, typename T>
class Map;
}  // namespace google::protobuf

namespace skiff::api {

class ConfigMap;
class CronJob;
class Job;
class DaemonSet;
class Deployment;
class EndpointSlice;
class Endpoints;
class Event;
class HorizontalPodAutoscaler;
class LabelSelector;
class Namespace;
class Node;
class ObjectMeta;
class Pod;
class PodSpec;
class PodTemplateSpec;
class ReplicaSet;
class Role;
class ClusterRole;
class RoleBinding;
class ClusterRoleBinding;
class Secret;
class Service;
class ServiceAccount;
class StatefulSet;

using StringMap = google::protobuf::Map<std::string, std::string>;

// ---- small helpers (validation.cc) -------------------------------------------------------

// NotSupported unless `value` is one of `allowed`; an empty value passes when allow_empty.
void CheckOneOf(ErrorList* e, std::string_view path, const std::string& value,
                std::initializer_list<std::string_view> allowed, bool allow_empty = true);
void CheckNonNegative(ErrorList* e, std::string_view path, int64_t value);
void CheckPositive(ErrorList* e, std::string_view path, int64_t value);
// A quantity string; returns false after adding an error when it does not parse or is
// negative (when non_negative).
bool CheckQuantity(ErrorList* e, std::string_view path, const std::string& value,
                   bool non_negative = true);
// A port given as number (1-65535) or IANA name; unset is Required.
void CheckPortNumOrName(ErrorList* e, std::string_view path, const google::protobuf::Value& v);
// Count or "N%" (int >= 0, percent syntax; percent <= 100 when max_100). Sets *is_zero.
void CheckIntOrPercent(ErrorList* e, std::string_view path, const google::protobuf::Value& v,
                       bool max_100, bool* is_zero);
// A DNS-1123 subdomain, with a trailing dot allowed (absolute names).
void CheckDNSName(ErrorList* e, std::string_view path, const std::string& value);
// Renders a label map for messages: {"app":"web"}.
std::string RenderLabels(const StringMap& labels);

// ---- metadata (validation_meta.cc) -------------------------------------------------------

enum class NameRule { kDNS1123Subdomain, kDNS1123Label, kDNS1035Label, kPathSegment };

void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule,
                        std::string_view path, ErrorList* e);
void ValidateAnnotations(const StringMap& annotations, std::string_view path, ErrorList* e);
// Labels and annotations of a template's metadata.
void ValidateTemplateMeta(const ObjectMeta& meta, std::string_view path, ErrorList* e);

// ---- pods (validation_pod.cc) ------------------------------------------------------------

struct PodSpecOptions {
  bool require_image = true;  // false for templates (images may be filled in later)
  // Volume names that exist besides spec.volumes (StatefulSet volumeClaimTemplates).
  std::set<std::string> extra_volumes;
};
void ValidatePodSpec(const PodSpec& spec, std::string_view path, const PodSpecOptions& options,
                     ErrorList* e);
void ValidatePod(const Pod& pod, ErrorList* e);
// A selector + template: selector required and non-empty, template labels matching it,
// template metadata and pod spec valid.
void ValidateSelectedTemplate(const LabelSelector* selector, const PodTemplateSpec* tmpl,
                              std::string_view spec_path, const PodSpecOptions& options,
                              ErrorList* e);
// ValidateSelectedTemplate plus the long-running workload rules: template restartPolicy
// Always, no activeDeadlineSeconds.
void ValidateWorkloadTemplate(const LabelSelector* selector, const PodTemplateSpec* tmpl,
                              std::string_view spec_path, const PodSpecOptions& options,
                              ErrorList* e);
// Resource requirements map (limits/requests): names and quantities.
void ValidateResourceList(const StringMap& resources, std::string_view path, ErrorList* e);

// ---- kinds (validation_service.cc, validation_workloads.cc, validation_config.cc) --------

void ValidateService(const Service& s, ErrorList* e);
void ValidateEndpointSlice(const EndpointSlice& s, ErrorList* e);
void ValidateEndpoints(const Endpoints& s, ErrorList* e);
void ValidateDeployment(const Deployment& d, ErrorList* e);
void ValidateReplicaSet(const ReplicaSet& rs, ErrorList* e);
void ValidateStatefulSet(const StatefulSet& s, ErrorList* e);
void ValidateDaemonSet(const DaemonSet& d, ErrorList* e);
void ValidateHPA(const HorizontalPodAutoscaler& h, ErrorList* e);
// validation_batch.cc
void ValidateJob(const Job& j, ErrorList* e);
void ValidateCronJob(const CronJob& c, ErrorList* e);
void ValidateJobUpdate(const Job& old, const Job& now, ErrorList* e);
void ValidateConfigMap(const ConfigMap& c, ErrorList* e);
void ValidateSecret(const Secret& s, ErrorList* e);
void ValidateNamespace(const Namespace& n, ErrorList* e);
void ValidateNode(const Node& n, ErrorList* e);
void ValidateServiceAccount(const ServiceAccount& s, ErrorList* e);
void ValidateEvent(const Event& ev, ErrorList* e);
void ValidateRole(const Role& r, ErrorList* e);
void ValidateClusterRole(const ClusterRole& r, ErrorList* e);
void ValidateRoleBinding(const RoleBinding& b, ErrorList* e);
void ValidateClusterRoleBinding(const ClusterRoleBinding& b, ErrorList* e);

}  // namespace skiff::api
