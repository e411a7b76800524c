// Endpoints (core/v1) against a real in-process server: the endpoints controller keeps one
// per Service with a selector in step with its pods; a Service without a selector gets the
// Endpoints its user writes mirrored into EndpointSlices, and only then.
#include <algorithm>
#include <set>

#include "api/int_or_string.h"
#include "controlplane/controllers/endpoints_controller.h"
#include "controlplane/server/api_test_fixture.h"
#include "controlplane/server/kubernetes_service.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "tests/controllers/fake_kubelet.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;

api::Service MakeService(const std::string& name, bool with_selector) {
  api::Service svc;
  svc.mutable_metadata()->set_name(name);
  svc.mutable_metadata()->set_namespace_("default");
  (*svc.mutable_metadata()->mutable_labels())["team"] = "blue";
  if (with_selector) (*svc.mutable_spec()->mutable_selector())["app"] = name;
  auto* port = svc.mutable_spec()->add_ports();
  port->set_name("web");
  port->set_port(80);
  if (with_selector) {
    api::SetString(port->mutable_target_port(), "http");
  } else {
    api::SetInt(port->mutable_target_port(), 8080);
  }
  return svc;
}

api::ReplicaSet MakeReplicaSet(const std::string& app, int replicas) {
  api::ReplicaSet rs;
  rs.mutable_metadata()->set_name(app);
  rs.mutable_metadata()->set_namespace_("default");
  rs.mutable_spec()->set_replicas(replicas);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = app;
  auto* t = rs.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = app;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("web");
  c->set_image("skiff/hello");
  auto* port = c->add_ports();
  port->set_name("http");
  port->set_container_port(8080);
  return rs;
}

std::vector<api::EndpointSlice> Mirrored(api::ApiClient& c, const std::string& service) {
  auto slices = api::ListObjects<api::EndpointSlice>(
      c, "default",
      "kubernetes.io/service-name=" + service +
          ",endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io");
  return slices.ok() ? *slices : std::vector<api::EndpointSlice>{};
}

TEST_F(ApiServerTest, EndpointsFollowPodsOfTheSelector) {
  std::mutex mu;
  std::set<std::string> unready;
  testing::FakeKubelet::Options opts;
  opts.ready = [&](const api::Pod& p) {
    std::lock_guard lock(mu);
    return !unready.count(p.metadata().name());
  };
  testing::FakeKubelet kubelet(*client_, opts);
  ASSERT_TRUE(api::CreateObject(*client_, MakeReplicaSet("eps", 3)).ok());
  ASSERT_TRUE(api::CreateObject(*client_, MakeService("eps", true)).ok());

  auto endpoints = [&] { return api::GetObject<api::Endpoints>(*client_, "default", "eps"); };
  ASSERT_TRUE(Eventually([&] {
    auto e = endpoints();
    return e.ok() && e->subsets_size() == 1 && e->subsets(0).addresses_size() == 3;
  }));
  auto e = endpoints();
  const api::EndpointSubset& subset = e->subsets(0);
  ASSERT_EQ(subset.ports_size(), 1);
  EXPECT_EQ(subset.ports(0).port(), 8080);  // the named targetPort, resolved per pod
  EXPECT_EQ(subset.ports(0).name(), "web");
  EXPECT_EQ(subset.ports(0).protocol(), "TCP");
  EXPECT_EQ(subset.addresses(0).target_ref().kind(), "Pod");
  EXPECT_EQ(subset.addresses(0).node_name(), "fake-node");
  EXPECT_EQ(e->metadata().labels().at("team"), "blue");
  EXPECT_EQ(e->metadata().labels().at(controllers::kSkipMirrorLabel), "true");
  EXPECT_TRUE(Mirrored(*client_, "eps").empty())
      << "the endpoints controller's own are not mirrored";

  // A pod turns unready: it moves to notReadyAddresses.
  auto pods = api::ListObjects<api::Pod>(*client_, "default", "app=eps");
  ASSERT_TRUE(pods.ok());
  {
    std::lock_guard lock(mu);
    unready.insert((*pods)[0].metadata().name());
  }
  kubelet.Resync();
  ASSERT_TRUE(Eventually([&] {
    auto e = endpoints();
    return e.ok() && e->subsets_size() == 1 && e->subsets(0).addresses_size() == 2 &&
           e->subsets(0).not_ready_addresses_size() == 1 &&
           e->subsets(0).not_ready_addresses(0).target_ref().name() == (*pods)[0].metadata().name();
  }));

  // The Service goes: so does its Endpoints.
  ASSERT_TRUE(api::DeleteObject<api::Service>(*client_, "default", "eps").ok());
  ASSERT_TRUE(Eventually([&] { return endpoints().status().code() == StatusCode::kNotFound; }));
}

