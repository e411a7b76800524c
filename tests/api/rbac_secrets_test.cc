// Access control and secrets at rest, against a running server: every verb
// refused without a binding, a namespace's Role not reaching another
// namespace, node agents limited to their own pods' Secrets, bad tokens
// refused; Secrets stored without plaintext and re-encrypted under a new key.
#include <google/protobuf/util/time_util.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/client/config.h"
#include "api/client/remote_client.h"
#include "common/base64.h"
#include "controlplane/auth/signed_tokens.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;

class RbacTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    for (const char* ns : {"team-a", "team-b"}) {
      api::Namespace n;
      n.mutable_metadata()->set_name(ns);
      ASSERT_TRUE(api::CreateObject(*client_, n).ok());
      api::Secret s;
      s.mutable_metadata()->set_name("db");
      s.mutable_metadata()->set_namespace_(ns);
      (*s.mutable_data())["password"] = std::string("hunter2-") + ns;
      ASSERT_TRUE(api::CreateObject(*client_, s).ok());
    }
  }

  // A client authenticated as ServiceAccount ns/name (created when missing).
  std::unique_ptr<api::ApiClient> AsServiceAccount(const std::string& ns, const std::string& name) {
    api::ServiceAccount sa;
    sa.mutable_metadata()->set_name(name);
    sa.mutable_metadata()->set_namespace_(ns);
    (void)api::CreateObject(*client_, sa);
    api::CreateTokenRequest req;
    req.set_namespace_(ns);
    req.set_service_account(name);
    auto token = client_->CreateToken(req);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return WithToken(token.ok() ? token->token() : "");
  }

  std::unique_ptr<api::ApiClient> WithToken(const std::string& token) {
    auto cfg = api::LoadClientConfig(server_->admin_config_path());
    cfg->token = token;
    return api::NewRemoteClient(*cfg);
  }

  void Bind(const std::string& ns, const std::string& user, std::vector<std::string> verbs,
            const std::string& resource) {
    api::Role role;
    role.mutable_metadata()->set_name("r-" + resource);
    role.mutable_metadata()->set_namespace_(ns);
    auto* rule = role.add_rules();
    for (const auto& v : verbs)
      rule->add_verbs(v);
    rule->add_api_groups("");
    rule->add_resources(resource);
    auto created_role = api::CreateObject(*client_, role);
    ASSERT_TRUE(created_role.ok()) << created_role.status().ToString();
    api::RoleBinding b;
    b.mutable_metadata()->set_name("b-" + resource);
    b.mutable_metadata()->set_namespace_(ns);
    auto* s = b.add_subjects();
    s->set_kind("User");
    s->set_name(user);
    b.mutable_role_ref()->set_api_group("rbac.authorization.k8s.io");
    b.mutable_role_ref()->set_kind("Role");
    b.mutable_role_ref()->set_name("r-" + resource);
    auto created_binding = api::CreateObject(*client_, b);
    ASSERT_TRUE(created_binding.ok()) << created_binding.status().ToString();
  }
};

StatusCode CodeOf(const Status& s) {
  return s.code();
}

TEST_F(RbacTest, EveryVerbIsDeniedWithoutABinding) {
  auto app = AsServiceAccount("team-a", "app");
  ASSERT_TRUE(app->Version().ok());  // authenticated
  EXPECT_EQ(CodeOf(api::GetObject<api::Secret>(*app, "team-a", "db").status()),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(api::ListObjects<api::Pod>(*app, "team-a").status()),
            StatusCode::kPermissionDenied);
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name("x");
  cm.mutable_metadata()->set_namespace_("team-a");
  EXPECT_EQ(CodeOf(api::CreateObject(*app, cm).status()), StatusCode::kPermissionDenied);
  auto secret = api::GetObject<api::Secret>(*client_, "team-a", "db");
  EXPECT_EQ(CodeOf(api::UpdateObject(*app, *secret).status()), StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(api::DeleteObject<api::Secret>(*app, "team-a", "db")),
            StatusCode::kPermissionDenied);
  api::WatchRequest w;
  w.set_kind("Pod");
  w.set_namespace_("team-a");
  auto watch = app->Watch(w);
  ASSERT_TRUE(watch.ok());
  api::WatchEvent ev;
  EXPECT_EQ((*watch)->Read(&ev, std::chrono::seconds(5)), api::WatchStream::Next::kEnd);
  EXPECT_EQ((*watch)->status().code(), StatusCode::kPermissionDenied);
  auto denied = api::GetObject<api::Secret>(*app, "team-a", "db");
  EXPECT_NE(denied.status().message().find(
                "User \"system:serviceaccount:team-a:app\" cannot get resource \"secrets\""),
            std::string::npos)
      << denied.status().message();
}

