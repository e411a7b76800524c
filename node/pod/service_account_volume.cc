#include "node/pod/service_account_volume.h"

namespace skiff::node {
namespace {

bool HasVolume(const api::Pod& pod, const std::string& name) {
  for (const auto& v : pod.spec().volumes()) {
    if (v.name() == name) return true;
  }
  return false;
}

api::Volume ApiAccessVolume(const api::Pod& pod) {
  api::Volume v;
  v.set_name(ApiAccessVolumeName(pod));
  auto* p = v.mutable_projected();
  p->set_default_mode(0644);
  auto* token = p->add_sources()->mutable_service_account_token();
  token->set_expiration_seconds(kApiAccessTokenSeconds);
  token->set_path("token");
  auto* ca = p->add_sources()->mutable_config_map();
  ca->set_name(kRootCaConfigMap);
  auto* item = ca->add_items();
  item->set_key("ca.crt");
  item->set_path("ca.crt");
  auto* ns = p->add_sources()->mutable_downward_api()->add_items();
  ns->set_path("namespace");
  ns->mutable_field_ref()->set_api_version("v1");
  ns->mutable_field_ref()->set_field_path("metadata.namespace");
  return v;
}

}  // namespace

std::string ServiceAccountName(const api::Pod& pod) {
  return pod.spec().service_account_name().empty() ? "default" : pod.spec().service_account_name();
}

bool ShouldAutomountToken(const api::Pod& pod, const api::ServiceAccount* sa) {
  if (pod.spec().has_automount_service_account_token()) {
    return pod.spec().automount_service_account_token();
  }
  if (sa != nullptr && sa->has_automount_service_account_token()) {
    return sa->automount_service_account_token();
  }
  return true;
}

std::string ApiAccessVolumeName(const api::Pod& pod) {
  // k8s.io/apimachinery's rand.String alphabet (no vowels, no confusable digits).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across builds, unlike std::hash
  for (unsigned char c : pod.metadata().uid()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::string name = "kube-api-access-";
  for (int i = 0; i < 5; ++i) {
    name += kAlphabet[h % (sizeof(kAlphabet) - 1)];
    h /= sizeof(kAlphabet) - 1;
  }
  return name;
}

api::Container WithApiAccessMount(const api::Pod& pod, const api::Container& container) {
  std::string name = ApiAccessVolumeName(pod);
  if (!HasVolume(pod, name)) return container;
  for (const auto& m : container.volume_mounts()) {
    if (m.mount_path() == kApiAccessMountPath ||
        m.mount_path() == std::string(kApiAccessMountPath) + "/") {
      return container;
    }
  }
  api::Container out = container;
  auto* m = out.add_volume_mounts();
  m->set_name(name);
  m->set_mount_path(kApiAccessMountPath);
  m->set_read_only(true);
  return out;
}

std::shared_ptr<const api::Pod> WithApiAccessVolume(const api::Pod& pod) {
  auto out = std::make_shared<api::Pod>(pod);
  if (HasVolume(pod, ApiAccessVolumeName(pod))) return out;
  *out->mutable_spec()->add_volumes() = ApiAccessVolume(pod);
  for (auto* list : {out->mutable_spec()->mutable_init_containers(),
                     out->mutable_spec()->mutable_containers()}) {
    for (auto& c : *list)
      c = WithApiAccessMount(*out, c);
  }
  return out;
}

}  // namespace skiff::node