TEST_F(ApiServerTest, EndpointsOfASelectorlessServiceAreMirroredIntoSlices) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeService("ext", false)).ok());
  api::Endpoints eps;
  eps.mutable_metadata()->set_name("ext");
  eps.mutable_metadata()->set_namespace_("default");
  (*eps.mutable_metadata()->mutable_labels())["owner"] = "ops";
  auto* subset = eps.add_subsets();
  auto* a = subset->add_addresses();
  a->set_ip("192.0.2.10");
  a->set_hostname("ext-0");
  subset->add_not_ready_addresses()->set_ip("192.0.2.11");
  subset->add_addresses()->set_ip("2001:db8::5");
  auto* port = subset->add_ports();
  port->set_name("web");
  port->set_port(8080);
  ASSERT_TRUE(api::CreateObject(*client_, eps).ok());

  ASSERT_TRUE(Eventually([&] { return Mirrored(*client_, "ext").size() == 2; }));
  for (const auto& s : Mirrored(*client_, "ext")) {
    EXPECT_EQ(s.metadata().labels().at("owner"), "ops");
    ASSERT_EQ(s.metadata().owner_references_size(), 1);
    EXPECT_EQ(s.metadata().owner_references(0).kind(), "Endpoints");
    ASSERT_EQ(s.ports_size(), 1);
    EXPECT_EQ(s.ports(0).port(), 8080);
    EXPECT_EQ(s.ports(0).protocol(), "TCP");
    if (s.address_type() == "IPv4") {
      ASSERT_EQ(s.endpoints_size(), 2);
      EXPECT_EQ(s.endpoints(0).addresses(0), "192.0.2.10");
      EXPECT_EQ(s.endpoints(0).hostname(), "ext-0");
      EXPECT_TRUE(s.endpoints(0).conditions().ready());
      EXPECT_EQ(s.endpoints(1).addresses(0), "192.0.2.11");
      EXPECT_FALSE(s.endpoints(1).conditions().ready());
    } else {
      EXPECT_EQ(s.address_type(), "IPv6");
      ASSERT_EQ(s.endpoints_size(), 1);
      EXPECT_EQ(s.endpoints(0).addresses(0), "2001:db8::5");
    }
  }

  // The user edits the Endpoints: the slices follow.
  auto stored = api::GetObject<api::Endpoints>(*client_, "default", "ext");
  ASSERT_TRUE(stored.ok());
  stored->mutable_subsets(0)->clear_not_ready_addresses();
  stored->mutable_subsets(0)->mutable_addresses()->RemoveLast();  // the IPv6 one
  ASSERT_TRUE(api::UpdateObject(*client_, *stored).ok());
  ASSERT_TRUE(Eventually([&] {
    auto slices = Mirrored(*client_, "ext");
    return slices.size() == 1 && slices[0].address_type() == "IPv4" &&
           slices[0].endpoints_size() == 1;
  }));

  // Labelled skip-mirror: no longer mirrored.
  stored = api::GetObject<api::Endpoints>(*client_, "default", "ext");
  ASSERT_TRUE(stored.ok());
  (*stored->mutable_metadata()->mutable_labels())[controllers::kSkipMirrorLabel] = "true";
  ASSERT_TRUE(api::UpdateObject(*client_, *stored).ok());
  ASSERT_TRUE(Eventually([&] { return Mirrored(*client_, "ext").empty(); }));
}

