// The resource metrics pipeline against a real in-process server: the
// collector scrapes a stand-in node agent (a stub HTTP server serving the
// agent's /stats/summary shape with counters that advance in real time),
// turns counters into rates, serves them as a MetricsSource and over the
// metrics gRPC API (TLS, tokens, authorization), and netctl top prints them.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "api/labels.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/auth/authorizer.h"
#include "controlplane/auth/pki.h"
#include "controlplane/auth/signed_tokens.h"
#include "controlplane/auth/tokens.h"
#include "controlplane/metrics/collector.h"
#include "controlplane/metrics/metrics_client.h"
#include "controlplane/metrics/service.h"
#include "controlplane/metrics/testing/stub_http_server.h"
#include "controlplane/server/api_test_fixture.h"
#include "tools/netctl/top.h"

namespace skiff::metrics {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::StubHttpServer;
using testing::StubRequest;

constexpr const char* kAgentToken = "agent-scrape-token";
constexpr int64_t kCore = 1'000'000'000;  // nanocores

std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;)
    out.push_back(f);
  return out;
}

// A node agent whose containers burn CPU at fixed rates: cumulative
// counters are rate x time since the agent started.
class FakeAgent {
 public:
  struct Container {
    std::string ns, pod, name;
    int64_t nanocores;
    int64_t memory;
  };
  FakeAgent(std::string node, int64_t node_nanocores, std::vector<Container> containers)
      : node_(std::move(node)),
        node_rate_(node_nanocores),
        containers_(std::move(containers)),
        start_(std::chrono::steady_clock::now()),
        server_([this](const StubRequest& r) { return Serve(r); }) {}

  uint16_t port() const { return server_.port(); }
  int requests() const { return server_.requests(); }
  StubRequest last_request() const { return server_.last_request(); }

 private:
  std::optional<std::string> Serve(const StubRequest& r) {
    if (r.path != "/stats/summary") return StubHttpServer::Reply(404, "not found\n", "text/plain");
    if (r.authorization != std::string("Bearer ") + kAgentToken) {
      return StubHttpServer::Reply(401, "Unauthorized\n", "text/plain");
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    auto counter = [&](int64_t rate) {
      return std::to_string(static_cast<int64_t>(static_cast<double>(rate) * secs));
    };
    std::string now = google::protobuf::util::TimeUtil::ToString(
        google::protobuf::util::TimeUtil::GetCurrentTime());
    std::string out = "{\"node\":{\"nodeName\":\"" + node_ + "\",\"cpu\":{\"time\":\"" + now +
                      "\",\"usageCoreNanoSeconds\":" + counter(node_rate_) +
                      "},\"memory\":{\"workingSetBytes\":3221225472}},\"pods\":[";
    // One entry per pod, its containers grouped.
    std::vector<std::pair<std::string, std::string>> pods;
    for (const auto& c : containers_) {
      if (std::find(pods.begin(), pods.end(), std::make_pair(c.ns, c.pod)) == pods.end()) {
        pods.push_back({c.ns, c.pod});
      }
    }
    for (size_t i = 0; i < pods.size(); ++i) {
      out += std::string(i ? "," : "") + "{\"podRef\":{\"name\":\"" + pods[i].second +
             "\",\"namespace\":\"" + pods[i].first + "\",\"uid\":\"uid-" + pods[i].second +
             "\"},\"containers\":[";
      bool first = true;
      for (const auto& c : containers_) {
        if (c.ns != pods[i].first || c.pod != pods[i].second) continue;
        out += std::string(first ? "" : ",") + "{\"name\":\"" + c.name +
               "\",\"startTime\":\"2024-05-01T00:00:00Z\",\"cpu\":{\"usageCoreNanoSeconds\":" +
               counter(c.nanocores) +
               "},\"memory\":{\"workingSetBytes\":" + std::to_string(c.memory) + "}}";
        first = false;
      }
      out += "]}";
    }
    out += "]}";
    return StubHttpServer::Reply(200, out);
  }

  std::string node_;
  int64_t node_rate_;
  std::vector<Container> containers_;
  std::chrono::steady_clock::time_point start_;
  StubHttpServer server_;
};

class MetricsPipelineTest : public server::testing::ApiServerTest {
 protected:
  // The tests run their own collectors: the server's would scrape the stand-in agents too.
  void Customize(server::ServerOptions& o) override { o.metrics_resolution = seconds(0); }

