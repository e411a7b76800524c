#include "node/pod/env.h"

#include <gtest/gtest.h>

#include <map>

namespace skiff::node {
namespace {

std::map<std::string, std::string> AsMap(const EnvList& env) {
  return std::map<std::string, std::string>(env.begin(), env.end());
}

api::Pod PodWith(const std::string& ns = "shop") {
  api::Pod p;
  p.mutable_metadata()->set_name("web-0");
  p.mutable_metadata()->set_namespace_(ns);
  p.mutable_metadata()->set_uid("uid-1");
  (*p.mutable_metadata()->mutable_labels())["app"] = "web";
  (*p.mutable_metadata()->mutable_annotations())["team"] = "blue";
  p.mutable_spec()->set_node_name("n1");
  p.mutable_spec()->set_service_account_name("sa");
  return p;
}

std::shared_ptr<const api::Service> Svc(const std::string& ns, const std::string& name,
                                        const std::string& ip,
                                        std::vector<std::pair<std::string, int>> ports) {
  auto s = std::make_shared<api::Service>();
  s->mutable_metadata()->set_namespace_(ns);
  s->mutable_metadata()->set_name(name);
  s->mutable_spec()->set_cluster_ip(ip);
  for (auto& [n, p] : ports) {
    auto* sp = s->mutable_spec()->add_ports();
    sp->set_name(n);
    sp->set_port(p);
    sp->set_protocol("TCP");
  }
  return s;
}

TEST(ExpandVariablesTest, KubernetesSemantics) {
  std::map<std::string, std::string> vars{{"A", "1"}, {"B", "two"}};
  auto lookup = [&](const std::string& k) -> const std::string* {
    auto it = vars.find(k);
    return it == vars.end() ? nullptr : &it->second;
  };
  EXPECT_EQ(ExpandVariables("$(A)-$(B)", lookup), "1-two");
  EXPECT_EQ(ExpandVariables("$(MISSING)", lookup), "$(MISSING)");
  EXPECT_EQ(ExpandVariables("$$(A)", lookup), "$(A)");
  EXPECT_EQ(ExpandVariables("$$", lookup), "$");
  EXPECT_EQ(ExpandVariables("cost $5", lookup), "cost $5");
  EXPECT_EQ(ExpandVariables("$(A", lookup), "$(A");
  EXPECT_EQ(ExpandVariables("end$", lookup), "end$");
}

TEST(ServiceEnvironmentTest, ServiceAndDockerLinkVariables) {
  auto env = AsMap(
      ServiceEnvironment("shop", true,
                         {Svc("shop", "redis-primary", "10.96.0.5", {{"redis", 6379}, {"", 16379}}),
                          Svc("shop", "headless", "None", {{"x", 1}}),
                          Svc("other", "elsewhere", "10.96.0.9", {{"", 80}}),
                          Svc("default", "kubernetes", "10.96.0.1", {{"https", 443}})}));
  EXPECT_EQ(env["REDIS_PRIMARY_SERVICE_HOST"], "10.96.0.5");
  EXPECT_EQ(env["REDIS_PRIMARY_SERVICE_PORT"], "6379");
  EXPECT_EQ(env["REDIS_PRIMARY_SERVICE_PORT_REDIS"], "6379");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT"], "tcp://10.96.0.5:6379");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT_6379_TCP"], "tcp://10.96.0.5:6379");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT_6379_TCP_PROTO"], "tcp");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT_6379_TCP_PORT"], "6379");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT_6379_TCP_ADDR"], "10.96.0.5");
  EXPECT_EQ(env["REDIS_PRIMARY_PORT_16379_TCP"], "tcp://10.96.0.5:16379");
  EXPECT_EQ(env["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(env["KUBERNETES_SERVICE_PORT_HTTPS"], "443");
  EXPECT_FALSE(env.count("HEADLESS_SERVICE_HOST"));
  EXPECT_FALSE(env.count("ELSEWHERE_SERVICE_HOST"));
  // Service links off: only the master service remains.
  auto off =
      AsMap(ServiceEnvironment("shop", false,
                               {Svc("shop", "redis", "10.96.0.5", {{"", 1}}),
                                Svc("default", "kubernetes", "10.96.0.1", {{"https", 443}})}));
  EXPECT_FALSE(off.count("REDIS_SERVICE_HOST"));
  EXPECT_EQ(off["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  // IPv6 addresses are bracketed in URLs.
  auto v6 = AsMap(ServiceEnvironment("shop", true, {Svc("shop", "v6", "fd00::10", {{"", 80}})}));
  EXPECT_EQ(v6["V6_PORT"], "tcp://[fd00::10]:80");
}

TEST(BuildEnvironmentTest, OrderAndSources) {
  api::Pod pod = PodWith();
  api::Container c;
  c.set_name("app");
  (*c.mutable_resources()->mutable_limits())["memory"] = "64Mi";
  (*c.mutable_resources()->mutable_requests())["cpu"] = "250m";
  auto* from_cm = c.add_env_from();
  from_cm->mutable_config_map_ref()->set_name("cfg");
  auto* from_secret = c.add_env_from();
  from_secret->set_prefix("S_");
  from_secret->mutable_secret_ref()->set_name("creds");
  auto add = [&](const std::string& name) {
    auto* e = c.add_env();
    e->set_name(name);
    return e;
  };
  add("MODE")->set_value("override-$(MODE)");  // refers to the envFrom value
  add("URL")->set_value("http://$(REDIS_SERVICE_HOST):$(PORT)/$(UNKNOWN)");
  add("PORT")->set_value("8080");
  add("POD")->mutable_value_from()->mutable_field_ref()->set_field_path("metadata.name");
  add("APP")->mutable_value_from()->mutable_field_ref()->set_field_path("metadata.labels['app']");
  add("TEAM")->mutable_value_from()->mutable_field_ref()->set_field_path(
      "metadata.annotations['team']");
  add("IP")->mutable_value_from()->mutable_field_ref()->set_field_path("status.podIP");
  add("IPS")->mutable_value_from()->mutable_field_ref()->set_field_path("status.podIPs");
  add("HOST")->mutable_value_from()->mutable_field_ref()->set_field_path("status.hostIP");
  add("NODE")->mutable_value_from()->mutable_field_ref()->set_field_path("spec.nodeName");
  add("SA")->mutable_value_from()->mutable_field_ref()->set_field_path("spec.serviceAccountName");
  auto* mem = add("MEM_MI")->mutable_value_from()->mutable_resource_field_ref();
  mem->set_resource("limits.memory");
  mem->set_divisor("1Mi");
  add("CPU_REQ")->mutable_value_from()->mutable_resource_field_ref()->set_resource("requests.cpu");
  add("CPU_LIM")->mutable_value_from()->mutable_resource_field_ref()->set_resource("limits.cpu");
  auto* key = add("KEY")->mutable_value_from()->mutable_config_map_key_ref();
  key->set_name("cfg");
  key->set_key("MODE");
  auto* pw = add("PW")->mutable_value_from()->mutable_secret_key_ref();
  pw->set_name("creds");
  pw->set_key("password");
  auto* opt = add("OPT")->mutable_value_from()->mutable_config_map_key_ref();
  opt->set_name("nope");
  opt->set_key("x");
  opt->set_optional(true);

  auto cm = std::make_shared<api::ConfigMap>();
  (*cm->mutable_data())["MODE"] = "fast";
  (*cm->mutable_data())["1BAD"] = "skipped";
  auto secret = std::make_shared<api::Secret>();
  (*secret->mutable_data())["password"] = "s3cret";
  EnvSources src;
  src.config_map = [&](const std::string& ns, const std::string& name) {
    EXPECT_EQ(ns, "shop");
    return name == "cfg" ? cm : nullptr;
  };
  src.secret = [&](const std::string&, const std::string& name) {
    return name == "creds" ? secret : nullptr;
  };
  src.services = {Svc("shop", "redis", "10.96.0.7", {{"", 6379}})};
  src.pod_ips = {"10.244.1.5", "fd00::5"};
  src.host_ips = {"192.168.1.10"};
  src.node_cpu_milli = 2000;
  std::vector<std::string> warnings;
  auto env = BuildEnvironment(pod, c, src, &warnings);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto m = AsMap(*env);
  EXPECT_EQ(m["MODE"], "override-fast");
  EXPECT_EQ(m["URL"], "http://10.96.0.7:$(PORT)/$(UNKNOWN)");  // PORT is defined later
  EXPECT_EQ(m["S_password"], "s3cret");
  EXPECT_EQ(m["POD"], "web-0");
  EXPECT_EQ(m["APP"], "web");
  EXPECT_EQ(m["TEAM"], "blue");
  EXPECT_EQ(m["IP"], "10.244.1.5");
  EXPECT_EQ(m["IPS"], "10.244.1.5,fd00::5");
  EXPECT_EQ(m["HOST"], "192.168.1.10");
  EXPECT_EQ(m["NODE"], "n1");
  EXPECT_EQ(m["SA"], "sa");
  EXPECT_EQ(m["MEM_MI"], "64");
  EXPECT_EQ(m["CPU_REQ"], "1");  // 250m rounds up to 1 core
  EXPECT_EQ(m["CPU_LIM"], "2");  // no limit: the node's allocatable
  EXPECT_EQ(m["KEY"], "fast");
  EXPECT_EQ(m["PW"], "s3cret");
  EXPECT_FALSE(m.count("OPT"));
  EXPECT_FALSE(m.count("1BAD"));
  EXPECT_EQ(m["REDIS_SERVICE_HOST"], "10.96.0.7");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("1BAD"), std::string::npos);
  // envFrom first, env in order, service variables last.
  EXPECT_EQ((*env)[0].first, "MODE");
  EXPECT_EQ(env->back().first.find("REDIS_"), 0u);
}

TEST(BuildEnvironmentTest, KubeletErrors) {
  api::Pod pod = PodWith("ns1");
  EnvSources src;
  auto cm = std::make_shared<api::ConfigMap>();
  src.config_map = [&](const std::string&, const std::string& name) {
    return name == "present" ? cm : nullptr;
  };
  src.secret = [](const std::string&, const std::string&) { return nullptr; };
  auto env_of = [&](std::function<void(api::Container*)> f) {
    api::Container c;
    f(&c);
    return BuildEnvironment(pod, c, src, nullptr);
  };
  auto r = env_of([](api::Container* c) {
    auto* k = c->add_env()->mutable_value_from()->mutable_config_map_key_ref();
    k->set_name("absent");
    k->set_key("k");
  });
  EXPECT_EQ(r.status().message(), "configmap \"absent\" not found");
  r = env_of([](api::Container* c) {
    auto* k = c->add_env()->mutable_value_from()->mutable_config_map_key_ref();
    k->set_name("present");
    k->set_key("k");
  });
  EXPECT_EQ(r.status().message(), "couldn't find key k in ConfigMap ns1/present");
  r = env_of([](api::Container* c) {
    auto* k = c->add_env()->mutable_value_from()->mutable_secret_key_ref();
    k->set_name("vault");
    k->set_key("k");
  });
  EXPECT_EQ(r.status().message(), "secret \"vault\" not found");
  r = env_of([](api::Container* c) { c->add_env_from()->mutable_secret_ref()->set_name("vault"); });
  EXPECT_EQ(r.status().message(), "secret \"vault\" not found");
  r = env_of([](api::Container* c) {
    c->add_env()->mutable_value_from()->mutable_field_ref()->set_field_path("spec.bogus");
  });
  EXPECT_FALSE(r.ok());
}

TEST(ExpandCommandTest, CommandAndArgs) {
  api::Container c;
  c.add_command("echo");
  c.add_command("$(GREETING)");
  c.add_args("$$(GREETING)");
  c.add_args("$(NOPE)");
  auto out = ExpandCommand(c, {{"GREETING", "hi"}});
  EXPECT_EQ(out, (std::vector<std::string>{"echo", "hi", "$(GREETING)", "$(NOPE)"}));
  EXPECT_EQ(EnvStrings({{"A", "1"}, {"B", ""}}), (std::vector<std::string>{"A=1", "B="}));
}

}  // namespace
}  // namespace skiff::node
