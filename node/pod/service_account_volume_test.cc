// The API access volume the agent adds (kube-apiserver's ServiceAccount
// admission equivalent) and what it holds.
#include "node/pod/service_account_volume.h"

#include <gtest/gtest.h>

#include "node/pod/volume_payload.h"

namespace skiff::node {
namespace {

api::Pod MakePod() {
  api::Pod pod;
  pod.mutable_metadata()->set_name("web");
  pod.mutable_metadata()->set_namespace_("shop");
  pod.mutable_metadata()->set_uid("6f1c2a9e-0000-4000-8000-000000000001");
  pod.mutable_spec()->add_init_containers()->set_name("init");
  pod.mutable_spec()->add_containers()->set_name("app");
  pod.mutable_spec()->add_containers()->set_name("side");
  return pod;
}

TEST(ApiAccessVolume, AutomountFollowsPodThenServiceAccount) {
  api::Pod pod = MakePod();
  api::ServiceAccount sa;
  EXPECT_TRUE(ShouldAutomountToken(pod, nullptr));
  EXPECT_TRUE(ShouldAutomountToken(pod, &sa));
  sa.set_automount_service_account_token(false);
  EXPECT_FALSE(ShouldAutomountToken(pod, &sa));
  pod.mutable_spec()->set_automount_service_account_token(true);  // the pod's word wins
  EXPECT_TRUE(ShouldAutomountToken(pod, &sa));
  pod.mutable_spec()->set_automount_service_account_token(false);
  sa.set_automount_service_account_token(true);
  EXPECT_FALSE(ShouldAutomountToken(pod, &sa));
  EXPECT_EQ(ServiceAccountName(pod), "default");
  pod.mutable_spec()->set_service_account_name("builder");
  EXPECT_EQ(ServiceAccountName(pod), "builder");
}

TEST(ApiAccessVolume, NameIsStablePerPodUid) {
  api::Pod a = MakePod(), b = MakePod();
  b.mutable_metadata()->set_uid("6f1c2a9e-0000-4000-8000-000000000002");
  std::string name = ApiAccessVolumeName(a);
  ASSERT_EQ(name.size(), std::string("kube-api-access-").size() + 5);
  EXPECT_TRUE(name.starts_with("kube-api-access-"));
  EXPECT_EQ(name, ApiAccessVolumeName(a));
  EXPECT_NE(name, ApiAccessVolumeName(b));
}

TEST(ApiAccessVolume, AddsVolumeAndReadOnlyMountsToEveryContainer) {
  api::Pod pod = MakePod();
  auto* own = pod.mutable_spec()->mutable_containers(1)->add_volume_mounts();
  own->set_name("mine");
  own->set_mount_path(kApiAccessMountPath);
  auto out = WithApiAccessVolume(pod);
  const std::string name = ApiAccessVolumeName(pod);
  ASSERT_EQ(out->spec().volumes_size(), 1);
  const auto& v = out->spec().volumes(0);
  EXPECT_EQ(v.name(), name);
  ASSERT_EQ(v.projected().sources_size(), 3);
  EXPECT_EQ(v.projected().sources(0).service_account_token().expiration_seconds(), 3607);
  EXPECT_EQ(v.projected().sources(0).service_account_token().path(), "token");
  EXPECT_EQ(v.projected().sources(0).service_account_token().audience(), "");
  for (const auto* c : {&out->spec().init_containers(0), &out->spec().containers(0)}) {
    ASSERT_EQ(c->volume_mounts_size(), 1) << c->name();
    EXPECT_EQ(c->volume_mounts(0).name(), name);
    EXPECT_EQ(c->volume_mounts(0).mount_path(), kApiAccessMountPath);
    EXPECT_TRUE(c->volume_mounts(0).read_only());
  }
  // A container that mounts its own volume there keeps it.
  ASSERT_EQ(out->spec().containers(1).volume_mounts_size(), 1);
  EXPECT_EQ(out->spec().containers(1).volume_mounts(0).name(), "mine");
  // Idempotent, and the per-container helper agrees.
  EXPECT_EQ(WithApiAccessVolume(*out)->spec().volumes_size(), 1);
  EXPECT_EQ(WithApiAccessMount(*out, pod.spec().containers(0)).volume_mounts_size(), 1);
  EXPECT_EQ(WithApiAccessMount(pod, pod.spec().containers(0)).volume_mounts_size(), 0);
}

TEST(ApiAccessVolume, HoldsTokenCaAndNamespace) {
  api::Pod pod = MakePod();
  pod.mutable_spec()->set_service_account_name("builder");
  auto out = WithApiAccessVolume(pod);
  EnvSources sources;
  auto ca = std::make_shared<api::ConfigMap>();
  (*ca->mutable_data())["ca.crt"] = "-----BEGIN CERTIFICATE-----\n";
  sources.config_map = [ca](const std::string&, const std::string& name) {
    return name == kRootCaConfigMap ? ca : nullptr;
  };
  std::string asked_audience;
  int64_t asked_seconds = 0;
  sources.service_account_token = [&](const api::Pod& p, const std::string& audience,
                                      int64_t seconds) -> Result<std::string> {
    asked_audience = audience;
    asked_seconds = seconds;
    return "token-for-" + ServiceAccountName(p);
  };
  auto payload = ComputeVolumePayload(*out, out->spec().volumes(0), sources);
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  ASSERT_EQ(payload->size(), 3u);
  EXPECT_EQ(payload->at("token").data, "token-for-builder");
  EXPECT_EQ(payload->at("ca.crt").data, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(payload->at("namespace").data, "shop");
  for (const auto& [path, file] : *payload)
    EXPECT_EQ(file.mode, 0644u) << path;
  EXPECT_EQ(asked_audience, "");
  EXPECT_EQ(asked_seconds, 3607);

  sources.service_account_token = [](const api::Pod&, const std::string&,
                                     int64_t) -> Result<std::string> {
    return NotFound("serviceaccounts \"builder\" not found");
  };
  payload = ComputeVolumePayload(*out, out->spec().volumes(0), sources);
  ASSERT_FALSE(payload.ok());
  EXPECT_EQ(payload.status().message(),
            "failed to fetch token: serviceaccounts \"builder\" not found");
}

}  // namespace
}  // namespace skiff::node
