#include "dataplane/proxy/manifest.h"

#include <gtest/gtest.h>

namespace skiff::dataplane {
namespace {

const char kGood[] = R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: NodePort
  clusterIPs: [10.96.0.10, "fd00::10"]
  externalIPs: [192.0.2.10]
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
  externalTrafficPolicy: Local
  ports:
  - {name: http, port: 80, targetPort: http, nodePort: 30080}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.1.0.1]
  conditions: {ready: true}
  nodeName: n1
- addresses: [10.1.0.2]
  conditions: {ready: false, terminating: true}
  weight: 3
ports:
- {name: http, port: 8080}
- {name: dns, protocol: UDP, port: 5353}
)";

TEST(Manifest, ParsesKubernetesShapes) {
  auto m = ParseManifest(kGood, "test");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->errors.empty());
  ASSERT_EQ(m->services.size(), 1u);
  const Service& s = m->services[0];
  EXPECT_EQ(s.Key(), "shop/web");
  EXPECT_EQ(s.type, ServiceType::kNodePort);
  EXPECT_EQ(s.cluster_ips.size(), 2u);
  EXPECT_EQ(s.session_affinity, SessionAffinity::kClientIP);
  EXPECT_EQ(s.affinity_timeout_s, 60);
  EXPECT_EQ(s.external_traffic_policy, TrafficPolicy::kLocal);
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0].target_port.name, "http");
  EXPECT_EQ(s.ports[1].protocol, Protocol::kUDP);
  EXPECT_EQ(s.ports[1].target_port.number, 5353);
  ASSERT_EQ(m->slices.size(), 1u);
  const EndpointSlice& sl = m->slices[0];
  EXPECT_EQ(sl.ServiceKey(), "shop/web");
  ASSERT_EQ(sl.endpoints.size(), 2u);
  EXPECT_EQ(sl.endpoints[1].terminating, true);
  EXPECT_EQ(sl.endpoints[1].weight, 3);
  EXPECT_EQ(sl.ports[1].port, 5353);
}

TEST(Manifest, BadDocumentIsRejectedAloneWithItsField) {
  std::string text = std::string(kGood) + R"(
---
kind: Service
metadata: {name: broken}
spec:
  ports: [{port: eighty}]
---
kind: List
items:
- kind: Service
  metadata: {name: other}
  spec: {clusterIP: 10.96.0.11, ports: [{port: 81}]}
)";
  auto m = ParseManifest(text, "f.yaml");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->services.size(), 2u);  // web + other
  ASSERT_EQ(m->errors.size(), 1u);
  EXPECT_NE(m->errors[0].find("broken"), std::string::npos);
  EXPECT_NE(m->errors[0].find("spec.ports[0].port"), std::string::npos);
}

TEST(Manifest, JsonAndGarbage) {
  auto m = ParseManifest(R"({"kind":"Service","metadata":{"name":"j"},
      "spec":{"clusterIP":"10.96.0.12","ports":[{"port":80}]}})",
                         "j.json");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->services.size(), 1u);
  EXPECT_FALSE(ParseManifest("kind: [unclosed", "bad").ok());
  auto arr = ParseManifest(R"([{"kind":"Service","metadata":{"name":"a"},
      "spec":{"clusterIP":"10.96.0.13","ports":[{"port":80}]}},
      {"kind":"EndpointSlice","metadata":{"name":"a-1",
       "labels":{"kubernetes.io/service-name":"a"}},
       "endpoints":[{"addresses":["10.1.0.1"],"conditions":{"ready":false}}],
       "ports":[{"port":8080}]}])",
                           "a.json");
  ASSERT_TRUE(arr.ok()) << arr.status().ToString();
  ASSERT_EQ(arr->slices.size(), 1u);
  EXPECT_EQ(arr->slices[0].endpoints[0].ready, false);
  EXPECT_FALSE(ParseManifest("[{\"kind\": }]", "bad.json").ok());
  auto missing = ParseManifest("kind: EndpointSlice\nmetadata: {name: x}\n", "s");
  ASSERT_TRUE(missing.ok());
  ASSERT_EQ(missing->errors.size(), 1u);
  EXPECT_NE(missing->errors[0].find("kubernetes.io/service-name"), std::string::npos);
}

}  // namespace
}  // namespace skiff::dataplane
