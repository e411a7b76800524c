// What a secret, configMap, downwardAPI or projected volume holds: the files
// (relative path -> bytes and mode) computed from the Secret/ConfigMap
// objects and the pod itself, as kubelet's volume plugins compute them
// before handing them to AtomicWriter.
//
//   - all keys of the object, or only spec `items` (key -> path, own mode);
//   - mode: items[].mode, else defaultMode, else 0400 for Secrets (Skiff's
//     default, stricter than Kubernetes' 0644) and 0644 for ConfigMaps;
//     projected volumes: their defaultMode, else the per-source default;
//   - a missing object: an error (kubelet's FailedMount text, e.g.
//     `secret "db" not found`) unless `optional`, then no files from it;
//   - a missing key listed in items: an error unless `optional`, then skipped;
//   - downwardAPI items: a pod field (fieldRef: metadata.name, namespace,
//     uid, labels, annotations, labels['k'], ...) or a container resource
//     (resourceFieldRef with containerName and divisor), mode 0644 unless
//     items[].mode / defaultMode say otherwise;
//   - serviceAccountToken sources: a token of the pod's ServiceAccount from
//     `sources.service_account_token` (audience, expirationSeconds: default
//     3600, at least 600), mode 0644 unless defaultMode says otherwise; a
//     failed token request is UNAVAILABLE "failed to fetch token: ...";
//   - paths are relative, without ".." components, and may not collide
//     ("a" and "a/b"): INVALID_ARGUMENT naming the path.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"
#include "node/pod/env.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct FileProjection {
  std::string data;
  uint32_t mode = 0644;  // permission bits only
  bool operator==(const FileProjection&) const = default;
};
using VolumePayload = std::map<std::string, FileProjection>;  // by relative path

inline constexpr uint32_t kSecretDefaultMode = 0400;
inline constexpr uint32_t kConfigMapDefaultMode = 0644;
inline constexpr uint32_t kDownwardApiDefaultMode = 0644;
inline constexpr uint32_t kServiceAccountTokenDefaultMode = 0644;
// serviceAccountToken.expirationSeconds: default, and the API's bounds.
inline constexpr int64_t kDefaultTokenExpirationSeconds = 3600;
inline constexpr int64_t kMinTokenExpirationSeconds = 600;
inline constexpr int64_t kMaxTokenExpirationSeconds = 1LL << 32;

// The payload of `volume` of `pod`, looking objects up in the pod's
// namespace through `sources.secret` / `sources.config_map` (pod IPs and
// node allocatable for downwardAPI also from `sources`). INVALID_ARGUMENT
// for a volume that is not secret, configMap, downwardAPI or projected
// (projected clusterTrustBundle sources are refused naming the source).
Result<VolumePayload> ComputeVolumePayload(const api::Pod& pod, const api::Volume& volume,
                                           const EnvSources& sources);

// OK when `path` may be written below a volume's root: relative, not empty,
// no "." or ".." components, not starting with "..".
Status ValidatePayloadPath(const std::string& path);

}  // namespace skiff::node
