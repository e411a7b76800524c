#include "api/kinds.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <cctype>

#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/meta.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

constexpr int kApiVersionField = 1;
constexpr int kKindField = 2;
constexpr int kMetadataField = 3;

template <typename M>
KindInfo Make(std::string_view kind, std::string_view group, std::string_view api_version,
              std::string_view resource, std::string_view singular,
              std::vector<std::string_view> short_names, bool namespaced) {
  KindInfo k;
  k.kind = kind;
  k.group = group;
  k.api_version = api_version;
  k.version = api_version.substr(
      api_version.find('/') == std::string_view::npos ? 0 : api_version.find('/') + 1);
  k.resource = resource;
  k.singular = singular;
  k.short_names = std::move(short_names);
  k.namespaced = namespaced;
  k.descriptor = M::descriptor();
  k.prototype = &M::default_instance();
  return k;
}

struct Registry {
  std::vector<KindInfo> kinds;
  std::vector<const KindInfo*> pointers;

  Registry() {
    constexpr bool kNamespaced = true;
    constexpr bool kCluster = false;
    kinds = {
        Make<Namespace>("Namespace", "", "v1", "namespaces", "namespace", {"ns"}, kCluster),
        Make<Node>("Node", "", "v1", "nodes", "node", {"no"}, kCluster),
        Make<Pod>("Pod", "", "v1", "pods", "pod", {"po"}, kNamespaced),
        Make<Service>("Service", "", "v1", "services", "service", {"svc"}, kNamespaced),
        Make<Endpoints>("Endpoints", "", "v1", "endpoints", "endpoints", {"ep"}, kNamespaced),
        Make<ConfigMap>("ConfigMap", "", "v1", "configmaps", "configmap", {"cm"}, kNamespaced),
        Make<Secret>("Secret", "", "v1", "secrets", "secret", {}, kNamespaced),
        Make<ServiceAccount>("ServiceAccount", "", "v1", "serviceaccounts", "serviceaccount",
                             {"sa"}, kNamespaced),
        Make<Event>("Event", "", "v1", "events", "event", {"ev"}, kNamespaced),
        Make<Deployment>("Deployment", "apps", "apps/v1", "deployments", "deployment", {"deploy"},
                         kNamespaced),
        Make<ReplicaSet>("ReplicaSet", "apps", "apps/v1", "replicasets", "replicaset", {"rs"},
                         kNamespaced),
        Make<StatefulSet>("StatefulSet", "apps", "apps/v1", "statefulsets", "statefulset", {"sts"},
                          kNamespaced),
        Make<DaemonSet>("DaemonSet", "apps", "apps/v1", "daemonsets", "daemonset", {"ds"},
                        kNamespaced),
        Make<Job>("Job", "batch", "batch/v1", "jobs", "job", {}, kNamespaced),
        Make<CronJob>("CronJob", "batch", "batch/v1", "cronjobs", "cronjob", {"cj"}, kNamespaced),
        Make<EndpointSlice>("EndpointSlice", "discovery.k8s.io", "discovery.k8s.io/v1",
                            "endpointslices", "endpointslice", {}, kNamespaced),
        Make<HorizontalPodAutoscaler>("HorizontalPodAutoscaler", "autoscaling", "autoscaling/v2",
                                      "horizontalpodautoscalers", "horizontalpodautoscaler",
                                      {"hpa"}, kNamespaced),
        Make<Role>("Role", "rbac.authorization.k8s.io", "rbac.authorization.k8s.io/v1", "roles",
                   "role", {}, kNamespaced),
        Make<ClusterRole>("ClusterRole", "rbac.authorization.k8s.io",
                          "rbac.authorization.k8s.io/v1", "clusterroles", "clusterrole", {},
                          kCluster),
        Make<RoleBinding>("RoleBinding", "rbac.authorization.k8s.io",
                          "rbac.authorization.k8s.io/v1", "rolebindings", "rolebinding", {},
                          kNamespaced),
        Make<ClusterRoleBinding>("ClusterRoleBinding", "rbac.authorization.k8s.io",
                                 "rbac.authorization.k8s.io/v1", "clusterrolebindings",
                                 "clusterrolebinding", {}, kCluster),
    };
    for (const KindInfo& k : kinds)
      pointers.push_back(&k);
  }
};