  void SetUp() override {
    ApiServerTest::SetUp();
    if (HasFatalFailure()) return;
    agent_ = std::make_unique<FakeAgent>(
        "n1", 2 * kCore,
        std::vector<FakeAgent::Container>{{"default", "web-1", "main", kCore / 4, 64 << 20},
                                          {"default", "web-1", "proxy", kCore / 20, 16 << 20},
                                          {"default", "db-0", "main", kCore, 512 << 20},
                                          {"kube-system", "dns-1", "dns", kCore / 100, 8 << 20}});
    AddNode("n1", agent_->port(), "True");
    AddPod("default", "web-1", "web");
    AddPod("default", "db-0", "db");
    AddPod("kube-system", "dns-1", "dns");
  }

  void TearDown() override {
    collector_.reset();
    agent_.reset();
    ApiServerTest::TearDown();
  }

  void AddNode(const std::string& name, uint16_t port, const std::string& ready) {
    api::Node node;
    node.mutable_metadata()->set_name(name);
    (*node.mutable_metadata()->mutable_labels())["zone"] = name == "n1" ? "a" : "b";
    auto created = api::CreateObject(*client_, node);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    api::Node st = *created;
    auto* s = st.mutable_status();
    (*s->mutable_allocatable())["cpu"] = "4";
    (*s->mutable_allocatable())["memory"] = "8Gi";
    (*s->mutable_capacity())["cpu"] = "8";
    (*s->mutable_capacity())["memory"] = "16Gi";
    auto* addr = s->add_addresses();
    addr->set_type("InternalIP");
    addr->set_address("127.0.0.1");
    s->mutable_daemon_endpoints()->mutable_kubelet_endpoint()->set_port(port);
    auto* c = s->add_conditions();
    c->set_type("Ready");
    c->set_status(ready);
    ASSERT_TRUE(api::UpdateObject(*client_, st, /*status=*/true).ok());
  }

