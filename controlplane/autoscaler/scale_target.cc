#include "controlplane/autoscaler/scale_target.h"

#include "api/client/typed.h"
#include "api/labels.h"
#include "skiff/api/apps.pb.h"

namespace skiff::autoscaler {
namespace {

template <typename T>
Result<Scale> Read(api::ApiClient& client, const std::string& ns, const std::string& name) {
  auto obj = api::GetObject<T>(client, ns, name);
  if (!obj.ok()) return obj.status();
  Scale s;
  s.kind = api::KindName<T>();
  s.ns = ns;
  s.name = name;
  s.spec_replicas = obj->spec().has_replicas() ? obj->spec().replicas() : 1;
  s.status_replicas = obj->status().replicas();
  auto selector = api::Selector::FromLabelSelector(obj->spec().selector());
  if (selector.ok()) {
    s.selector = selector->ToString();
  } else {
    s.selector_error = selector.status().message();
  }
  s.object = std::make_shared<T>(std::move(*obj));
  return s;
}

template <typename T>
Status Write(api::ApiClient& client, const Scale& scale, int32_t replicas) {
  T obj = static_cast<const T&>(*scale.object);
  obj.mutable_spec()->set_replicas(replicas);
  return api::UpdateObject(client, obj).status();
}

}  // namespace

Result<Scale> GetScale(api::ApiClient& client, const api::HorizontalPodAutoscaler& hpa) {
  const auto& ref = hpa.spec().scale_target_ref();
  const std::string& ns = hpa.metadata().namespace_();
  std::string group = ref.api_version();
  if (auto slash = group.find('/'); slash != std::string::npos) {
    group = group.substr(0, slash);
  } else {
    group = "";  // "v1": the core group
  }
  bool apps = ref.api_version().empty() || ref.api_version() == "apps/v1";
  if (apps && ref.kind() == "Deployment") return Read<api::Deployment>(client, ns, ref.name());
  if (apps && ref.kind() == "ReplicaSet") return Read<api::ReplicaSet>(client, ns, ref.name());
  if (apps && ref.kind() == "StatefulSet") return Read<api::StatefulSet>(client, ns, ref.name());
  return InvalidArgument("no matches for kind \"" + ref.kind() + "\" in group \"" + group +
                         "\" (apiVersion \"" + ref.api_version() +
                         "\"): the HPA scales apps/v1 Deployment, ReplicaSet and StatefulSet");
}

Status UpdateScale(api::ApiClient& client, const Scale& scale, int32_t replicas) {
  if (scale.kind == "Deployment") return Write<api::Deployment>(client, scale, replicas);
  if (scale.kind == "ReplicaSet") return Write<api::ReplicaSet>(client, scale, replicas);
  if (scale.kind == "StatefulSet") return Write<api::StatefulSet>(client, scale, replicas);
  return InvalidArgument("cannot scale kind " + scale.kind);
}

}  // namespace skiff::autoscaler
