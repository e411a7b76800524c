// The kind registry: every kind Skiff stores, with its Kubernetes names, scope, protobuf
// descriptor and a factory, plus generic accessors for apiVersion/kind/metadata of any kind
// message (fields 1, 2, 3 of every kind message, reached by reflection).
//
// The registry is built once, is immutable, and is safe to use from any thread. KindInfo
// pointers stay valid for the life of the process.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace skiff::api {

class ObjectMeta;  // skiff/api/meta.pb.h

struct KindInfo {
  std::string_view kind;                      // "Deployment"
  std::string_view group;                     // "apps"; "" for the core group
  std::string_view version;                   // "v1"
  std::string_view api_version;               // "apps/v1"; "v1" for the core group
  std::string_view resource;                  // plural: "deployments"
  std::string_view singular;                  // "deployment"
  std::vector<std::string_view> short_names;  // {"deploy"}
  bool namespaced = true;
  const google::protobuf::Descriptor* descriptor = nullptr;
  const google::protobuf::Message* prototype = nullptr;

  // A new, empty message of this kind (apiVersion/kind not set; see SetTypeMeta).
  std::unique_ptr<google::protobuf::Message> New() const;
};

// Every registered kind, in a stable order (core, apps, discovery, autoscaling, rbac).
std::span<const KindInfo* const> AllKinds();

// By kind name, exactly as written in manifests ("Deployment"); nullptr if unknown.
const KindInfo* FindKind(std::string_view kind);
// By apiVersion and kind; nullptr unless both match a registered kind.
const KindInfo* FindKind(std::string_view api_version, std::string_view kind);
// By message type; nullptr for messages that are not kinds.
const KindInfo* FindKind(const google::protobuf::Descriptor* descriptor);
const KindInfo* FindKindOf(const google::protobuf::Message& message);

// Like kubectl: case-insensitive plural, singular, short name or kind ("pods", "pod", "po",
// "Pod"), optionally qualified by group ("deployments.apps") or version and group
// ("deployments.v1.apps"). nullptr if nothing matches.
const KindInfo* FindResource(std::string_view name);

// apiVersion / kind fields (1, 2) of a kind message; "" when absent.
std::string GetApiVersion(const google::protobuf::Message& message);
std::string GetKind(const google::protobuf::Message& message);
// Sets apiVersion and kind from the registry. Returns false for non-kind messages.
bool SetTypeMeta(google::protobuf::Message* message);

// metadata (field 3). Get returns nullptr when the message has no ObjectMeta field 3 (the
// default instance is returned when it is unset). Mutable creates it when unset.
const ObjectMeta* GetObjectMeta(const google::protobuf::Message& message);
ObjectMeta* MutableObjectMeta(google::protobuf::Message* message);
// Copies `meta` into the message; false when the message has no metadata field.
bool SetObjectMeta(google::protobuf::Message* message, const ObjectMeta& meta);

// "Deployment default/web", "Node n1", "Pod <unnamed>": for log and error messages.
std::string DescribeObject(const google::protobuf::Message& message);

}  // namespace skiff::api