  void AddPod(const std::string& ns, const std::string& name, const std::string& app) {
    api::Pod pod;
    pod.mutable_metadata()->set_name(name);
    pod.mutable_metadata()->set_namespace_(ns);
    (*pod.mutable_metadata()->mutable_labels())["app"] = app;
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("main");
    c->set_image("busybox");
    pod.mutable_spec()->set_node_name("n1");
    auto r = api::CreateObject(*client_, pod);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void StartCollector(const std::string& token = kAgentToken) {
    scraper_ = std::make_unique<HttpScraper>(token);
    CollectorOptions o;
    o.interval = milliseconds(250);
    o.timeout = seconds(2);
    collector_ = std::make_unique<Collector>(*client_, *scraper_, o);
    collector_->Start();
  }

  std::vector<PodUsage> Pods(const std::string& ns, const std::string& selector = "") {
    auto sel = api::Selector::Parse(selector);
    EXPECT_TRUE(sel.ok());
    auto r = collector_->ListPodMetrics(ns, *sel);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<PodUsage>{};
  }

  // Waits until two scrapes after the first produced rates.
  bool WaitForRates() {
    return Eventually([&] { return Pods("").size() == 3; }, seconds(20));
  }

  std::unique_ptr<FakeAgent> agent_;
  std::unique_ptr<HttpScraper> scraper_;
  std::unique_ptr<Collector> collector_;
};

const ContainerUsage* FindContainer(const std::vector<PodUsage>& pods, const std::string& pod,
                                    const std::string& container) {
  for (const auto& p : pods) {
    for (const auto& c : p.containers) {
      if (p.name == pod && c.name == container) return &c;
    }
  }
  return nullptr;
}

TEST_F(MetricsPipelineTest, CollectorDerivesRatesFromCounters) {
  StartCollector();
  ASSERT_TRUE(WaitForRates());
  EXPECT_EQ(agent_->last_request().authorization, std::string("Bearer ") + kAgentToken);
  // Let a few windows pass so the figures are over a steady interval.
  std::this_thread::sleep_for(milliseconds(600));
  auto pods = Pods("default");
  ASSERT_EQ(pods.size(), 2u);
  const ContainerUsage* web = FindContainer(pods, "web-1", "main");
  ASSERT_NE(web, nullptr);
  // 250m burnt in real time; the window is measured by the collector, so
  // scheduling jitter blurs it a little.
  EXPECT_GT(web->cpu_nanocores, kCore / 4 * 6 / 10);
  EXPECT_LT(web->cpu_nanocores, kCore / 4 * 14 / 10);
  EXPECT_EQ(web->memory_bytes, 64 << 20);
  const ContainerUsage* db = FindContainer(pods, "db-0", "main");
  ASSERT_NE(db, nullptr);
  EXPECT_GT(db->cpu_nanocores, kCore * 6 / 10);
  EXPECT_LT(db->cpu_nanocores, kCore * 14 / 10);
  for (const auto& p : pods) {
    EXPECT_GT(p.window, milliseconds(0));
    EXPECT_LE(p.window, seconds(3));
  }
  // Selectors go by the pods' labels.
  auto only_web = Pods("default", "app=web");
  ASSERT_EQ(only_web.size(), 1u);
  EXPECT_EQ(only_web[0].containers.size(), 2u);
  EXPECT_EQ(Pods("kube-system").size(), 1u);

  auto nodes = collector_->ListNodeMetrics(api::Selector());
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].name, "n1");
  EXPECT_GT((*nodes)[0].cpu_nanocores, 2 * kCore * 6 / 10);
  EXPECT_LT((*nodes)[0].cpu_nanocores, 2 * kCore * 14 / 10);
  EXPECT_EQ((*nodes)[0].memory_bytes, int64_t{3} << 30);
  auto zone_b = collector_->ListNodeMetrics(*api::Selector::Parse("zone=b"));
  ASSERT_TRUE(zone_b.ok());
  EXPECT_TRUE(zone_b->empty());

  // A deleted pod drops out although the agent still reports it.
  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_("default");
  del.set_name("db-0");
  del.set_grace_period_seconds(0);
  ASSERT_TRUE(client_->Delete(del).ok());
  EXPECT_TRUE(Eventually([&] { return Pods("default").size() == 1; }));
}

TEST_F(MetricsPipelineTest, OnlyReadyNodesAreScrapedAndBadTokensYieldNothing) {
  FakeAgent down("n2", kCore, {});
  AddNode("n2", down.port(), "False");
  StartCollector("not-the-token");
  ASSERT_TRUE(Eventually([&] { return agent_->requests() >= 3; }, seconds(10)));
  EXPECT_EQ(agent_->last_request().authorization, "Bearer not-the-token");
  EXPECT_TRUE(Pods("").empty());
  EXPECT_TRUE(collector_->ListNodeMetrics(api::Selector())->empty());
  EXPECT_EQ(down.requests(), 0);  // not Ready: never scraped
}

TEST_F(MetricsPipelineTest, ScrapeErrorsDoNotStopOtherNodes) {
  // n2 is Ready but hangs; n3 has no address; n1 still gets through.
  StubHttpServer hung([](const StubRequest&) { return std::nullopt; });
  AddNode("n2", hung.port(), "True");
  AddNode("n3", 0, "True");  // Ready, but it published no agent port
  scraper_ = std::make_unique<HttpScraper>(kAgentToken);
  CollectorOptions o;
  o.interval = milliseconds(250);
  o.timeout = milliseconds(300);
  collector_ = std::make_unique<Collector>(*client_, *scraper_, o);
  collector_->Start();
  ASSERT_TRUE(WaitForRates());
  EXPECT_GE(hung.requests(), 1);
}

