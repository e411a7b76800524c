#include "api/pod_references.h"

#include <set>

namespace skiff::api {
namespace {

template <typename F>
void ForEachContainer(const api::PodSpec& spec, F f) {
  for (const auto& c : spec.init_containers())
    f(c.env(), c.env_from());
  for (const auto& c : spec.containers())
    f(c.env(), c.env_from());
}

}  // namespace

std::vector<std::string> ReferencedSecrets(const api::Pod& pod) {
  std::set<std::string> out;
  const auto& spec = pod.spec();
  for (const auto& v : spec.volumes()) {
    if (!v.secret().secret_name().empty()) out.insert(v.secret().secret_name());
    for (const auto& src : v.projected().sources()) {
      if (!src.secret().name().empty()) out.insert(src.secret().name());
    }
  }
  ForEachContainer(spec, [&](const auto& env, const auto& env_from) {
    for (const auto& e : env) {
      if (!e.value_from().secret_key_ref().name().empty()) {
        out.insert(e.value_from().secret_key_ref().name());
      }
    }
    for (const auto& f : env_from) {
      if (!f.secret_ref().name().empty()) out.insert(f.secret_ref().name());
    }
  });
  for (const auto& s : spec.image_pull_secrets())
    out.insert(s.name());
  return {out.begin(), out.end()};
}

std::vector<std::string> ReferencedConfigMaps(const api::Pod& pod) {
  std::set<std::string> out;
  const auto& spec = pod.spec();
  for (const auto& v : spec.volumes()) {
    if (!v.config_map().name().empty()) out.insert(v.config_map().name());
    for (const auto& src : v.projected().sources()) {
      if (!src.config_map().name().empty()) out.insert(src.config_map().name());
    }
  }
  ForEachContainer(spec, [&](const auto& env, const auto& env_from) {
    for (const auto& e : env) {
      if (!e.value_from().config_map_key_ref().name().empty()) {
        out.insert(e.value_from().config_map_key_ref().name());
      }
    }
    for (const auto& f : env_from) {
      if (!f.config_map_ref().name().empty()) out.insert(f.config_map_ref().name());
    }
  });
  return {out.begin(), out.end()};
}

}  // namespace skiff::api
