// Service account credentials in pods on a real agent: the API access volume
// at /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt,
// namespace) whose token authenticates as the pod's ServiceAccount,
// automountServiceAccountToken false on the pod and on the ServiceAccount,
// an explicit projected serviceAccountToken source, and a missing
// ServiceAccount keeping the pod from starting (FailedMount) until it exists.
// The process runtime creates a missing mount point on the node, so
// /var/run/secrets/kubernetes.io/serviceaccount stays behind as an empty
// directory (as after any pod on this node); it is not removed here because
// removing it would detach the mounts of pods of concurrent runs.
#include <fstream>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "node/runtime/fs.h"
#include "tests/node/fixture.h"

namespace skiff::node::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDir = "/var/run/secrets/kubernetes.io/serviceaccount";

class ServiceAccountTest : public NodeTest {
 protected:
  std::string Out(const std::string& name) { return work_ + "/out-" + name; }
  std::string Read(const std::string& path) {
    auto r = ReadFile(path);
    return r.ok() ? *r : "";
  }
  void EnsureServiceAccount(const std::string& name, std::optional<bool> automount) {
    api::ServiceAccount sa;
    sa.mutable_metadata()->set_name(name);
    sa.mutable_metadata()->set_namespace_("default");
    if (automount) sa.set_automount_service_account_token(*automount);
    auto r = api::CreateObject(*client_, sa);
    ASSERT_TRUE(r.ok() || r.status().code() == StatusCode::kAlreadyExists) << r.status().ToString();
  }
  // The user `token` authenticates as, from an access review it makes itself.
  std::string WhoAmI(const std::string& token) {
    auto admin = api::LoadClientConfig(server_->admin_config_path());
    if (!admin.ok()) return "no admin config";
    api::ClientConfig cfg = *admin;
    cfg.token = token;
    auto client = api::NewRemoteClient(cfg);
    api::AccessReviewRequest req;
    req.set_verb("get");
    req.set_resource("pods");
    req.set_namespace_("default");
    auto r = client->AccessReview(req);
    return r.ok() ? r->user() : r.status().ToString();
  }
  // A pod that copies what it sees at `dir` into Out(name).* and sleeps.
  api::Pod CopyingPod(const std::string& name, const std::string& dir) {
    std::string out = Out(name);
    return MakePod(name, {"sh", "-c",
                          "for f in token ca.crt namespace; do cat " + dir + "/$f > " + out +
                              ".$f.tmp 2>/dev/null && mv " + out + ".$f.tmp " + out +
                              ".$f; done; stat -L -c %a " + dir + "/token > " + out +
                              ".mode 2>/dev/null; ls " + dir + " > " + out +
                              ".ls 2>/dev/null; echo done > " + out + ".done; exec sleep 3600"});
  }
};

TEST_F(ServiceAccountTest, PodGetsTokenCaAndNamespace) {
  EnsureServiceAccount("default", std::nullopt);
  Create(CopyingPod("sa", kDir));
  ASSERT_TRUE(Eventually([&] { return PathExists(Out("sa") + ".done"); }, 30s));
  EXPECT_EQ(Read(Out("sa") + ".namespace"), "default");
  auto admin = api::LoadClientConfig(server_->admin_config_path());
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(Read(Out("sa") + ".ca.crt"), admin->ca_pem);
  EXPECT_EQ(Read(Out("sa") + ".mode"), "644\n");
  std::string token = Read(Out("sa") + ".token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(WhoAmI(token), "system:serviceaccount:default:default");
}

TEST_F(ServiceAccountTest, AutomountFalseOnPodOrServiceAccount) {
  EnsureServiceAccount("default", std::nullopt);
  EnsureServiceAccount("quiet", false);
  api::Pod off = CopyingPod("off", kDir);
  off.mutable_spec()->set_automount_service_account_token(false);
  Create(off);
  api::Pod quiet = CopyingPod("quiet", kDir);
  quiet.mutable_spec()->set_service_account_name("quiet");
  Create(quiet);
  // The pod's word beats the ServiceAccount's.
  api::Pod on = CopyingPod("on", kDir);
  on.mutable_spec()->set_service_account_name("quiet");
  on.mutable_spec()->set_automount_service_account_token(true);
  Create(on);
  for (const char* name : {"off", "quiet", "on"}) {
    ASSERT_TRUE(Eventually([&] { return PathExists(Out(name) + ".done"); }, 30s)) << name;
  }
  EXPECT_FALSE(PathExists(Out("off") + ".token"));
  EXPECT_FALSE(PathExists(Out("quiet") + ".token"));
  EXPECT_EQ(WhoAmI(Read(Out("on") + ".token")), "system:serviceaccount:default:quiet");
}

TEST_F(ServiceAccountTest, ExplicitProjectedTokenSource) {
  EnsureServiceAccount("builder", std::nullopt);
  std::string mnt = work_ + "/mnt/vault", out = Out("vault");
  api::Pod pod = MakePod("vault", {"sh", "-c",
                                   "cat " + mnt + "/auth/token > " + out + ".tmp && mv " + out +
                                       ".tmp " + out + "; exec sleep 3600"});
  pod.mutable_spec()->set_service_account_name("builder");
  pod.mutable_spec()->set_automount_service_account_token(false);
  auto* v = pod.mutable_spec()->add_volumes();
  v->set_name("vault");
  auto* t = v->mutable_projected()->add_sources()->mutable_service_account_token();
  t->set_audience("vault");
  t->set_expiration_seconds(600);
  t->set_path("auth/token");
  auto* m = pod.mutable_spec()->mutable_containers(0)->add_volume_mounts();
  m->set_name("vault");
  m->set_mount_path(mnt);
  Create(pod);
  ASSERT_TRUE(Eventually([&] { return !Read(out).empty(); }, 30s));
  EXPECT_EQ(WhoAmI(Read(out)), "system:serviceaccount:default:builder");
}

TEST_F(ServiceAccountTest, MissingServiceAccountKeepsPodFromStarting) {
  api::Pod pod = CopyingPod("ghostly", kDir);
  pod.mutable_spec()->set_service_account_name("ghost");
  Create(pod);
  ASSERT_TRUE(
      Eventually([&] { return HasEvent("ghostly", "FailedMount", "failed to fetch token"); }, 30s));
  EXPECT_FALSE(PathExists(Out("ghostly") + ".done"));
  auto p = Get("ghostly");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->status().phase(), "Pending");
  EnsureServiceAccount("ghost", std::nullopt);
  ASSERT_TRUE(Eventually([&] { return PathExists(Out("ghostly") + ".done"); }, 30s));
  EXPECT_EQ(WhoAmI(Read(Out("ghostly") + ".token")), "system:serviceaccount:default:ghost");
}

}  // namespace
}  // namespace skiff::node::testing
