// How objects live in the store: keys, encoding, and resourceVersion.
//
// Key layout (as Kubernetes on etcd): /registry/<resource>/<namespace>/<name>
// for namespaced kinds, /registry/<resource>/<name> for cluster-scoped ones.
// Values are the kind's protobuf message, serialized without
// metadata.resourceVersion; on the way out the store's mod_revision is
// appended as an extra metadata field (protobuf merges repeated embedded
// messages), so objects leave the server without being re-encoded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/kinds.h"
#include "common/status.h"

namespace google::protobuf {
class Message;
}

namespace skiff::apiserver {

inline constexpr std::string_view kRegistryPrefix = "/registry/";

std::string ObjectKey(const api::KindInfo& kind, std::string_view ns, std::string_view name);
// Prefix of every object of `kind` (in `ns` when namespaced and ns != "").
std::string KindPrefix(const api::KindInfo& kind, std::string_view ns);

// Parses stored (or wire) bytes as a message of `kind`. INVALID_ARGUMENT on
// bytes that are not such a message.
Result<std::unique_ptr<google::protobuf::Message>> Decode(const api::KindInfo& kind,
                                                          std::string_view bytes);

// Serializes for storage: resourceVersion cleared. Deterministic.
std::string EncodeForStore(const google::protobuf::Message& object);

// `bytes` + metadata.resourceVersion = revision, as wire bytes.
std::string WithResourceVersion(std::string bytes, int64_t revision);

// resourceVersion text <-> store revision. "" parses as 0.
std::string FormatRevision(int64_t revision);
Result<int64_t> ParseResourceVersion(std::string_view text);

}  // namespace skiff::apiserver
