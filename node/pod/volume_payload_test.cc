#include "node/pod/volume_payload.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>

namespace skiff::node {
namespace {

api::Volume VolumeFromJson(const std::string& json) {
  api::Volume v;
  auto st = google::protobuf::util::JsonStringToMessage(json, &v);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return v;
}

class PayloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto secret = std::make_shared<api::Secret>();
    (*secret->mutable_data())["user"] = "admin";
    (*secret->mutable_data())["password"] = std::string("s3cr\0t", 6);
    auto cm = std::make_shared<api::ConfigMap>();
    (*cm->mutable_data())["app.conf"] = "level=debug\n";
    (*cm->mutable_binary_data())["blob"] = "\x01\x02";
    sources_.secret = [secret](const std::string& ns, const std::string& name) {
      return ns == "shop" && name == "db" ? secret : nullptr;
    };
    sources_.config_map = [cm](const std::string& ns, const std::string& name) {
      return ns == "shop" && name == "cfg" ? cm : nullptr;
    };
  }
  Result<VolumePayload> Compute(const std::string& json) {
    api::Pod pod;
    pod.mutable_metadata()->set_namespace_("shop");
    return ComputeVolumePayload(pod, VolumeFromJson(json), sources_);
  }
  EnvSources sources_;
};

TEST_F(PayloadTest, SecretDefaultsTo0400AndEveryKey) {
  auto p = Compute(R"({"name":"creds","secret":{"secretName":"db"}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ(p->at("user"), (FileProjection{"admin", 0400}));
  EXPECT_EQ(p->at("password").data, std::string("s3cr\0t", 6));
}

TEST_F(PayloadTest, ItemsPickKeysPathsAndModes) {
  auto p = Compute(
      R"({"name":"creds","secret":{"secretName":"db","defaultMode":288,
          "items":[{"key":"user","path":"conf/user.txt"},{"key":"password","path":"pw","mode":256}]}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ(p->at("conf/user.txt").mode, 0440u);  // defaultMode 288 = 0440
  EXPECT_EQ(p->at("pw").mode, 0400u);
}

TEST_F(PayloadTest, ConfigMapDefaultsTo0644WithBinaryData) {
  auto p = Compute(R"({"name":"c","configMap":{"name":"cfg"}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->at("app.conf"), (FileProjection{"level=debug\n", 0644}));
  EXPECT_EQ(p->at("blob").data, "\x01\x02");
}

TEST_F(PayloadTest, MissingObjectsAndKeys) {
  auto missing = Compute(R"({"name":"creds","secret":{"secretName":"nope"}})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "secret \"nope\" not found");
  auto cm = Compute(R"({"name":"c","configMap":{"name":"nope"}})");
  EXPECT_EQ(cm.status().message(), "configmap \"nope\" not found");
  auto optional = Compute(R"({"name":"creds","secret":{"secretName":"nope","optional":true}})");
  ASSERT_TRUE(optional.ok());
  EXPECT_TRUE(optional->empty());
  auto key = Compute(R"({"name":"c","configMap":{"name":"cfg","items":[{"key":"x","path":"x"}]}})");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("non-existent config key: x"), std::string::npos);
  auto skey =
      Compute(R"({"name":"c","secret":{"secretName":"db","items":[{"key":"x","path":"x"}]}})");
  EXPECT_NE(skey.status().message().find("non-existent secret key: x"), std::string::npos);
  auto skipped = Compute(
      R"({"name":"c","configMap":{"name":"cfg","optional":true,"items":[{"key":"x","path":"x"}]}})");
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->empty());
}

TEST_F(PayloadTest, ProjectedMergesSources) {
  auto p = Compute(R"({"name":"all","projected":{"sources":[
      {"secret":{"name":"db","items":[{"key":"user","path":"db/user"}]}},
      {"configMap":{"name":"cfg"}},
      {"secret":{"name":"gone","optional":true}}]}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ(p->at("db/user").mode, 0400u);
  EXPECT_EQ(p->at("app.conf").mode, 0644u);
  auto with_mode = Compute(R"({"name":"all","projected":{"defaultMode":384,"sources":[
      {"configMap":{"name":"cfg"}}]}})");
  ASSERT_TRUE(with_mode.ok());
  EXPECT_EQ(with_mode->at("app.conf").mode, 0600u);
  auto token = Compute(R"({"name":"t","projected":{"sources":[
      {"serviceAccountToken":{"path":"token"}}]}})");
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("sources[0]"), std::string::npos);
}

TEST_F(PayloadTest, ServiceAccountTokenSource) {
  std::vector<std::pair<std::string, int64_t>> asked;
  sources_.service_account_token = [&](const api::Pod&, const std::string& audience,
                                       int64_t seconds) -> Result<std::string> {
    asked.emplace_back(audience, seconds);
    return std::string("tok-") + audience;
  };
  auto p = Compute(R"({"name":"t","projected":{"sources":[
      {"serviceAccountToken":{"audience":"vault","expirationSeconds":7200,"path":"vault/token"}},
      {"serviceAccountToken":{"path":"api-token"}}]}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->at("vault/token"), (FileProjection{"tok-vault", 0644}));
  EXPECT_EQ(p->at("api-token"), (FileProjection{"tok-", 0644}));
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0], (std::pair<std::string, int64_t>{"vault", 7200}));
  EXPECT_EQ(asked[1], (std::pair<std::string, int64_t>{"", 3600}));  // the default lifetime

  auto mode = Compute(R"({"name":"t","projected":{"defaultMode":384,"sources":[
      {"serviceAccountToken":{"path":"token"}}]}})");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode->at("token").mode, 0600u);

  asked.clear();
  auto short_lived = Compute(R"({"name":"t","projected":{"sources":[
      {"serviceAccountToken":{"expirationSeconds":599,"path":"token"}}]}})");
  ASSERT_FALSE(short_lived.ok());
  EXPECT_EQ(short_lived.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_lived.status().message().find("sources[0].serviceAccountToken.expirationSeconds"),
            std::string::npos)
      << short_lived.status().message();
  auto no_path = Compute(R"({"name":"t","projected":{"sources":[{"serviceAccountToken":{}}]}})");
  ASSERT_FALSE(no_path.ok());
  EXPECT_NE(no_path.status().message().find(".path"), std::string::npos);
  auto escape = Compute(R"({"name":"t","projected":{"sources":[
      {"serviceAccountToken":{"path":"../token"}}]}})");
  ASSERT_FALSE(escape.ok());
  EXPECT_TRUE(asked.empty());  // nothing requested for a bad source
}

