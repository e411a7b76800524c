// Privileged integration tests of skiff-proxy on network namespaces: client,
// node (proxy), three backends. TC path: the client is outside the proxy's
// cgroup; socket path: the client joins the test cgroup the proxy hooks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/proxy/topology.h"

namespace skiff::proxytest {
namespace {

std::string Endpoints(const std::vector<int>& backends, bool ready = true) {
  std::string s;
  for (int i : backends)
    s += "- addresses: [10.211." + std::to_string(i) + ".2]\n  nodeName: node-a\n" +
         (ready ? "" : "  conditions: {ready: false, terminating: true}\n");
  return s;
}

// web: 10.96.0.10 (TCP 80 -> 8080, UDP 53 -> 5353); sticky: 10.96.0.20 with
// ClientIP affinity; empty: 10.96.0.99 without endpoints.
std::string Services(const std::vector<int>& web_backends) {
  std::string ports =
      "  ports: [{name: http, port: 80, targetPort: 8080}, "
      "{name: dns, protocol: UDP, port: 53, targetPort: 5353}]\n";
  std::string slice_ports =
      "ports: [{name: http, port: 8080}, {name: dns, protocol: UDP, port: 5353}]\n";
  return "kind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.10\n" + ports +
         "---\nkind: EndpointSlice\nmetadata: {name: web-1, labels: {kubernetes.io/service-name: "
         "web}}\nendpoints:\n" +
         Endpoints(web_backends) + slice_ports +
         "---\nkind: Service\nmetadata: {name: sticky}\nspec:\n  clusterIP: 10.96.0.20\n"
         "  sessionAffinity: ClientIP\n" +
         ports +
         "---\nkind: EndpointSlice\nmetadata: {name: sticky-1, labels: "
         "{kubernetes.io/service-name: sticky}}\nendpoints:\n" +
         Endpoints({0, 1, 2}) + slice_ports +
         "---\nkind: Service\nmetadata: {name: empty}\nspec:\n  clusterIP: 10.96.0.99\n" + ports;
}

class ProxyNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, BPF)";
    topo_ = std::make_unique<Topology>();
    ASSERT_TRUE(topo_->ok()) << topo_->error();
    ASSERT_TRUE(topo_->StartBackends());
    services_ = topo_->dir() + "/services.yaml";
    WriteServices(Services({0, 1, 2}));
    proxy_ = topo_->StartProxy(services_);
    ASSERT_GT(proxy_, 0) << Log();
  }

  void WriteServices(const std::string& text) {
    std::string tmp = services_ + ".tmp";
    std::ofstream(tmp) << text;
    rename(tmp.c_str(), services_.c_str());
  }

  std::string Log() {
    std::string out;
    Sh("tail -30 " + topo_->proxy_log(), &out);
    return out;
  }

  Counts Count(const std::string& vip, int port, int n, bool socket_lb, bool udp = false) {
    Counts c = topo_->Count(vip, port, n, socket_lb, udp);
    EXPECT_EQ(c.exit_code, 0);
    return c;
  }

  // A long-lived TCP connection through the TC path.
  struct Hold {
    pid_t pid;
    std::string status, stop;
  };
  Hold StartHold(const std::string& vip) {
    Hold h;
    h.status = topo_->dir() + "/hold.status";
    h.stop = topo_->dir() + "/hold.stop";
    h.pid = topo_->Spawn("",
                         {topo_->bin("skiff-lbtest-client"), "--netns", topo_->client_ns(), "hold",
                          vip, "80", "60", h.status, h.stop},
                         topo_->dir() + "/hold.log");
    return h;
  }
  std::map<std::string, std::string> ReadHold(const Hold& h) {
    std::ifstream in(h.status);
    std::map<std::string, std::string> kv;
    std::string item;
    while (in >> item) {
      auto eq = item.find('=');
      if (eq != std::string::npos) kv[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return kv;
  }
  long Rounds(const Hold& h) { return std::atol(ReadHold(h)["rounds"].c_str()); }
  // Waits until the held connection made `more` further round trips.
  bool Progresses(const Hold& h, long more) {
    long start = Rounds(h);
    for (int i = 0; i < 100; ++i) {
      if (ReadHold(h)["error"] != "none" && ReadHold(h)["error"] != "") return false;
      if (Rounds(h) >= start + more) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  bool WaitForBackends(const std::string& svc, int n) {
    for (int i = 0; i < 100; ++i) {
      std::string out;
      Sh(topo_->bin("netctl") + " lb --bpf-root " + topo_->pin_root() + " backends " + svc +
             " | grep -c active",
         &out);
      if (std::atoi(out.c_str()) == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  static void ExpectEven(const Counts& c, int n) {
    EXPECT_EQ(c.errors, 0);
    EXPECT_EQ(c.total(), n);
    ASSERT_EQ(c.by_backend.size(), 3u);
    for (const auto& [b, k] : c.by_backend) {
      EXPECT_GT(k, n / 3 - n / 10) << b;  // within 10% of the total of an even share
      EXPECT_LT(k, n / 3 + n / 10) << b;
    }
  }

  std::unique_ptr<Topology> topo_;
  std::string services_;
  pid_t proxy_ = -1;
};

TEST_F(ProxyNetnsTest, TcPathBalances3000ConnectionsEvenly) {
  ExpectEven(Count("10.96.0.10", 80, 3000, false), 3000);
  // UDP too (each datagram from a fresh socket is a new flow).
  Counts u = Count("10.96.0.10", 53, 300, false, true);
  EXPECT_EQ(u.total(), 300);
  EXPECT_EQ(u.by_backend.size(), 3u);
}

TEST_F(ProxyNetnsTest, SocketLbBalancesAndHidesTheBackend) {
  if (topo_->cgroup().empty()) GTEST_SKIP() << "no cgroup v2 hierarchy";
  ExpectEven(Count("10.96.0.10", 80, 3000, true), 3000);
  std::string out;
  Sh(topo_->bin("skiff-lbtest-client") + " --netns " + topo_->client_ns() + " --cgroup " +
         topo_->cgroup() + " peer 10.96.0.10 80",
     &out);
  EXPECT_EQ(out, "10.96.0.10 80\n");                   // getpeername() shows the VIP
  Counts u = Count("10.96.0.10", 53, 60, true, true);  // recvmsg reverse translation
  EXPECT_EQ(u.total(), 60) << "errors " << u.errors;
}

TEST_F(ProxyNetnsTest, ClientIpAffinityHolds) {
  Counts tc = Count("10.96.0.20", 80, 200, false);
  EXPECT_EQ(tc.total(), 200);
  EXPECT_EQ(tc.by_backend.size(), 1u);
  if (!topo_->cgroup().empty()) {
    Counts sock = Count("10.96.0.20", 80, 200, true);
    EXPECT_EQ(sock.total(), 200);
    EXPECT_EQ(sock.by_backend.size(), 1u);
  }
}

TEST_F(ProxyNetnsTest, ServiceWithoutBackendsRejectsAtOnce) {
  auto t0 = std::chrono::steady_clock::now();
  Counts tc = Count("10.96.0.99", 80, 5, false);
  EXPECT_EQ(tc.refused, 5);  // TCP RST from the TC program
  Counts udp = Count("10.96.0.99", 53, 3, false, true);
  EXPECT_EQ(udp.refused, 3);  // ICMP port unreachable
  if (!topo_->cgroup().empty()) {
    Counts sock = Count("10.96.0.99", 80, 5, true);
    EXPECT_EQ(sock.refused, 5);  // connect() fails with ECONNREFUSED
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(ProxyNetnsTest, RemovingABackendKeepsItsEstablishedConnections) {
  Hold h = StartHold("10.96.0.10");
  ASSERT_TRUE(Progresses(h, 5)) << "hold connection did not start";
  std::string backend = ReadHold(h)["backend"];
  ASSERT_EQ(backend.size(), 2u);
  int removed = backend[1] - '0';
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != removed) rest.push_back(i);
  WriteServices(Services(rest));
  ASSERT_TRUE(WaitForBackends("web:http", 2)) << Log();
  EXPECT_TRUE(Progresses(h, 20)) << "established connection broke";
  Counts c = Count("10.96.0.10", 80, 300, false);
  EXPECT_EQ(c.total(), 300);
  EXPECT_EQ(c.by_backend.count(backend), 0u) << "new flow sent to the removed backend";
  std::ofstream(h.stop) << "x";
}

TEST_F(ProxyNetnsTest, KillMinus9AndRestartKeepAnEstablishedConnection) {
  Hold h = StartHold("10.96.0.10");
  ASSERT_TRUE(Progresses(h, 5));
  topo_->Kill(proxy_);  // SIGKILL
  EXPECT_TRUE(Progresses(h, 20)) << "connection broke with the proxy dead";
  ExpectEven(Count("10.96.0.10", 80, 600, false), 600);  // still balancing
  proxy_ = topo_->StartProxy(services_);
  ASSERT_GT(proxy_, 0) << Log();
  EXPECT_TRUE(Progresses(h, 20)) << "connection broke across the restart";
  ExpectEven(Count("10.96.0.10", 80, 600, false), 600);
  EXPECT_EQ(ReadHold(h)["error"], "none");
  std::ofstream(h.stop) << "x";
}

TEST_F(ProxyNetnsTest, ControlPlaneDownStillBalancesNewConnections) {
  WriteServices("kind: [this is not yaml");  // source broken: keep the last state
  ASSERT_TRUE(topo_->WaitForLog(topo_->proxy_log(), "keeping the last state", 5000)) << Log();
  ExpectEven(Count("10.96.0.10", 80, 600, false), 600);
  if (!topo_->cgroup().empty()) ExpectEven(Count("10.96.0.10", 80, 600, true), 600);
  // And with no proxy at all.
  topo_->Kill(proxy_);
  ExpectEven(Count("10.96.0.10", 80, 600, false), 600);
  // Inspection reads the pinned maps directly.
  std::string out;
  EXPECT_EQ(Sh(topo_->bin("netctl") + " lb --bpf-root " + topo_->pin_root() + " services", &out),
            0);
  EXPECT_NE(out.find("default/web"), std::string::npos) << out;
}

TEST_F(ProxyNetnsTest, RestartReconcilesStaleEntries) {
  topo_->Kill(proxy_);
  // While the proxy is down, "sticky" disappears from the source.
  std::string text = Services({0, 1, 2});
  text = text.substr(0, text.find("---\nkind: Service\nmetadata: {name: sticky}"));
  WriteServices(text);
  proxy_ = topo_->StartProxy(services_);
  ASSERT_GT(proxy_, 0) << Log();
  std::string out;
  Sh(topo_->bin("netctl") + " lb --bpf-root " + topo_->pin_root() + " services", &out);
  EXPECT_EQ(out.find("default/sticky"), std::string::npos) << out;
  EXPECT_NE(out.find("default/web"), std::string::npos) << out;
  Counts c = Count("10.96.0.20", 80, 1, false);
  EXPECT_EQ(c.total(), 0);  // no longer a service
}

TEST_F(ProxyNetnsTest, InterfacesAppearingLaterGetThePrograms) {
  std::string n = topo_->node_ns();
  std::string dev = "sp" + std::to_string(getpid()) + "late";
  ASSERT_EQ(
      Sh("ip -n " + n + " link add " + dev + " type veth peer name " + dev + "p && ip -n " + n +
         " addr add 10.212.0.1/24 dev " + dev + " && ip -n " + n + " link set " + dev + " up"),
      0);
  bool attached = false;
  for (int i = 0; i < 100 && !attached; ++i) {
    std::string out;
    Sh("tc -n " + n + " filter show dev " + dev + " ingress", &out);
    attached = out.find("skiff_tc_ingres") != std::string::npos;
    if (!attached) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(attached) << Log();
}

TEST_F(ProxyNetnsTest, InvalidServiceIsRejectedAndTheRestKeepsWorking) {
  std::string text = Services({0, 1, 2}) +
                     "---\nkind: Service\nmetadata: {name: bad}\nspec: {clusterIP: 10.96.0.300, "
                     "ports: [{port: 80}]}\n"
                     "---\nkind: Service\nmetadata: {name: dup}\nspec: {clusterIP: 10.96.0.10, "
                     "ports: [{name: http, port: 80}]}\n"
                     "---\nkind: EndpointSlice\nmetadata: {name: ghost-1, labels: "
                     "{kubernetes.io/service-name: ghost}}\nendpoints: [{addresses: [10.9.9.9]}]\n";
  WriteServices(text);
  ASSERT_TRUE(topo_->WaitForLog(topo_->proxy_log(), "spec.clusterIPs[0]", 5000)) << Log();
  EXPECT_TRUE(topo_->WaitForLog(topo_->proxy_log(), "already used by service default/web", 5000));
  EXPECT_TRUE(topo_->WaitForLog(topo_->proxy_log(), "missing Service", 5000));
  std::string metrics;
  Sh("nsenter --net=/run/netns/" + topo_->node_ns() + " curl -s 127.0.0.1:10249/metrics", &metrics);
  EXPECT_NE(metrics.find("skiff_proxy_errors_total{reason=\"invalid_service\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("skiff_proxy_errors_total{reason=\"duplicate_frontend\"}"),
            std::string::npos);
  ExpectEven(Count("10.96.0.10", 80, 600, false), 600);  // web untouched
}

}  // namespace
}  // namespace skiff::proxytest