// The metrics gRPC API on its own TLS port, with the server's own
// certificates and tokens, and netctl top on top of it.
class MetricsApiTest : public MetricsPipelineTest {
 protected:
  void SetUp() override {
    MetricsPipelineTest::SetUp();
    if (HasFatalFailure()) return;
    auto pki = auth::LoadOrCreatePki(dir_, {});
    ASSERT_TRUE(pki.ok()) << pki.status().ToString();
    std::string admin_token;
    auto tokens = auth::TokenAuthenticator::LoadOrCreate(dir_ + "/tokens.csv", &admin_token);
    ASSERT_TRUE(tokens.ok());
    tokens_ = std::move(*tokens);
    auto signer = auth::TokenSigner::LoadOrCreate(dir_ + "/token-signing.key");
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<auth::TokenSigner>(std::move(*signer));
    authn_ = std::make_unique<auth::Authenticator>(
        *tokens_, *signer_,
        [](const std::string&, const std::string&, const std::string&) { return true; });
    StartCollector();
    service_ = std::make_unique<MetricsService>(
        MetricsServiceDeps{collector_.get(), authn_.get(), &authz_});
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({pki->server_key_pem, pki->server_cert_pem});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port_);
    builder.RegisterService(service_.get());
    grpc_ = builder.BuildAndStart();
    ASSERT_TRUE(grpc_ && port_ > 0);
    auto admin = api::LoadClientConfig(server_->admin_config_path());
    ASSERT_TRUE(admin.ok());
    config_ = *admin;
    config_.server = "127.0.0.1:" + std::to_string(port_);
    ASSERT_TRUE(WaitForRates());
  }

  void TearDown() override {
    if (grpc_) grpc_->Shutdown(std::chrono::system_clock::now() + seconds(1));
    grpc_.reset();
    service_.reset();
    MetricsPipelineTest::TearDown();
  }

  std::unique_ptr<MetricsClient> Client(const std::string& token = "") {
    api::ClientConfig c = config_;
    if (!token.empty()) c.token = token;
    return NewRemoteMetricsClient(c, seconds(10));
  }

  // Runs netctl top with `args`; returns exit code, stdout, stderr.
  std::tuple<int, std::string, std::string> Top(std::vector<std::string> args,
                                                MetricsClient* metrics) {
    char *out_buf = nullptr, *err_buf = nullptr;
    size_t out_len = 0, err_len = 0;
    FILE* out = open_memstream(&out_buf, &out_len);
    FILE* err = open_memstream(&err_buf, &err_len);
    netctl::Context ctx;
    ctx.out = out;
    ctx.err = err;
    auto client = api::ConnectFromFile(server_->admin_config_path());
    EXPECT_TRUE(client.ok());
    ctx.SetClient(std::move(*client));
    int code = netctl::RunTopWith(ctx, args, metrics);
    fclose(out);
    fclose(err);
    std::string o(out_buf, out_len), e(err_buf, err_len);
    free(out_buf);
    free(err_buf);
    return {code, o, e};
  }

  std::unique_ptr<auth::TokenAuthenticator> tokens_;
  std::unique_ptr<auth::TokenSigner> signer_;
  std::unique_ptr<auth::Authenticator> authn_;
  auth::MastersAuthorizer authz_;
  std::unique_ptr<MetricsService> service_;
  std::unique_ptr<grpc::Server> grpc_;
  int port_ = 0;
  api::ClientConfig config_;
};

