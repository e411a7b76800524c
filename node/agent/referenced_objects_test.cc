// ReferencedObjects with a node's own credentials against a real server:
// the node authorizer lets it watch exactly the Secrets its pods reference,
// changes arrive, and nothing else is readable.
#include "node/agent/referenced_objects.h"

#include <atomic>

#include "api/client/config.h"
#include "api/client/remote_client.h"
#include "api/pod_references.h"
#include "controlplane/server/api_test_fixture.h"

namespace skiff::node {
namespace {

class ReferencedObjectsTest : public server::testing::ApiServerTest {
 protected:
  std::unique_ptr<api::ApiClient> NodeClient(const std::string& node) {
    api::CreateTokenRequest req;
    req.set_node(node);
    auto token = client_->CreateToken(req);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    auto cfg = api::LoadClientConfig(server_->admin_config_path());
    cfg->token = token.ok() ? token->token() : "";
    return api::NewRemoteClient(*cfg);
  }

  api::Pod PodUsingSecret(const std::string& name, const std::string& node,
                          const std::string& secret) {
    api::Pod pod;
    pod.mutable_metadata()->set_name(name);
    pod.mutable_metadata()->set_namespace_("default");
    pod.mutable_spec()->set_node_name(node);
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("c");
    c->set_image("i");
    c->add_env_from()->mutable_secret_ref()->set_name(secret);
    auto created = api::CreateObject(*client_, pod);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : pod;
  }

  void PutSecret(const std::string& name, const std::string& value) {
    api::Secret s;
    s.mutable_metadata()->set_name(name);
    s.mutable_metadata()->set_namespace_("default");
    (*s.mutable_string_data())["v"] = value;
    if (!api::CreateObject(*client_, s).ok()) {
      ASSERT_TRUE(Mutate<api::Secret>("default", name, [&](api::Secret& x) {
                    x.mutable_data()->clear();
                    (*x.mutable_string_data())["v"] = value;
                  }).ok());
    }
  }

  static std::string ValueOf(const api::ObjectPtr& o) {
    if (!o) return "<none>";
    const auto& data = static_cast<const api::Secret&>(*o).data();
    auto it = data.find("v");
    return it == data.end() ? "<no key>" : it->second;
  }
};

TEST_F(ReferencedObjectsTest, WatchesReferencedSecretsOnlyAndSeesChanges) {
  PutSecret("mine", "one");
  PutSecret("theirs", "secret");
  api::Pod own = PodUsingSecret("own", "node-a", "mine");
  api::Pod foreign = PodUsingSecret("foreign", "node-b", "theirs");
  auto agent = NodeClient("node-a");
  std::atomic<int> changes{0};
  ReferencedObjects secrets(*agent, *api::FindKind("Secret"),
                            [&](const std::string& ns) { changes += ns == "default"; });

  secrets.SetReferences(own.metadata().uid(), "default", api::ReferencedSecrets(own));
  EXPECT_TRUE(Eventually(
      [&] { return ValueOf(secrets.Get("default", "mine", std::chrono::seconds(1))) == "one"; }));
  PutSecret("mine", "two");
  EXPECT_TRUE(Eventually([&] {
    return ValueOf(secrets.Get("default", "mine", std::chrono::milliseconds(100))) == "two";
  }));
  EXPECT_GE(changes.load(), 2);

  // A Secret only another node's pod uses: the watch is refused, nothing is read.
  secrets.SetReferences(foreign.metadata().uid(), "default", {"theirs"});
  EXPECT_EQ(secrets.Get("default", "theirs", std::chrono::milliseconds(500)), nullptr);
  // Unreferenced names are not watched at all.
  EXPECT_EQ(secrets.Get("default", "other", std::chrono::milliseconds(0)), nullptr);

  // Shared informers go when their last pod does.
  EXPECT_EQ(secrets.size(), 2u);
  secrets.Forget(foreign.metadata().uid());
  EXPECT_EQ(secrets.size(), 1u);
  secrets.SetReferences(own.metadata().uid(), "default", {});
  EXPECT_EQ(secrets.size(), 0u);
  EXPECT_EQ(secrets.Get("default", "mine", std::chrono::milliseconds(0)), nullptr);
}

}  // namespace
}  // namespace skiff::node