TEST_F(RbacTest, ARoleInOneNamespaceDoesNotReachAnother) {
  auto app = AsServiceAccount("team-a", "app");
  Bind("team-a", "system:serviceaccount:team-a:app", {"get", "list"}, "secrets");
  ASSERT_TRUE(Eventually([&] { return api::GetObject<api::Secret>(*app, "team-a", "db").ok(); }));
  auto mine = api::GetObject<api::Secret>(*app, "team-a", "db");
  EXPECT_EQ(mine->data().at("password"), "hunter2-team-a");
  EXPECT_TRUE(api::ListObjects<api::Secret>(*app, "team-a").ok());
  EXPECT_EQ(CodeOf(api::GetObject<api::Secret>(*app, "team-b", "db").status()),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(api::ListObjects<api::Secret>(*app, "").status()),
            StatusCode::kPermissionDenied);  // all namespaces needs a cluster binding
  EXPECT_EQ(CodeOf(api::DeleteObject<api::Secret>(*app, "team-a", "db")),
            StatusCode::kPermissionDenied);  // get/list only

  api::AccessReviewRequest review;
  review.set_verb("get");
  review.set_resource("secrets");
  review.set_namespace_("team-b");
  review.set_user("system:serviceaccount:team-a:app");
  auto r = client_->AccessReview(review);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->allowed());
  review.set_namespace_("team-a");
  EXPECT_TRUE(client_->AccessReview(review)->allowed());
  // Only those allowed to impersonate may ask about others.
  auto other = app->AccessReview(review);
  EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(RbacTest, NodesReadOnlySecretsOfTheirOwnPods) {
  for (const char* node : {"node-1", "node-2"}) {
    api::Pod pod;
    pod.mutable_metadata()->set_name(std::string("p-") + node);
    pod.mutable_metadata()->set_namespace_(node == std::string("node-1") ? "team-a" : "team-b");
    pod.mutable_spec()->set_node_name(node);
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("c");
    c->set_image("i");
    auto* env = c->add_env();
    env->set_name("PW");
    env->mutable_value_from()->mutable_secret_key_ref()->set_name("db");
    env->mutable_value_from()->mutable_secret_key_ref()->set_key("password");
    ASSERT_TRUE(api::CreateObject(*client_, pod).ok());
  }
  api::CreateTokenRequest req;
  req.set_node("node-1");
  auto token = client_->CreateToken(req);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->user(), "system:node:node-1");
  auto agent = WithToken(token->token());
  ASSERT_TRUE(Eventually([&] { return api::GetObject<api::Secret>(*agent, "team-a", "db").ok(); }));
  EXPECT_EQ(CodeOf(api::GetObject<api::Secret>(*agent, "team-b", "db").status()),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(api::ListObjects<api::Secret>(*agent, "team-a").status()),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(api::ListObjects<api::Pod>(*agent, "").ok());
  // Its own pod's status, yes; the other node's pod, no.
  auto own = api::GetObject<api::Pod>(*agent, "team-a", "p-node-1");
  ASSERT_TRUE(own.ok());
  own->mutable_status()->set_phase("Running");
  EXPECT_TRUE(api::UpdateObject(*agent, *own, true).ok());
  auto foreign = api::GetObject<api::Pod>(*agent, "team-b", "p-node-2");
  foreign->mutable_status()->set_phase("Running");
  EXPECT_EQ(CodeOf(api::UpdateObject(*agent, *foreign, true).status()),
            StatusCode::kPermissionDenied);
  // A ServiceAccount cannot mint node tokens.
  auto app = AsServiceAccount("team-a", "app");
  EXPECT_EQ(app->CreateToken(req).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(RbacTest, ForgedExpiredAndRevokedTokensAreRefused) {
  auto sa_client = AsServiceAccount("team-a", "temp");
  ASSERT_TRUE(sa_client->Version().ok());
  api::CreateTokenRequest req;
  req.set_namespace_("team-a");
  req.set_service_account("temp");
  auto token = client_->CreateToken(req);
  std::string forged = token->token();
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(WithToken(forged)->Version().status().code(), StatusCode::kUnauthenticated);
  // Signed with another key, or expired.
  auto other = auth::TokenSigner(std::string(32, 'x'));
  int64_t now = google::protobuf::util::TimeUtil::GetCurrentTime().seconds();
  EXPECT_EQ(
      WithToken(other.Issue(auth::TokenSigner::ForNode("n", now, 60)))->Version().status().code(),
      StatusCode::kUnauthenticated);
  auto key = auth::TokenSigner::LoadOrCreate(dir_ + "/token-signing.key");
  ASSERT_TRUE(key.ok());
  auto expired = key->Issue(auth::TokenSigner::ForNode("n", now - 7200, 3600));
  auto r = WithToken(expired)->Version();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("expired"), std::string::npos);
  // Deleting the ServiceAccount revokes its tokens.
  ASSERT_TRUE(api::DeleteObject<api::ServiceAccount>(*client_, "team-a", "temp").ok());
  EXPECT_TRUE(Eventually([&] {
    return WithToken(token->token())->Version().status().code() == StatusCode::kUnauthenticated;
  }));
  EXPECT_EQ(WithToken("")->Version().status().code(), StatusCode::kUnauthenticated);
}

std::string FileBytes(const std::string& dir) {
  std::stringstream all;
  for (const char* f : {"/skiff.db", "/skiff.db-wal"}) {
    std::ifstream in(dir + f, std::ios::binary);
    all << in.rdbuf();
  }
  return all.str();
}

TEST_F(RbacTest, SecretsAreEncryptedAtRestAndReencryptedAfterRotation) {
  EXPECT_EQ(FileBytes(dir_).find("hunter2-team-a"), std::string::npos);
  // Rotate: a new key first, the old one still listed.
  std::string enc = dir_ + "/encryption.yaml";
  std::ifstream in(enc);
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  std::string new_key = Base64Encode(std::string(32, 'N'));
  size_t keys = config.find("keys:\n");
  ASSERT_NE(keys, std::string::npos);
  config.insert(keys + 6, "            - name: key2\n              secret: " + new_key + "\n");
  std::ofstream(enc) << config;
  client_.reset();
  server_.reset();
  server::ServerOptions opts;
  opts.data_dir = dir_;
  opts.listen = "127.0.0.1:0";
  opts.metrics_listen = "";
  opts.compaction_interval = std::chrono::milliseconds(0);
  auto restarted = server::Server::Start(opts);
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  server_ = std::move(*restarted);
  client_ = std::move(api::ConnectFromFile(server_->admin_config_path()).value());
  // Old values still read; rewriting moves them to key2.
  EXPECT_EQ(api::GetObject<api::Secret>(*client_, "team-b", "db")->data().at("password"),
            "hunter2-team-b");
  std::string netctl = std::string(std::getenv("SKIFF_BIN_DIR")) + "/netctl --config " +
                       server_->admin_config_path() + " secrets reencrypt";
  ASSERT_EQ(std::system(netctl.c_str()), 0);
  client_.reset();
  server_.reset();
  auto store = store::OpenStore("sqlite:" + dir_);
  ASSERT_TRUE(store.ok());
  for (const char* ns : {"team-a", "team-b"}) {
    auto kv = store::Get(**store, std::string("/registry/secrets/") + ns + "/db");
    ASSERT_TRUE(kv.ok() && kv->has_value());
    EXPECT_EQ((*kv)->value.rfind("k8s:enc:aesgcm:v1:key2:", 0), 0u) << ns;
  }
  store->reset();
  // Without key1 everything still reads now.
  std::ofstream(enc) << config.substr(0, config.find("            - name: key1")) +
                            "      - identity: {}\n";
  auto again = server::Server::Start(opts);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  server_ = std::move(*again);
  client_ = std::move(api::ConnectFromFile(server_->admin_config_path()).value());
  EXPECT_EQ(api::GetObject<api::Secret>(*client_, "team-a", "db")->data().at("password"),
            "hunter2-team-a");
}

}  // namespace
}  // namespace skiff