TEST_F(MetricsApiTest, ServesMetricsK8sIoShapes) {
  auto mc = Client();
  ListMetricsRequest req;
  req.set_namespace_("default");
  auto pods = mc->ListPodMetrics(req);
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  ASSERT_EQ(pods->items_size(), 2);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(pods->items(0), &json).ok());
  for (const char* field :
       {"\"apiVersion\":\"metrics.k8s.io/v1beta1\"", "\"kind\":\"PodMetrics\"", "\"timestamp\"",
        "\"window\"", "\"containers\"", "\"usage\"", "\"cpu\"", "\"memory\""}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
  req.set_namespace_("");
  EXPECT_EQ(mc->ListPodMetrics(req)->items_size(), 3);
  req.set_label_selector("app=db");
  auto db = mc->ListPodMetrics(req);
  ASSERT_EQ(db->items_size(), 1);
  EXPECT_EQ(db->items(0).metadata().namespace_(), "default");
  EXPECT_EQ(db->items(0).containers(0).usage().at("memory"), "512Mi");

  auto nodes = mc->ListNodeMetrics(ListMetricsRequest());
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->items_size(), 1);
  EXPECT_EQ(nodes->items(0).kind(), "NodeMetrics");
  EXPECT_EQ(nodes->items(0).usage().at("memory"), "3Gi");

  ListMetricsRequest named;
  named.set_namespace_("default");
  named.set_name("nope");
  auto missing = mc->ListPodMetrics(named);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "podmetrics.metrics.k8s.io \"nope\" not found");

  ListMetricsRequest bad;
  bad.set_label_selector("app in (");
  EXPECT_EQ(mc->ListPodMetrics(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MetricsApiTest, AuthenticatesAndAuthorizes) {
  auto stranger = Client("not-a-token");
  auto r = stranger->ListNodeMetrics(ListMetricsRequest());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  // A ServiceAccount without rights on metrics.k8s.io is refused, in
  // Kubernetes' words.
  int64_t now = std::time(nullptr);
  std::string sa = signer_->Issue(
      auth::TokenSigner::ForServiceAccount("default", "robot", "uid-robot", now, 600));
  auto robot = Client(sa);
  ListMetricsRequest req;
  req.set_namespace_("default");
  auto denied = robot->ListPodMetrics(req);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("cannot list resource \"pods\" in API group "
                                           "\"metrics.k8s.io\""),
            std::string::npos)
      << denied.status().message();
}

TEST_F(MetricsApiTest, NetctlTopNodes) {
  FakeAgent other("n2", kCore, {});
  AddNode("n2", other.port(), "False");  // known node without metrics
  auto mc = Client();
  auto [code, out, err] = Top({"nodes"}, mc.get());
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("NAME"), std::string::npos) << out;
  // Columns are aligned as kubectl's tabwriter does (3 spaces of padding after the widest cell):
  // the `<unknown>` row widens the CPU(%) column, so compare fields, then the alignment.
  std::istringstream lines(out);
  std::string header, row1;
  std::getline(lines, header);
  std::getline(lines, row1);
  EXPECT_EQ(Fields(header), (std::vector<std::string>{"NAME", "CPU(cores)", "CPU(%)",
                                                      "MEMORY(bytes)", "MEMORY(%)"}))
      << out;
  EXPECT_EQ(header.find("CPU(cores)"), row1.find_first_not_of(' ', row1.find(' '))) << out;
  EXPECT_EQ(header.find("MEMORY(bytes)"), row1.find("3072Mi")) << out;
  EXPECT_NE(header.find("CPU(%)      MEMORY(bytes)"), std::string::npos) << out;
  EXPECT_NE(out.find("3072Mi"), std::string::npos) << out;
  EXPECT_NE(out.find("37%"), std::string::npos) << out;  // 3 GiB of 8 GiB allocatable
  EXPECT_NE(out.find("n2"), std::string::npos) << out;
  EXPECT_NE(out.find("<unknown>"), std::string::npos) << out;
  auto [code2, out2, err2] = Top({"node", "n1", "--show-capacity", "--no-headers"}, mc.get());
  ASSERT_EQ(code2, 0) << err2;
  EXPECT_EQ(out2.find("NAME"), std::string::npos) << out2;
  EXPECT_NE(out2.find("18%"), std::string::npos) << out2;  // 3 GiB of 16 GiB capacity
}

