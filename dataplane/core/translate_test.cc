#include "dataplane/core/translate.h"

#include <gtest/gtest.h>

namespace skiff::dataplane {
namespace {

Service Web() {
  Service s;
  s.ns = "default";
  s.name = "web";
  s.type = ServiceType::kNodePort;
  s.cluster_ips = {"10.96.0.10", "fd00::10"};
  s.ports = {{"http", Protocol::kTCP, 80, 30080, {8080, ""}}};
  return s;
}

EndpointSlice Slice(std::vector<Endpoint> eps, AddressType type = AddressType::kIPv4) {
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = "web-abc";
  sl.service_name = "web";
  sl.address_type = type;
  sl.endpoints = std::move(eps);
  sl.ports = {{"http", Protocol::kTCP, 8080}};
  return sl;
}

Endpoint Ep(const char* ip, std::optional<bool> ready = {}, std::optional<bool> term = {},
            const char* node = "") {
  Endpoint e;
  e.addresses = {ip};
  e.ready = ready;
  e.terminating = term;
  e.node_name = node;
  return e;
}

TEST(Translate, FrontendsAndSetsPerFamily) {
  auto sl = Slice({Ep("10.1.0.1"), Ep("10.1.0.2")});
  auto sl6 = Slice({Ep("fd01::1")}, AddressType::kIPv6);
  sl6.name = "web-v6";
  auto t = Translate(Web(), {&sl, &sl6}, NodeInfo{"n1"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->ports.size(), 1u);
  const PortSpec& p = t->ports[0];
  ASSERT_EQ(p.frontends.size(), 4u);  // 2 ClusterIPs + NodePort v4 + v6
  EXPECT_EQ(p.frontends[0].key.ToString(), "10.96.0.10:80/TCP");
  EXPECT_EQ(p.frontends[2].key.ToString(), "*:30080/TCP");
  EXPECT_EQ(p.frontends[2].scope, Scope::kNodePort);
  EXPECT_TRUE(p.frontends[2].flags & kSvcSnatRemote);
  EXPECT_EQ(p.sets[kSetCluster4].size(), 2u);
  EXPECT_EQ(p.sets[kSetCluster6].size(), 1u);
  EXPECT_EQ(p.sets[kSetCluster4][0].backend.port, 8080);
}

TEST(Translate, InvalidInputNamesTheField) {
  Service s = Web();
  s.cluster_ips = {"10.96.0.999"};
  auto t = Translate(s, {}, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("default/web"), std::string::npos);
  EXPECT_NE(t.status().message().find("spec.clusterIPs[0]"), std::string::npos);

  s = Web();
  s.ports.push_back({"other", Protocol::kTCP, 80, 0, {}});
  t = Translate(s, {}, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("spec.ports[1]"), std::string::npos);

  s = Web();
  s.ports[0].port = 70000;
  EXPECT_FALSE(Translate(s, {}, {}).ok());
}

TEST(Translate, TerminatingEndpointsAndFallback) {
  auto sl = Slice({Ep("10.1.0.1"), Ep("10.1.0.2", false, true)});
  auto t = Translate(Web(), {&sl}, {});
  ASSERT_TRUE(t.ok());
  const auto& set = t->ports[0].sets[kSetCluster4];
  ASSERT_EQ(set.size(), 2u);
  EXPECT_FALSE(set[0].terminating);
  EXPECT_TRUE(set[1].terminating);  // keeps flows, no new ones

  // Only terminating-but-serving endpoints left: they serve (KEP-1669).
  Endpoint e = Ep("10.1.0.2", false, true);
  e.serving = true;
  auto only = Slice({e});
  t = Translate(Web(), {&only}, {});
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->ports[0].sets[kSetCluster4].size(), 1u);
  EXPECT_FALSE(t->ports[0].sets[kSetCluster4][0].terminating);

  // Not ready, not terminating: not a member.
  auto nr = Slice({Ep("10.1.0.3", false)});
  t = Translate(Web(), {&nr}, {});
  EXPECT_TRUE(t->ports[0].sets[kSetCluster4].empty());
}

TEST(Translate, TrafficPoliciesSelectLocalEndpoints) {
  Service s = Web();
  s.external_traffic_policy = TrafficPolicy::kLocal;
  auto sl = Slice({Ep("10.1.0.1", {}, {}, "n1"), Ep("10.1.0.2", {}, {}, "n2")});
  auto t = Translate(s, {&sl}, NodeInfo{"n1"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ports[0].sets[kSetCluster4].size(), 2u);
  ASSERT_EQ(t->ports[0].sets[kSetExternal4].size(), 1u);
  EXPECT_EQ(t->ports[0].sets[kSetExternal4][0].backend.addr.ToString(), "10.1.0.1");
  EXPECT_FALSE(t->ports[0].frontends[2].flags & kSvcSnatRemote);
}

TEST(Translate, SlicePortsMatchByNameAndProtocol) {
  auto sl = Slice({Ep("10.1.0.1")});
  sl.ports = {{"metrics", Protocol::kTCP, 9090}};
  auto t = Translate(Web(), {&sl}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->ports[0].sets[kSetCluster4].empty());
}

TEST(Translate, HeadlessAndExternalName) {
  Service s = Web();
  s.type = ServiceType::kClusterIP;
  s.cluster_ips = {"None"};
  auto t = Translate(s, {}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->ports.empty());
  s.type = ServiceType::kExternalName;
  EXPECT_TRUE(Translate(s, {}, {})->ports.empty());
}

}  // namespace
}  // namespace skiff::dataplane
