// netctl create (generators, -f) and netctl expose against a real API server.
#include <cstdlib>

#include "api/client/typed.h"
#include "api/manifest.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "tests/netctl/netctl_fixture.h"

namespace skiff::netctl::testing {
namespace {

using CreateTest = NetctlTest;

TEST_F(CreateTest, Namespace) {
  auto r = Netctl({"create", "namespace", "netctl-test"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "namespace/netctl-test created\n");
  EXPECT_TRUE(api::GetObject<api::Namespace>(*client_, "", "netctl-test").ok());
  r = Netctl({"create", "ns", "netctl-test"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("AlreadyExists"), std::string::npos) << r.err;
  r = Netctl({"create", "namespace", "Bad_Name"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Invalid"), std::string::npos) << r.err;
  r = Netctl({"create", "namespace"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("exactly one NAME"), std::string::npos) << r.err;
}

TEST_F(CreateTest, ConfigMapFromEverySource) {
  std::string file = WriteFile("app.properties", "color=blue\n");
  std::string env = WriteFile("app.env", "# settings\nMODE=fast\n");
  std::string binary = WriteFile("blob", std::string("\xFF\x00\x01", 3));
  auto r = Netctl({"create", "configmap", "cfg", "--from-literal=list=a,b,c", "--from-literal",
                   "eq=x=y", "--from-file=" + file, "--from-file=renamed=" + file,
                   "--from-file=" + binary, "--from-env-file=" + env, "-n", "default"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/cfg created\n");
  auto cm = api::GetObject<api::ConfigMap>(*client_, "default", "cfg");
  ASSERT_TRUE(cm.ok()) << cm.status().ToString();
  EXPECT_EQ(cm->data().at("list"), "a,b,c");
  EXPECT_EQ(cm->data().at("eq"), "x=y");
  EXPECT_EQ(cm->data().at("app.properties"), "color=blue\n");
  EXPECT_EQ(cm->data().at("renamed"), "color=blue\n");
  EXPECT_EQ(cm->data().at("MODE"), "fast");
  EXPECT_EQ(cm->binary_data().at("blob"), std::string("\xFF\x00\x01", 3));

  r = Netctl({"create", "configmap", "dup", "--from-literal=a=1", "--from-literal=a=2"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot add key \"a\""), std::string::npos) << r.err;
  r = Netctl({"create", "configmap", "bad", "--from-file=" + dir_ + "/missing"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--from-file"), std::string::npos) << r.err;
  EXPECT_FALSE(api::GetObject<api::ConfigMap>(*client_, "default", "dup").ok());
}

TEST_F(CreateTest, Secrets) {
  auto r = Netctl({"create", "secret", "generic", "s", "--from-literal=password=p,w",
                   "--type=example.com/custom"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "secret/s created\n");
  auto s = api::GetObject<api::Secret>(*client_, "default", "s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->data().at("password"), "p,w");
  EXPECT_EQ(s->type(), "example.com/custom");

  std::string cert = dir_ + "/tls.crt", key = dir_ + "/tls.key";
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=netctl-test -days 1 "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  r = Netctl({"create", "secret", "tls", "tls", "--cert=" + cert, "--key=" + key});
  EXPECT_EQ(r.code, 0) << r.err;
  s = api::GetObject<api::Secret>(*client_, "default", "tls");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type(), "kubernetes.io/tls");
  EXPECT_NE(s->data().at("tls.crt").find("BEGIN CERTIFICATE"), std::string::npos);
  // A key of another pair is refused.
  std::string other = dir_ + "/other.key";
  ASSERT_EQ(std::system(("openssl genrsa -out " + other + " 2048 >/dev/null 2>&1").c_str()), 0);
  r = Netctl({"create", "secret", "tls", "bad", "--cert=" + cert, "--key=" + other});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("private key does not match public key"), std::string::npos) << r.err;
  r = Netctl({"create", "secret", "tls", "bad", "--cert=" + cert});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(api::GetObject<api::Secret>(*client_, "default", "bad").ok());
}

TEST_F(CreateTest, DeploymentWithCommand) {
  auto r = Netctl({"create", "deployment", "web", "--image=registry.local/team/web_app:1.2",
                   "--replicas=2", "--port=8080", "--", "/usr/bin/web", "--port", "8080"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web created\n");
  auto d = api::GetObject<api::Deployment>(*client_, "default", "web");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->spec().replicas(), 2);
  EXPECT_EQ(d->metadata().labels().at("app"), "web");
  EXPECT_EQ(d->spec().selector().match_labels().at("app"), "web");
  EXPECT_EQ(d->spec().template_().metadata().labels().at("app"), "web");
  ASSERT_EQ(d->spec().template_().spec().containers_size(), 1);
  const auto& c = d->spec().template_().spec().containers(0);
  EXPECT_EQ(c.name(), "web-app");
  EXPECT_EQ(c.image(), "registry.local/team/web_app:1.2");
  EXPECT_EQ(std::vector<std::string>(c.command().begin(), c.command().end()),
            (std::vector<std::string>{"/usr/bin/web", "--port", "8080"}));
  ASSERT_EQ(c.ports_size(), 1);
  EXPECT_EQ(c.ports(0).container_port(), 8080);

  r = Netctl({"create", "deployment", "noimage"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: required flag(s) \"image\" not set\n");
  r = Netctl({"create", "deployment", "two", "--image=a,b", "--", "/bin/x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("multiple --image"), std::string::npos);
  r = Netctl({"create", "deployment", "p", "--image=a", "--port=70000"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--port"), std::string::npos);
}

TEST_F(CreateTest, DryRunClientPrintsWhatApplyTakes) {
  auto r =
      Netctl({"create", "deployment", "dry", "--image=nginx", "--dry-run=client", "-o", "yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto loaded = api::LoadManifests(r.out, "create -o yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString() << "\n" << r.out;
  ASSERT_EQ(loaded.objects.size(), 1u);
  EXPECT_EQ(loaded.objects[0].kind->kind, "Deployment");
  EXPECT_FALSE(api::GetObject<api::Deployment>(*client_, "default", "dry").ok());
  auto applied = Netctl({"apply", "-f", "-"}, r.out);
  EXPECT_EQ(applied.code, 0) << applied.err;
  EXPECT_EQ(applied.out, "deployment.apps/dry created\n");

  r = Netctl({"create", "service", "clusterip", "dry", "--tcp=80:8080", "--dry-run", "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"kind\": \"Service\""), std::string::npos) << r.out;
  r = Netctl({"create", "namespace", "dryns", "--dry-run=server"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "namespace/dryns created (server dry run)\n");
  EXPECT_FALSE(api::GetObject<api::Namespace>(*client_, "", "dryns").ok());
  r = Netctl({"create", "namespace", "x", "--dry-run=maybe"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--dry-run"), std::string::npos);
}

TEST_F(CreateTest, ServicesAndFiles) {
  auto r = Netctl({"create", "service", "clusterip", "api", "--tcp=80:8080", "--tcp=443:https"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "service/api created\n");
  auto svc = api::GetObject<api::Service>(*client_, "default", "api");
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ(svc->spec().selector().at("app"), "api");
  ASSERT_EQ(svc->spec().ports_size(), 2);
  EXPECT_EQ(svc->spec().ports(0).name(), "80-8080");
  EXPECT_EQ(svc->spec().ports(0).port(), 80);
  EXPECT_EQ(svc->spec().ports(0).target_port().number_value(), 8080);
  EXPECT_EQ(svc->spec().ports(1).target_port().string_value(), "https");
  EXPECT_FALSE(svc->spec().cluster_ip().empty());

  r = Netctl({"create", "service", "nodeport", "np", "--tcp=80"});
  EXPECT_EQ(r.code, 0) << r.err;
  svc = api::GetObject<api::Service>(*client_, "default", "np");
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ(svc->spec().type(), "NodePort");
  EXPECT_NE(svc->spec().ports(0).node_port(), 0);

  r = Netctl({"create", "service", "clusterip", "bad", "--tcp=http"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--tcp=http"), std::string::npos) << r.err;
  r = Netctl({"create", "service", "clusterip", "none"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("at least one tcp port"), std::string::npos);

  std::string file = WriteFile("cm.yaml",
                               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fromfile\n"
                               "data:\n  a: b\n");
  r = Netctl({"create", "-f", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/fromfile created\n");
  r = Netctl({"create", "-f", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("AlreadyExists"), std::string::npos) << r.err;
}

TEST_F(CreateTest, Expose) {
  ASSERT_EQ(Netctl({"create", "deployment", "web", "--image=web", "--port=8080"}).code, 0);
  auto r = Netctl({"expose", "deployment", "web", "--port=80", "--target-port=8080"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "service/web exposed\n");
  auto svc = api::GetObject<api::Service>(*client_, "default", "web");
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ(svc->spec().selector().at("app"), "web");
  EXPECT_EQ(svc->metadata().labels().at("app"), "web");
  ASSERT_EQ(svc->spec().ports_size(), 1);
  EXPECT_EQ(svc->spec().ports(0).port(), 80);
  EXPECT_EQ(svc->spec().ports(0).target_port().number_value(), 8080);
  EXPECT_EQ(svc->spec().ports(0).protocol(), "TCP");

  // The port from the containers; NodePort; UDP.
  r = Netctl({"expose", "deploy/web", "--name=web-np", "--type=NodePort", "--protocol=UDP"});
  EXPECT_EQ(r.code, 0) << r.err;
  svc = api::GetObject<api::Service>(*client_, "default", "web-np");
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ(svc->spec().ports(0).port(), 8080);
  EXPECT_EQ(svc->spec().ports(0).protocol(), "UDP");
  EXPECT_NE(svc->spec().ports(0).node_port(), 0);

  // A Service's selector; a pod's labels.
  r = Netctl({"expose", "service", "web", "--name=web-copy", "--port=81"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(
      api::GetObject<api::Service>(*client_, "default", "web-copy")->spec().selector().at("app"),
      "web");
  api::Pod pod;
  pod.mutable_metadata()->set_name("solo");
  pod.mutable_metadata()->set_namespace_("default");
  (*pod.mutable_metadata()->mutable_labels())["run"] = "solo";
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("i");
  ASSERT_TRUE(api::CreateObject(*client_, pod).ok());
  r = Netctl({"expose", "pod", "solo", "--port=9000"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(api::GetObject<api::Service>(*client_, "default", "solo")->spec().selector().at("run"),
            "solo");

  r = Netctl({"expose", "pod", "solo", "--name=noport"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("couldn't find port"), std::string::npos) << r.err;
  r = Netctl({"expose", "configmap", "x", "--port=1"});
  EXPECT_EQ(r.code, 1);
  r = Netctl({"expose", "deployment", "web", "--port=80", "--type=Magic"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--type=Magic"), std::string::npos);
  r = Netctl({"expose", "deployment", "web", "--port=80"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("AlreadyExists"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace skiff::netctl::testing
