// The node authorizer's service account token rule: an agent may request
// tokens for the ServiceAccounts of pods bound to its node, and for nothing
// else.
#include "controlplane/auth/node_authorizer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "api/client/typed.h"
#include "controlplane/apiserver/admission.h"
#include "controlplane/apiserver/local_client.h"
#include "controlplane/apiserver/registry.h"

namespace skiff::auth {
namespace {

class NodeAuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-sat-nodeauthz-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::OpenStore("sqlite:" + dir_ + "?sync=normal");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto plugins = apiserver::DefaultAdmissionPlugins(*store_, apiserver::NetworkRanges{});
    ASSERT_TRUE(plugins.ok());
    registry_ = std::make_unique<apiserver::Registry>(*store_, std::move(*plugins));
    ASSERT_TRUE(registry_->EnsureSystemNamespaces().ok());
    client_ = std::make_unique<apiserver::LocalClient>(*registry_);
  }
  void TearDown() override {
    authz_.reset();
    client_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void CreatePod(const std::string& name, const std::string& node, const std::string& sa) {
    api::Pod p;
    p.mutable_metadata()->set_name(name);
    p.mutable_metadata()->set_namespace_("default");
    p.mutable_spec()->set_node_name(node);
    p.mutable_spec()->set_service_account_name(sa);
    auto* c = p.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("busybox");
    auto created = api::CreateObject(*client_, p);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  void StartAuthorizer() {
    authz_ = std::make_unique<NodeAuthorizer>(*client_);
    authz_->Start();
    ASSERT_TRUE(authz_->WaitForSync(std::chrono::seconds(10)));
  }

  Decision TokenRequest(const std::string& node, const std::string& sa, std::string* reason) {
    Attributes a;
    a.user = UserInfo{"system:node:" + node, "", {"system:nodes", "system:authenticated"}};
    a.verb = "create";
    a.resource = "serviceaccounts";
    a.subresource = "token";
    a.ns = "default";
    a.name = sa;
    return authz_->Authorize(a, reason);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apiserver::Registry> registry_;
  std::unique_ptr<apiserver::LocalClient> client_;
  std::unique_ptr<NodeAuthorizer> authz_;
};

TEST_F(NodeAuthorizerTest, TokenForServiceAccountOfPodBoundToTheNode) {
  CreatePod("web", "node-a", "builder");
  CreatePod("plain", "node-a", "");
  CreatePod("other", "node-b", "deployer");
  StartAuthorizer();
  std::string reason;
  EXPECT_EQ(TokenRequest("node-a", "builder", &reason), Decision::kAllow) << reason;
  EXPECT_EQ(TokenRequest("node-a", "default", &reason), Decision::kAllow) << reason;
  // The ServiceAccount of a pod on another node, or of no pod at all.
  EXPECT_EQ(TokenRequest("node-a", "deployer", &reason), Decision::kDeny);
  EXPECT_NE(reason.find("no relationship"), std::string::npos) << reason;
  EXPECT_EQ(TokenRequest("node-b", "builder", &reason), Decision::kDeny);
  EXPECT_EQ(TokenRequest("node-a", "", &reason), Decision::kDeny);
}

TEST_F(NodeAuthorizerTest, OtherServiceAccountWritesStayDenied) {
  CreatePod("web", "node-a", "builder");
  StartAuthorizer();
  Attributes a;
  a.user = UserInfo{"system:node:node-a", "", {"system:nodes"}};
  a.resource = "serviceaccounts";
  a.ns = "default";
  a.name = "builder";
  std::string reason;
  for (const char* verb : {"create", "update", "delete"}) {
    a.verb = verb;
    EXPECT_EQ(authz_->Authorize(a, &reason), Decision::kDeny) << verb;
  }
}

}  // namespace
}  // namespace skiff::auth