TEST_F(MetricsApiTest, NetctlTopPods) {
  auto mc = Client();
  auto [code, out, err] = Top({"pods"}, mc.get());
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(out.rfind("NAME", 0), 0u) << out;
  EXPECT_NE(out.find("web-1"), std::string::npos);
  EXPECT_NE(out.find("db-0"), std::string::npos);
  EXPECT_EQ(out.find("dns-1"), std::string::npos);        // another namespace
  EXPECT_NE(out.find("80Mi"), std::string::npos) << out;  // web-1: 64 + 16 MiB

  auto [acode, all, aerr] = Top({"pods", "-A", "--sort-by=cpu"}, mc.get());
  ASSERT_EQ(acode, 0) << aerr;
  EXPECT_EQ(all.rfind("NAMESPACE", 0), 0u) << all;
  EXPECT_LT(all.find("db-0"), all.find("web-1")) << all;  // busiest first
  EXPECT_LT(all.find("web-1"), all.find("dns-1")) << all;

  auto [ccode, per, cerr] = Top({"pods", "web-1", "--containers"}, mc.get());
  ASSERT_EQ(ccode, 0) << cerr;
  EXPECT_NE(per.find("POD"), std::string::npos) << per;
  EXPECT_NE(per.find("proxy"), std::string::npos) << per;
  EXPECT_NE(per.find("16Mi"), std::string::npos) << per;

  auto [scode, sum, serr] = Top({"pods", "-l", "app=web", "--sum"}, mc.get());
  ASSERT_EQ(scode, 0) << serr;
  EXPECT_NE(sum.find("________"), std::string::npos) << sum;
}

TEST_F(MetricsApiTest, NetctlTopErrors) {
  auto mc = Client();
  auto [c1, o1, e1] = Top({"pods", "nope"}, mc.get());
  EXPECT_EQ(c1, 1);
  EXPECT_NE(e1.find("Error from server (NotFound): podmetrics.metrics.k8s.io \"nope\" not found"),
            std::string::npos)
      << e1;
  auto [c2, o2, e2] = Top({"services"}, mc.get());
  EXPECT_EQ(c2, 1);
  EXPECT_NE(e2.find("unknown resource \"services\""), std::string::npos) << e2;
  auto [c3, o3, e3] = Top({"pods", "--sort-by=disk"}, mc.get());
  EXPECT_EQ(c3, 1);
  EXPECT_NE(e3.find("--sort-by=disk"), std::string::npos) << e3;
  auto [c4, o4, e4] = Top({}, mc.get());
  EXPECT_EQ(c4, 1);
  // Pods that have no figures yet, and no pods at all.
  AddPod("default", "fresh", "fresh");
  auto [c5, o5, e5] = Top({"pods", "-l", "app=fresh"}, mc.get());
  EXPECT_EQ(c5, 1);
  EXPECT_NE(e5.find("metrics not available yet"), std::string::npos) << e5;
  auto [c6, o6, e6] = Top({"pods", "-n", "kube-public"}, mc.get());
  EXPECT_EQ(c6, 0) << e6;
  EXPECT_NE(e6.find("No resources found in kube-public namespace."), std::string::npos) << e6;
  // A server without the metrics API (skiff-server's port, its collector disabled) says so.
  api::ClientConfig plain = config_;
  auto admin = api::LoadClientConfig(server_->admin_config_path());
  plain.server = admin->server;
  auto no_api = NewRemoteMetricsClient(plain, seconds(10));
  auto [c7, o7, e7] = Top({"nodes"}, no_api.get());
  EXPECT_EQ(c7, 1);
  EXPECT_NE(e7.find("Metrics API not available"), std::string::npos) << e7;
}

}  // namespace
}  // namespace skiff::metrics