const Registry& GetRegistry() {
  static const Registry* registry = new Registry();
  return *registry;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool NameMatches(const KindInfo& k, std::string_view name) {
  if (EqualsIgnoreCase(name, k.resource) || EqualsIgnoreCase(name, k.singular) ||
      EqualsIgnoreCase(name, k.kind)) {
    return true;
  }
  return std::any_of(k.short_names.begin(), k.short_names.end(),
                     [&](std::string_view s) { return EqualsIgnoreCase(name, s); });
}

const google::protobuf::FieldDescriptor* FieldOf(const google::protobuf::Message& m, int number,
                                                 google::protobuf::FieldDescriptor::Type type) {
  const google::protobuf::FieldDescriptor* f = m.GetDescriptor()->FindFieldByNumber(number);
  if (f == nullptr || f->type() != type || f->is_repeated()) return nullptr;
  return f;
}

const google::protobuf::FieldDescriptor* MetadataField(const google::protobuf::Message& m) {
  const google::protobuf::FieldDescriptor* f =
      FieldOf(m, kMetadataField, google::protobuf::FieldDescriptor::TYPE_MESSAGE);
  if (f == nullptr || f->message_type() != ObjectMeta::descriptor()) return nullptr;
  return f;
}

std::string GetStringField(const google::protobuf::Message& m, int number) {
  const google::protobuf::FieldDescriptor* f =
      FieldOf(m, number, google::protobuf::FieldDescriptor::TYPE_STRING);
  return f ? m.GetReflection()->GetString(m, f) : std::string();
}

}  // namespace

std::unique_ptr<google::protobuf::Message> KindInfo::New() const {
  return std::unique_ptr<google::protobuf::Message>(prototype->New());
}

std::span<const KindInfo* const> AllKinds() {
  return GetRegistry().pointers;
}

const KindInfo* FindKind(std::string_view kind) {
  for (const KindInfo* k : AllKinds()) {
    if (k->kind == kind) return k;
  }
  return nullptr;
}

const KindInfo* FindKind(std::string_view api_version, std::string_view kind) {
  const KindInfo* k = FindKind(kind);
  return k != nullptr && k->api_version == api_version ? k : nullptr;
}

const KindInfo* FindKind(const google::protobuf::Descriptor* descriptor) {
  for (const KindInfo* k : AllKinds()) {
    if (k->descriptor == descriptor) return k;
  }
  // Messages from another pool (e.g. DynamicMessage) match by full name.
  if (descriptor == nullptr) return nullptr;
  for (const KindInfo* k : AllKinds()) {
    if (k->descriptor->full_name() == descriptor->full_name()) return k;
  }
  return nullptr;
}

const KindInfo* FindKindOf(const google::protobuf::Message& message) {
  return FindKind(message.GetDescriptor());
}

const KindInfo* FindResource(std::string_view name) {
  for (const KindInfo* k : AllKinds()) {
    if (NameMatches(*k, name)) return k;
  }
  // "deployments.apps" or "deployments.v1.apps".
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) return nullptr;
  std::string_view base = name.substr(0, dot);
  std::string_view rest = name.substr(dot + 1);
  for (const KindInfo* k : AllKinds()) {
    if (!NameMatches(*k, base)) continue;
    if (EqualsIgnoreCase(rest, k->group)) return k;
    std::string versioned = std::string(k->version) + "." + std::string(k->group);
    if (EqualsIgnoreCase(rest, versioned)) return k;
  }
  return nullptr;
}

std::string GetApiVersion(const google::protobuf::Message& message) {
  return GetStringField(message, kApiVersionField);
}

std::string GetKind(const google::protobuf::Message& message) {
  return GetStringField(message, kKindField);
}

bool SetTypeMeta(google::protobuf::Message* message) {
  const KindInfo* k = FindKindOf(*message);
  if (k == nullptr) return false;
  const auto* av =
      FieldOf(*message, kApiVersionField, google::protobuf::FieldDescriptor::TYPE_STRING);
  const auto* kd = FieldOf(*message, kKindField, google::protobuf::FieldDescriptor::TYPE_STRING);
  if (av == nullptr || kd == nullptr) return false;
  message->GetReflection()->SetString(message, av, std::string(k->api_version));
  message->GetReflection()->SetString(message, kd, std::string(k->kind));
  return true;
}

const ObjectMeta* GetObjectMeta(const google::protobuf::Message& message) {
  const google::protobuf::FieldDescriptor* f = MetadataField(message);
  if (f == nullptr) return nullptr;
  return google::protobuf::DynamicCastToGenerated<ObjectMeta>(
      &message.GetReflection()->GetMessage(message, f));
}

ObjectMeta* MutableObjectMeta(google::protobuf::Message* message) {
  const google::protobuf::FieldDescriptor* f = MetadataField(*message);
  if (f == nullptr) return nullptr;
  return google::protobuf::DynamicCastToGenerated<ObjectMeta>(
      message->GetReflection()->MutableMessage(message, f));
}

bool SetObjectMeta(google::protobuf::Message* message, const ObjectMeta& meta) {
  ObjectMeta* m = MutableObjectMeta(message);
  if (m == nullptr) return false;
  m->CopyFrom(meta);
  return true;
}

std::string DescribeObject(const google::protobuf::Message& message) {
  const KindInfo* k = FindKindOf(message);
  std::string out = k ? std::string(k->kind) : message.GetDescriptor()->name();
  const ObjectMeta* meta = GetObjectMeta(message);
  std::string name = meta ? meta->name() : "";
  if (name.empty() && meta && !meta->generate_name().empty()) name = meta->generate_name() + "*";
  if (name.empty()) name = "<unnamed>";
  if (meta && !meta->namespace_().empty()) name = meta->namespace_() + "/" + name;
  return out + " " + name;
}

}  // namespace skiff::api