TEST_F(PayloadTest, PathsAreRelativeAndCannotEscapeOrCollide) {
  for (const char* bad : {"/etc/passwd", "../x", "a/../../x", "..data", "a//b", "a/", "./a", ""}) {
    EXPECT_FALSE(ValidatePayloadPath(bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidatePayloadPath("a/b.txt").ok());
  auto escape = Compute(
      R"({"name":"c","secret":{"secretName":"db","items":[{"key":"user","path":"../../etc/x"}]}})");
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(escape.status().code(), StatusCode::kInvalidArgument);
  auto collide = Compute(R"({"name":"c","secret":{"secretName":"db","items":[
      {"key":"user","path":"a"},{"key":"password","path":"a/b"}]}})");
  ASSERT_FALSE(collide.ok());
  EXPECT_NE(collide.status().message().find("conflict"), std::string::npos);
}

TEST_F(PayloadTest, DownwardApiFieldsAndResources) {
  api::Pod pod;
  auto* m = pod.mutable_metadata();
  m->set_namespace_("shop");
  m->set_name("web-0");
  m->set_uid("u-1");
  (*m->mutable_labels())["tier"] = "fe";
  (*m->mutable_labels())["app"] = "web";
  (*m->mutable_annotations())["note"] = "say \"hi\"\nbye";
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  (*c->mutable_resources()->mutable_limits())["cpu"] = "1500m";
  (*c->mutable_resources()->mutable_limits())["memory"] = "64Mi";
  sources_.node_cpu_milli = 2000;
  auto p = ComputeVolumePayload(pod, VolumeFromJson(R"({"name":"info","downwardAPI":{"items":[
      {"path":"name","fieldRef":{"fieldPath":"metadata.name"}},
      {"path":"meta/labels","fieldRef":{"fieldPath":"metadata.labels"}},
      {"path":"meta/annotations","fieldRef":{"fieldPath":"metadata.annotations"},"mode":256},
      {"path":"tier","fieldRef":{"fieldPath":"metadata.labels['tier']"}},
      {"path":"cpu","resourceFieldRef":{"containerName":"main","resource":"limits.cpu"}},
      {"path":"mem_mi","resourceFieldRef":{"containerName":"main","resource":"limits.memory",
                                           "divisor":"1Mi"}}]}})"),
                                sources_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->at("name").data, "web-0");
  EXPECT_EQ(p->at("name").mode, 0644u);
  // kubelet's format: sorted key="value" lines, Go-quoted values, no final newline.
  EXPECT_EQ(p->at("meta/labels").data, "app=\"web\"\ntier=\"fe\"");
  EXPECT_EQ(p->at("meta/annotations").data, "note=\"say \\\"hi\\\"\\nbye\"");
  EXPECT_EQ(p->at("meta/annotations").mode, 0400u);
  EXPECT_EQ(p->at("tier").data, "fe");
  EXPECT_EQ(p->at("cpu").data, "2");  // 1.5 cores rounded up to whole cores
  EXPECT_EQ(p->at("mem_mi").data, "64");

  // As a projected source too, with the projection's defaultMode.
  auto projected = ComputeVolumePayload(pod, VolumeFromJson(R"({"name":"all","projected":{
      "defaultMode":288,"sources":[{"downwardAPI":{"items":[
      {"path":"ns","fieldRef":{"fieldPath":"metadata.namespace"}}]}}]}})"),
                                        sources_);
  ASSERT_TRUE(projected.ok()) << projected.status().ToString();
  EXPECT_EQ(projected->at("ns").data, "shop");
  EXPECT_EQ(projected->at("ns").mode, 0440u);

  // Bad items name the item.
  for (
      const char* bad :
      {R"({"name":"b","downwardAPI":{"items":[{"path":"x"}]}})",
       R"({"name":"b","downwardAPI":{"items":[{"path":"x","fieldRef":{"fieldPath":"spec.bogus"}}]}})",
       R"({"name":"b","downwardAPI":{"items":[{"path":"x","resourceFieldRef":{
               "containerName":"nope","resource":"limits.cpu"}}]}})",
       R"({"name":"b","downwardAPI":{"items":[{"path":"../x","fieldRef":{
               "fieldPath":"metadata.name"}}]}})"}) {
    auto r = ComputeVolumePayload(pod, VolumeFromJson(bad), sources_);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("x"), std::string::npos) << r.status().message();
  }
}

TEST_F(PayloadTest, OtherVolumeTypesAreRefused) {
  auto p = Compute(R"({"name":"h","hostPath":{"path":"/"}})");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace skiff::node
