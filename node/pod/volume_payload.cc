#include "node/pod/volume_payload.h"

#include <sstream>
#include <vector>

namespace skiff::node {
namespace {

using KeyMap = std::map<std::string, const std::string*>;

struct Source {
  const char* kind;  // "secret", "configmap": as kubelet's errors spell them
  std::string name;  // object name
  const google::protobuf::RepeatedPtrField<api::KeyToPath>* items;
  uint32_t mode;  // default mode for this source
  bool optional;
};

Status AddFile(VolumePayload& out, const std::string& path, const std::string& data,
               uint32_t mode) {
  SKIFF_RETURN_IF_ERROR(ValidatePayloadPath(path));
  // A path that is a directory of another ("a" vs "a/b") cannot be both.
  for (const auto& [existing, unused] : out) {
    if (existing == path) continue;
    if (existing.starts_with(path + "/") || path.starts_with(existing + "/")) {
      return InvalidArgument("volume paths \"" + existing + "\" and \"" + path + "\" conflict");
    }
  }
  out[path] = FileProjection{data, mode & 0777};
  return Status::Ok();
}

// Projects `keys` (nullptr: the object does not exist) into `out`.
Status Project(const Source& src, const std::string& ns, const KeyMap* keys, VolumePayload& out) {
  if (keys == nullptr) {
    if (src.optional) return Status::Ok();
    return NotFound(std::string(src.kind) + " \"" + src.name + "\" not found");
  }
  if (src.items == nullptr || src.items->empty()) {
    for (const auto& [key, value] : *keys)
      SKIFF_RETURN_IF_ERROR(AddFile(out, key, *value, src.mode));
    return Status::Ok();
  }
  for (const auto& item : *src.items) {
    auto it = keys->find(item.key());
    if (it == keys->end()) {
      if (src.optional) continue;
      return std::string(src.kind) == "secret"
                 ? NotFound("references non-existent secret key: " + item.key() + " (Secret " + ns +
                            "/" + src.name + ")")
                 : NotFound("configmap references non-existent config key: " + item.key() +
                            " (ConfigMap " + ns + "/" + src.name + ")");
    }
    uint32_t mode = item.has_mode() ? static_cast<uint32_t>(item.mode()) : src.mode;
    SKIFF_RETURN_IF_ERROR(AddFile(out, item.path(), *it->second, mode));
  }
  return Status::Ok();
}

Status ProjectSecret(const Source& src, const std::string& ns, const EnvSources& sources,
                     VolumePayload& out) {
  auto secret = sources.secret ? sources.secret(ns, src.name) : nullptr;
  if (!secret) return Project(src, ns, nullptr, out);
  KeyMap keys;
  for (const auto& [k, v] : secret->data())
    keys[k] = &v;
  return Project(src, ns, &keys, out);
}

Status ProjectConfigMap(const Source& src, const std::string& ns, const EnvSources& sources,
                        VolumePayload& out) {
  auto cm = sources.config_map ? sources.config_map(ns, src.name) : nullptr;
  if (!cm) return Project(src, ns, nullptr, out);
  KeyMap keys;
  for (const auto& [k, v] : cm->data())
    keys[k] = &v;
  for (const auto& [k, v] : cm->binary_data())
    keys[k] = &v;
  return Project(src, ns, &keys, out);
}

// downwardAPI items: pod fields and container resources as files.
Status ProjectDownwardApi(
    const api::Pod& pod,
    const google::protobuf::RepeatedPtrField<api::DownwardAPIVolumeFile>& items,
    uint32_t default_mode, const EnvSources& sources, VolumePayload& out) {
  for (int i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    const std::string where = "downwardAPI items[" + std::to_string(i) + "] (" + item.path() + ")";
    const bool field = item.has_field_ref() && !item.field_ref().field_path().empty();
    const bool resource =
        item.has_resource_field_ref() && !item.resource_field_ref().resource().empty();
    if (field == resource) {
      return InvalidArgument(where + ": exactly one of fieldRef and resourceFieldRef is required");
    }
    Result<std::string> value = std::string();
    if (field) {
      value = PodFieldValue(pod, item.field_ref().field_path(), sources.pod_ips, sources.host_ips);
    } else {
      const auto& sel = item.resource_field_ref();
      const api::Container* target = nullptr;
      for (const auto* list : {&pod.spec().containers(), &pod.spec().init_containers()}) {
        for (const auto& c : *list) {
          if (c.name() == sel.container_name()) target = &c;
        }
      }
      if (target == nullptr) {
        return InvalidArgument(where + ": resourceFieldRef: container \"" + sel.container_name() +
                               "\" not found");
      }
      value = ContainerResourceValue(*target, sel, sources);
    }
    if (!value.ok()) return InvalidArgument(where + ": " + value.status().message());
    uint32_t mode = item.has_mode() ? static_cast<uint32_t>(item.mode()) : default_mode;
    SKIFF_RETURN_IF_ERROR(AddFile(out, item.path(), *value, mode));
  }
  return Status::Ok();
}

// A serviceAccountToken source: the token of the pod's ServiceAccount at `path`.
Status ProjectServiceAccountToken(const api::Pod& pod, const api::ServiceAccountTokenProjection& t,
                                  const std::string& where, uint32_t mode,
                                  const EnvSources& sources, VolumePayload& out) {
  int64_t seconds =
      t.has_expiration_seconds() ? t.expiration_seconds() : kDefaultTokenExpirationSeconds;
  if (seconds < kMinTokenExpirationSeconds) {
    return InvalidArgument(where + ".expirationSeconds: may not specify a duration less than " +
                           std::to_string(kMinTokenExpirationSeconds) + " seconds");
  }
  if (seconds > kMaxTokenExpirationSeconds) {
    return InvalidArgument(where + ".expirationSeconds: may not specify a duration larger than " +
                           std::to_string(kMaxTokenExpirationSeconds) + " seconds");
  }
  if (t.path().empty()) return InvalidArgument(where + ".path: required");
  SKIFF_RETURN_IF_ERROR(ValidatePayloadPath(t.path()));
  if (!sources.service_account_token) {
    return InvalidArgument(where + ": service account tokens are not available on this node");
  }
  auto token = sources.service_account_token(pod, t.audience(), seconds);
  if (!token.ok()) return Unavailable("failed to fetch token: " + token.status().message());
  return AddFile(out, t.path(), *token, mode);
}

}  // namespace

Status ValidatePayloadPath(const std::string& path) {
  if (path.empty()) return InvalidArgument("volume path must not be empty");
  if (path.size() > 4096) return InvalidArgument("volume path \"" + path + "\" is too long");
  if (path.front() == '/') {
    return InvalidArgument("volume path \"" + path + "\" must be relative");
  }
  if (path.starts_with("..")) {
    return InvalidArgument("volume path \"" + path + "\" must not start with \"..\"");
  }
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty() || part == "." || part == "..") {
      return InvalidArgument("volume path \"" + path +
                             "\" must not contain empty, \".\" or \"..\" components");
    }
  }
  if (path.back() == '/') {
    return InvalidArgument("volume path \"" + path + "\" must not end with \"/\"");
  }
  return Status::Ok();
}

