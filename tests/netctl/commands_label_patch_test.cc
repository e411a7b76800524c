// netctl label, annotate and patch against a real API server.
#include <fstream>

#include "api/client/typed.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "tests/netctl/netctl_fixture.h"

namespace skiff::netctl::testing {

std::string NetctlTest::WriteFile(const std::string& name, const std::string& content) {
  std::string path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

namespace {

api::ConfigMap MakeConfigMap(const std::string& name, std::map<std::string, std::string> labels) {
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name(name);
  cm.mutable_metadata()->set_namespace_("default");
  for (const auto& [k, v] : labels)
    (*cm.mutable_metadata()->mutable_labels())[k] = v;
  (*cm.mutable_data())["k"] = "v";
  return cm;
}

class LabelTest : public NetctlTest {
 protected:
  std::map<std::string, std::string> Labels(const std::string& name) {
    auto cm = api::GetObject<api::ConfigMap>(*client_, "default", name);
    EXPECT_TRUE(cm.ok()) << cm.status().ToString();
    if (!cm.ok()) return {};
    return {cm->metadata().labels().begin(), cm->metadata().labels().end()};
  }
};

TEST_F(LabelTest, SetsOverwritesAndRemoves) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("a", {})).ok());
  auto r = Netctl({"label", "configmap", "a", "env=prod", "tier=web"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a labeled\n");
  EXPECT_EQ(Labels("a"), (std::map<std::string, std::string>{{"env", "prod"}, {"tier", "web"}}));

  // An existing value is not changed without --overwrite; nothing is applied.
  r = Netctl({"label", "cm/a", "env=dev", "new=1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: 'env' already has a value (prod), and --overwrite is false\n");
  EXPECT_EQ(Labels("a").count("new"), 0u);
  EXPECT_EQ(Labels("a")["env"], "prod");
  // The same value is not a change of value.
  r = Netctl({"label", "cm", "a", "env=prod"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a not labeled\n");

  r = Netctl({"label", "configmaps", "a", "env=dev", "--overwrite"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Labels("a")["env"], "dev");

  r = Netctl({"label", "configmap", "a", "tier-", "missing-"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "label \"missing\" not found.\nconfigmap/a labeled\n");
  EXPECT_EQ(Labels("a"), (std::map<std::string, std::string>{{"env", "dev"}}));

  r = Netctl({"label", "configmap", "a", "--list"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "env=dev\n");
}

TEST_F(LabelTest, BadInputChangesNothing) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("a", {{"x", "1"}})).ok());
  auto r = Netctl({"label", "configmap", "a", "ok=1", "bad=-value"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("invalid label spec: bad=-value"), std::string::npos) << r.err;
  r = Netctl({"label", "configmap", "a", "bad key=1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("\"bad key\""), std::string::npos) << r.err;
  r = Netctl({"label", "configmap", "a", "x=2", "x-"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("can not both modify and remove"), std::string::npos) << r.err;
  r = Netctl({"label", "configmap", "a"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("at least one label update is required"), std::string::npos) << r.err;
  r = Netctl({"label", "nosuchkind", "a", "k=v"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nosuchkind"), std::string::npos) << r.err;
  EXPECT_EQ(Labels("a"), (std::map<std::string, std::string>{{"x", "1"}}));
}

TEST_F(LabelTest, SeveralObjectsReportPerObject) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("a", {{"app", "x"}})).ok());
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("b", {{"app", "x"}})).ok());
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("c", {{"app", "y"}})).ok());
  auto r = Netctl({"label", "configmap", "-l", "app=x", "sel=1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a labeled\nconfigmap/b labeled\n");
  EXPECT_EQ(Labels("c").count("sel"), 0u);

  r = Netctl({"label", "configmap", "a", "nosuch", "c", "more=1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "configmap/a labeled\nconfigmap/c labeled\n");
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
  EXPECT_EQ(Labels("c")["more"], "1");

  r = Netctl({"label", "configmap", "--all", "all=yes"});
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* n : {"a", "b", "c"})
    EXPECT_EQ(Labels(n)["all"], "yes") << n;

  // A dry run prints, changes nothing.
  r = Netctl({"label", "configmap", "a", "dry=1", "--dry-run=client"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a labeled (dry run)\n");
  r = Netctl({"label", "configmap", "a", "dry=1", "--dry-run=server"});
  EXPECT_EQ(r.out, "configmap/a labeled (server dry run)\n");
  EXPECT_EQ(Labels("a").count("dry"), 0u);
}

TEST_F(LabelTest, Annotate) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("a", {})).ok());
  auto r = Netctl({"annotate", "configmap", "a", "note=hello world, a=b", "example.com/x=1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a annotated\n");
  auto cm = api::GetObject<api::ConfigMap>(*client_, "default", "a");
  ASSERT_TRUE(cm.ok());
  EXPECT_EQ(cm->metadata().annotations().at("note"), "hello world, a=b");
  r = Netctl({"annotate", "configmap", "a", "note=other"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "error: 'note' already has a value (hello world, a=b), and --overwrite is false\n");
  r = Netctl({"annotate", "configmap", "a", "note-", "-o", "name"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/a\n");
  cm = api::GetObject<api::ConfigMap>(*client_, "default", "a");
  EXPECT_EQ(cm->metadata().annotations().count("note"), 0u);
}

class PatchTest : public NetctlTest {
 protected:
  void SetUp() override {
    NetctlTest::SetUp();
    auto r = Netctl({"create", "deployment", "web", "--image=web:1", "--port=80", "--", "/bin/web",
                     "--listen=:80"});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  api::Deployment Live() {
    auto d = api::GetObject<api::Deployment>(*client_, "default", "web");
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : api::Deployment();
  }
};

TEST_F(PatchTest, StrategicByDefault) {
  auto r = Netctl({"patch", "deployment", "web", "-p", R"({"spec":{"replicas":3}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web patched\n");
  EXPECT_EQ(Live().spec().replicas(), 3);
  r = Netctl({"patch", "deploy/web", "-p", R"({"spec":{"replicas":3}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web patched (no change)\n");

  // Containers merge by name: the image changes, the command and port stay;
  // env merges by name too.
  r = Netctl({"patch", "deployment", "web", "-p",
              R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2",
                  "env":[{"name":"A","value":"1"}]}]}}}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  api::Deployment d = Live();
  ASSERT_EQ(d.spec().template_().spec().containers_size(), 1);
  const auto& c = d.spec().template_().spec().containers(0);
  EXPECT_EQ(c.image(), "web:2");
  EXPECT_EQ(c.command_size(), 2);
  ASSERT_EQ(c.ports_size(), 1);
  EXPECT_EQ(c.ports(0).container_port(), 80);
  ASSERT_EQ(c.env_size(), 1);
  r = Netctl(
      {"patch", "deployment", "web", "-p",
       "spec: {template: {spec: {containers: [{name: web, env: [{name: B, value: '2'}]}]}}}"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Live().spec().template_().spec().containers(0).env_size(), 2);
}

TEST_F(PatchTest, MergeAndJsonTypes) {
  // A merge patch replaces lists.
  auto r = Netctl({"patch", "deployment", "web", "--type", "merge", "-p",
                   R"({"metadata":{"labels":{"team":"a"}},"spec":{"template":{"spec":{
                       "containers":[{"name":"other","image":"o:1"}]}}}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  api::Deployment d = Live();
  EXPECT_EQ(d.metadata().labels().at("team"), "a");
  ASSERT_EQ(d.spec().template_().spec().containers_size(), 1);
  EXPECT_EQ(d.spec().template_().spec().containers(0).name(), "other");

  r = Netctl({"patch", "deployment", "web", "--type=json", "-p",
              R"([{"op":"test","path":"/metadata/labels/team","value":"a"},
                  {"op":"replace","path":"/spec/replicas","value":5},
                  {"op":"add","path":"/metadata/labels/x","value":"y"}])"});
  EXPECT_EQ(r.code, 0) << r.err;
  d = Live();
  EXPECT_EQ(d.spec().replicas(), 5);
  EXPECT_EQ(d.metadata().labels().at("x"), "y");

  // A failing test applies nothing.
  r = Netctl({"patch", "deployment", "web", "--type", "json", "-p",
              R"([{"op":"replace","path":"/spec/replicas","value":7},
                  {"op":"test","path":"/metadata/labels/team","value":"b"}])"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("deployment.apps/web: operation 1 (test /metadata/labels/team)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Live().spec().replicas(), 5);
}

TEST_F(PatchTest, BadInput) {
  auto r = Netctl({"patch", "deployment", "web", "-p", R"({"spec":{"replicaz":3}})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("replicaz"), std::string::npos) << r.err;
  r = Netctl({"patch", "deployment", "web", "-p", R"({"spec":{"replicas":"many"}})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("spec.replicas"), std::string::npos) << r.err;
  r = Netctl({"patch", "deployment", "web", "-p", R"({"spec":)"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--patch"), std::string::npos) << r.err;
  r = Netctl({"patch", "deployment", "web", "--type", "frob", "-p", "{}"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--type must be one of [json merge strategic]"), std::string::npos);
  r = Netctl({"patch", "deployment", "web"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("must specify --patch or --patch-file"), std::string::npos);
  r = Netctl({"patch", "deployment", "web", "-p", R"({"metadata":{"name":"other"}})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("metadata.name"), std::string::npos) << r.err;
  r = Netctl({"patch", "deployment", "nosuch", "-p", R"({"spec":{"replicas":2}})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
  // The server's validation.
  r = Netctl({"patch", "deployment", "web", "-p", R"({"spec":{"replicas":-1}})"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Invalid"), std::string::npos) << r.err;
  EXPECT_EQ(Live().spec().replicas(), 1);
}

TEST_F(PatchTest, StatusSubresourceAndPatchFile) {
  auto r = Netctl({"patch", "deployment", "web", "--subresource=status", "--type=merge", "-p",
                   R"({"status":{"replicas":4}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web patched\n");
  EXPECT_EQ(Live().status().replicas(), 4);
  // Without the subresource, status is not the patch's to change.
  r = Netctl({"patch", "deployment", "web", "--type=merge", "-p", R"({"status":{"replicas":9}})"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web patched (no change)\n");
  EXPECT_EQ(Live().status().replicas(), 4);
  r = Netctl({"patch", "configmap", "x", "--subresource=scale", "-p", "{}"});
  EXPECT_EQ(r.code, 1);

  std::string file = WriteFile("patch.yaml", "spec:\n  replicas: 2\n");
  r = Netctl({"patch", "deployment", "web", "--patch-file", file, "-o", "yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("kind: Deployment"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replicas: 2"), std::string::npos) << r.out;
  EXPECT_EQ(Live().spec().replicas(), 2);
}

}  // namespace
}  // namespace skiff::netctl::testing
