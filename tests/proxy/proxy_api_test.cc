// skiff-proxy fed by a real API server (--config): a Service and its
// EndpointSlice applied with netctl balance over three backend namespaces;
// with the API server stopped new connections still balance; a backend
// removed through the API stops getting new connections.
// The API server runs inside the node namespace (where the proxy can reach
// it on loopback); netctl runs there too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/proxy/topology.h"

namespace skiff::proxytest {
namespace {

std::string Manifest(const std::vector<int>& backends) {
  std::string eps;
  for (int i : backends) {
    eps += "  - addresses: [\"10.211." + std::to_string(i) + ".2\"]\n    nodeName: node-a\n";
  }
  return "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
         "spec:\n  clusterIP: 10.96.50.10\n  ports: [{name: http, port: 80, targetPort: 8080}]\n"
         "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
         "metadata:\n  name: web-manual\n  namespace: default\n"
         "  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nendpoints:\n" +
         eps + "ports: [{name: http, port: 8080, protocol: TCP}]\n";
}

class ProxyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, BPF)";
    topo_ = std::make_unique<Topology>(3, "api");
    ASSERT_TRUE(topo_->ok()) << topo_->error();
    ASSERT_TRUE(topo_->StartBackends());
    ASSERT_TRUE(StartServer());
  }

  bool StartServer() {
    server_ =
        topo_->Spawn(topo_->node_ns(),
                     {topo_->bin("skiff-server"), "--data-dir", topo_->dir() + "/server",
                      "--listen", "127.0.0.1:16443", "--metrics-listen", "", "--log-level", "warn"},
                     topo_->dir() + "/server.log");
    for (int i = 0; i < 200; ++i) {
      if (Netctl("version") == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  int Netctl(const std::string& args) {
    return Sh("ip netns exec " + topo_->node_ns() + " " + topo_->bin("netctl") + " --config " +
              topo_->dir() + "/server/admin.conf " + args + " >>" + topo_->dir() +
              "/netctl.log 2>&1");
  }

  int Apply(const std::vector<int>& backends) {
    std::string file = topo_->dir() + "/web.yaml";
    std::ofstream(file) << Manifest(backends);
    return Netctl("apply -f " + file);
  }

  // Waits until new connections reach exactly `n` distinct backends.
  bool Reaches(int n) {
    for (int i = 0; i < 100; ++i) {
      Counts c = topo_->Count("10.96.50.10", 80, 60);
      if (c.errors == 0 && static_cast<int>(c.by_backend.size()) == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string Logs() {
    std::string out, part;
    for (const char* f : {"/proxy.log", "/server.log", "/netctl.log"}) {
      Sh("tail -15 " + topo_->dir() + f, &part);
      out += std::string("\n--- ") + f + "\n" + part;
    }
    Sh(topo_->bin("netctl") + " lb --bpf-root " + topo_->pin_root() + " backends default/web",
       &part);
    out += "\n--- backends\n" + part;
    return out;
  }

  std::unique_ptr<Topology> topo_;
  pid_t server_ = -1;
};

TEST_F(ProxyApiTest, BalancesFromTheApiAndSurvivesItsOutage) {
  ASSERT_EQ(Apply({0, 1, 2}), 0);
  pid_t proxy = topo_->StartProxyWith({"--config", topo_->dir() + "/server/admin.conf"});
  ASSERT_GT(proxy, 0) << Logs();
  ASSERT_TRUE(Reaches(3)) << Logs();
  Counts spread = topo_->Count("10.96.50.10", 80, 600);
  EXPECT_EQ(spread.errors, 0);
  for (const auto& [backend, n] : spread.by_backend) {
    EXPECT_GT(n, 600 / 3 - 60) << backend;
    EXPECT_LT(n, 600 / 3 + 60) << backend;
  }

  // A change through the API reaches the data plane.
  ASSERT_EQ(Apply({0, 2}), 0);
  ASSERT_TRUE(Reaches(2)) << Logs();
  ASSERT_EQ(Apply({0, 1, 2}), 0);
  ASSERT_TRUE(Reaches(3)) << Logs();

  // Control plane down: the data plane keeps balancing new connections.
  topo_->Kill(server_);
  server_ = -1;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Counts down = topo_->Count("10.96.50.10", 80, 300);
  EXPECT_EQ(down.errors, 0);
  EXPECT_EQ(down.by_backend.size(), 3u);

  // Back up: a backend removed through the API gets no new connections.
  ASSERT_TRUE(StartServer());
  ASSERT_EQ(Apply({0, 1}), 0);
  EXPECT_TRUE(Reaches(2)) << Logs();
}

}  // namespace
}  // namespace skiff::proxytest