Result<VolumePayload> ComputeVolumePayload(const api::Pod& pod, const api::Volume& volume,
                                           const EnvSources& sources) {
  const std::string& ns = pod.metadata().namespace_();
  VolumePayload out;
  if (volume.has_secret()) {
    const auto& s = volume.secret();
    Source src{"secret", s.secret_name(), &s.items(),
               s.has_default_mode() ? static_cast<uint32_t>(s.default_mode()) : kSecretDefaultMode,
               s.has_optional() && s.optional()};
    SKIFF_RETURN_IF_ERROR(ProjectSecret(src, ns, sources, out));
    return out;
  }
  if (volume.has_config_map()) {
    const auto& c = volume.config_map();
    Source src{
        "configmap", c.name(), &c.items(),
        c.has_default_mode() ? static_cast<uint32_t>(c.default_mode()) : kConfigMapDefaultMode,
        c.has_optional() && c.optional()};
    SKIFF_RETURN_IF_ERROR(ProjectConfigMap(src, ns, sources, out));
    return out;
  }
  if (volume.has_downward_api()) {
    const auto& d = volume.downward_api();
    SKIFF_RETURN_IF_ERROR(ProjectDownwardApi(
        pod, d.items(),
        d.has_default_mode() ? static_cast<uint32_t>(d.default_mode()) : kDownwardApiDefaultMode,
        sources, out));
    return out;
  }
  if (volume.has_projected()) {
    const auto& p = volume.projected();
    for (int i = 0; i < p.sources_size(); ++i) {
      const auto& s = p.sources(i);
      if (s.has_secret()) {
        Source src{
            "secret", s.secret().name(), &s.secret().items(),
            p.has_default_mode() ? static_cast<uint32_t>(p.default_mode()) : kSecretDefaultMode,
            s.secret().has_optional() && s.secret().optional()};
        SKIFF_RETURN_IF_ERROR(ProjectSecret(src, ns, sources, out));
      } else if (s.has_config_map()) {
        Source src{
            "configmap", s.config_map().name(), &s.config_map().items(),
            p.has_default_mode() ? static_cast<uint32_t>(p.default_mode()) : kConfigMapDefaultMode,
            s.config_map().has_optional() && s.config_map().optional()};
        SKIFF_RETURN_IF_ERROR(ProjectConfigMap(src, ns, sources, out));
      } else if (s.has_downward_api()) {
        SKIFF_RETURN_IF_ERROR(ProjectDownwardApi(pod, s.downward_api().items(),
                                                 p.has_default_mode()
                                                     ? static_cast<uint32_t>(p.default_mode())
                                                     : kDownwardApiDefaultMode,
                                                 sources, out));
      } else if (s.has_service_account_token()) {
        SKIFF_RETURN_IF_ERROR(ProjectServiceAccountToken(
            pod, s.service_account_token(),
            "sources[" + std::to_string(i) + "].serviceAccountToken",
            p.has_default_mode() ? static_cast<uint32_t>(p.default_mode())
                                 : kServiceAccountTokenDefaultMode,
            sources, out));
      } else {
        return InvalidArgument("projected volume \"" + volume.name() + "\": sources[" +
                               std::to_string(i) +
                               "]: only secret, configMap, downwardAPI and serviceAccountToken "
                               "projections are supported");
      }
    }
    return out;
  }
  return InvalidArgument("volume \"" + volume.name() +
                         "\" is not a secret, configMap, downwardAPI or projected volume");
}

}  // namespace skiff::node