TEST_F(ApiServerTest, EndpointsWithoutAServiceOrWithBadAddresses) {
  // No Service of that name: nothing mirrored.
  api::Endpoints lonely;
  lonely.mutable_metadata()->set_name("lonely");
  lonely.mutable_metadata()->set_namespace_("default");
  lonely.add_subsets()->add_addresses()->set_ip("192.0.2.20");
  ASSERT_TRUE(api::CreateObject(*client_, lonely).ok());
  // A bad address is refused, naming the field; nothing is stored.
  api::Endpoints bad = lonely;
  bad.mutable_metadata()->set_name("bad");
  bad.mutable_subsets(0)->mutable_addresses(0)->set_ip("127.0.0.1");
  auto r = api::CreateObject(*client_, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("subsets[0].addresses[0].ip"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(api::GetObject<api::Endpoints>(*client_, "default", "bad").status().code(),
            StatusCode::kNotFound);
  // A Service appears later: then the Endpoints are mirrored.
  ASSERT_TRUE(api::CreateObject(*client_, MakeService("lonely", false)).ok());
  ASSERT_TRUE(Eventually([&] { return Mirrored(*client_, "lonely").size() == 1; }));
}

std::shared_ptr<const api::Pod> RunningPod(const std::string& name, const std::string& ip,
                                           bool ready) {
  auto p = std::make_shared<api::Pod>();
  p->mutable_metadata()->set_name(name);
  p->mutable_metadata()->set_namespace_("default");
  (*p->mutable_metadata()->mutable_labels())["app"] = "db";
  p->mutable_spec()->set_hostname(name);
  p->mutable_spec()->set_subdomain("db");
  p->mutable_status()->set_phase("Running");
  p->mutable_status()->set_pod_ip(ip);
  auto* c = p->mutable_status()->add_conditions();
  c->set_type("Ready");
  c->set_status(ready ? "True" : "False");
  return p;
}

TEST(EndpointsDesired, HeadlessPublishNotReadyAndCapacity) {
  api::Service svc = MakeService("db", true);
  svc.mutable_spec()->set_cluster_ip("None");
  std::vector<std::shared_ptr<const api::Pod>> pods = {RunningPod("db-0", "10.1.0.1", true),
                                                       RunningPod("db-1", "10.1.0.2", false)};
  api::Endpoints e = controllers::EndpointsController::Desired(svc, pods);
  EXPECT_TRUE(e.metadata().labels().contains(controllers::kHeadlessLabel));
  ASSERT_EQ(e.subsets_size(), 1);
  EXPECT_EQ(e.subsets(0).addresses_size(), 1);
  EXPECT_EQ(e.subsets(0).addresses(0).hostname(), "db-0");  // subdomain == Service name
  EXPECT_EQ(e.subsets(0).not_ready_addresses_size(), 1);
  // The named targetPort "http" is not among these pods' ports: no port for them.
  EXPECT_EQ(e.subsets(0).ports_size(), 0);

  svc.mutable_spec()->set_publish_not_ready_addresses(true);
  e = controllers::EndpointsController::Desired(svc, pods);
  EXPECT_EQ(e.subsets(0).addresses_size(), 2);
  EXPECT_EQ(e.subsets(0).not_ready_addresses_size(), 0);

  pods.clear();
  for (int i = 0; i < controllers::EndpointsController::kMaxAddresses + 5; ++i) {
    pods.push_back(RunningPod("db-" + std::to_string(i),
                              "10.2." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                              true));
  }
  e = controllers::EndpointsController::Desired(svc, pods);
  EXPECT_EQ(e.subsets(0).addresses_size(), controllers::EndpointsController::kMaxAddresses);
  EXPECT_EQ(e.metadata().annotations().at(controllers::kOverCapacityAnnotation), "truncated");
}

class KubernetesServiceTest : public ApiServerTest {
 protected:
  void Customize(server::ServerOptions& opts) override {
    opts.advertise_address = "192.0.2.7";
    opts.ranges.service_cidrs = {"10.100.0.0/16"};
  }
};

// kube-apiserver's `kubernetes` Service: the first ClusterIP of the range, 443 to the
// API's port, its Endpoints at the advertise address, mirrored into a slice.
TEST_F(KubernetesServiceTest, TheApiHasItsOwnService) {
  auto svc = api::GetObject<api::Service>(*client_, "default", "kubernetes");
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();
  EXPECT_EQ(svc->spec().cluster_ip(), "10.100.0.1");
  EXPECT_TRUE(svc->spec().selector().empty());
  EXPECT_EQ(svc->metadata().labels().at("component"), "apiserver");
  ASSERT_EQ(svc->spec().ports_size(), 1);
  EXPECT_EQ(svc->spec().ports(0).name(), "https");
  EXPECT_EQ(svc->spec().ports(0).port(), 443);
  EXPECT_EQ(api::ReadIntOrString(svc->spec().ports(0).target_port(), "")->int_value,
            server_->port());
  auto eps = api::GetObject<api::Endpoints>(*client_, "default", "kubernetes");
  ASSERT_TRUE(eps.ok()) << eps.status().ToString();
  ASSERT_EQ(eps->subsets_size(), 1);
  EXPECT_EQ(eps->subsets(0).addresses(0).ip(), "192.0.2.7");
  EXPECT_EQ(eps->subsets(0).ports(0).port(), server_->port());
  ASSERT_TRUE(Eventually([&] {
    auto slices = Mirrored(*client_, "kubernetes");
    return slices.size() == 1 && slices[0].endpoints_size() == 1 &&
           slices[0].endpoints(0).addresses(0) == "192.0.2.7";
  }));
}

TEST(KubernetesService, AdvertiseAddressAndCertificateNames) {
  // Listening on loopback only: nothing off the host reaches it, no endpoint to publish.
  EXPECT_EQ(server::DefaultAdvertiseAddress("127.0.0.1"), "");
  EXPECT_EQ(server::DefaultAdvertiseAddress("::1"), "");
  EXPECT_EQ(server::DefaultAdvertiseAddress("localhost"), "");
  EXPECT_EQ(server::DefaultAdvertiseAddress("192.0.2.9"), "192.0.2.9");
  // Every address: one of the host's, never loopback.
  std::string any = server::DefaultAdvertiseAddress("0.0.0.0");
  EXPECT_NE(any.rfind("127.", 0), 0u) << any;

  server::KubernetesServiceOptions o;
  o.service_cidrs = {"10.96.0.0/12", "fd00:10:96::/108"};
  o.advertise_address = "192.0.2.9";
  auto names = server::KubernetesServiceNames(o);
  for (const char* want : {"kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                           "10.96.0.1", "fd00:10:96::1", "192.0.2.9"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

}  // namespace
}  // namespace skiff
