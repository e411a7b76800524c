// skiff-dns end to end: the binary with --static-records, queried by c-ares
// over UDP and TCP, forwarding to a fake upstream on loopback.
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "common/net.h"
#include "dns/test_util.h"
#include "dns/wire.h"
#include "tests/dns/harness.h"

namespace skiff::dns::e2e {
namespace {

std::string Records() {
  std::string y = R"(services:
- {namespace: default, name: web, clusterIPs: [10.96.0.10, "fd00::10"],
   ports: [{name: http, protocol: TCP, port: 80}, {port: 8080}]}
- {namespace: default, name: db, clusterIP: None, ports: [{name: pg, port: 5432}]}
- {namespace: default, name: ext, type: ExternalName, externalName: www.upstream.test}
- {namespace: default, name: alias, type: ExternalName, externalName: web.default.svc.cluster.local}
- {namespace: other, name: lonely, clusterIP: None}
- {namespace: big, name: many, clusterIP: None, ports: [{name: http, port: 80}]}
endpointSlices:
- namespace: default
  name: db-1
  service: db
  endpoints:
  - {addresses: [10.244.0.1], hostname: db-0}
  - {addresses: [10.244.0.2], hostname: db-1}
  - {addresses: [10.244.0.3]}
  - {addresses: [10.244.0.4], hostname: db-3, conditions: {ready: false}}
  ports: [{name: pg, port: 5432}]
- namespace: big
  name: many-1
  service: many
  ports: [{name: http, port: 80}]
  endpoints:
)";
  for (int i = 0; i < 1000; ++i) {
    y += "  - {addresses: [10.245." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
         "]}\n";
  }
  return y;
}

class ResolveTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new FakeUpstream();
    proc_ = new DnsProcess(
        Records(), {"--workers", "2", "--reverse-cidr", "10.96.0.0/12", "--reverse-cidr",
                    "10.244.0.0/16", "--upstream", "127.0.0.1:" + std::to_string(upstream_->port()),
                    "--upstream-timeout-ms", "1000"});
  }
  static void TearDownTestSuite() {
    delete proc_;
    delete upstream_;
  }
  void SetUp() override {
    ASSERT_TRUE(proc_->ok()) << proc_->Log();
    client_ = std::make_unique<CaresClient>(proc_->port(), /*tcp=*/GetParam());
  }
  CaresClient::Reply Q(const std::string& name, int type, int edns = 0) {
    auto r = client_->Query(name, type, edns);
    EXPECT_EQ(r.status, ARES_SUCCESS) << name;
    return r;
  }

  static FakeUpstream* upstream_;
  static DnsProcess* proc_;
  std::unique_ptr<CaresClient> client_;
};
FakeUpstream* ResolveTest::upstream_ = nullptr;
DnsProcess* ResolveTest::proc_ = nullptr;

struct Case {
  const char* name;
  int type;
  int rcode;
  std::vector<std::string> want;  // decoded by c-ares, sorted
  int nscount;                    // SOA in authority for negative answers
};

TEST_P(ResolveTest, RecordForms) {
  const std::vector<Case> cases = {
      {"web.default.svc.cluster.local", ns_t_a, 0, {"10.96.0.10"}, 0},
      {"WEB.dEfAuLt.Svc.Cluster.LOCAL", ns_t_a, 0, {"10.96.0.10"}, 0},
      {"web.default.svc.cluster.local", ns_t_aaaa, 0, {"fd00::10"}, 0},
      {"_http._tcp.web.default.svc.cluster.local",
       ns_t_srv,
       0,
       {"0 100 80 web.default.svc.cluster.local"},
       0},
      {"db.default.svc.cluster.local", ns_t_a, 0, {"10.244.0.1", "10.244.0.2", "10.244.0.3"}, 0},
      {"db-1.db.default.svc.cluster.local", ns_t_a, 0, {"10.244.0.2"}, 0},
      {"10-244-0-3.db.default.svc.cluster.local", ns_t_a, 0, {"10.244.0.3"}, 0},
      {"_pg._tcp.db.default.svc.cluster.local",
       ns_t_srv,
       0,
       {"0 100 5432 10-244-0-3.db.default.svc.cluster.local",
        "0 100 5432 db-0.db.default.svc.cluster.local",
        "0 100 5432 db-1.db.default.svc.cluster.local"},
       0},
      {"10.0.96.10.in-addr.arpa", ns_t_ptr, 0, {"web.default.svc.cluster.local"}, 0},
      {"1.0.244.10.in-addr.arpa", ns_t_ptr, 0, {"db-0.db.default.svc.cluster.local"}, 0},
      {"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
       ns_t_ptr,
       0,
       {"web.default.svc.cluster.local"},
       0},
      {"dns-version.cluster.local", ns_t_txt, 0, {"1.1.0"}, 0},
      {"alias.default.svc.cluster.local", ns_t_a, 0, {"10.96.0.10"}, 0},
      {"ext.default.svc.cluster.local", ns_t_a, 0, {"192.0.2.3"}, 0},
      {"10-1-2-3.default.pod.cluster.local", ns_t_a, 0, {"10.1.2.3"}, 0},
      // Negative answers: NXDOMAIN vs NODATA, both with the zone's SOA.
      {"nope.default.svc.cluster.local", ns_t_a, 3, {}, 1},
      {"db-3.db.default.svc.cluster.local", ns_t_a, 3, {}, 1},
      {"lonely.other.svc.cluster.local", ns_t_a, 3, {}, 1},
      {"_http._udp.web.default.svc.cluster.local", ns_t_srv, 3, {}, 1},
      {"web.default.svc.cluster.local", ns_t_txt, 0, {}, 1},
      {"web.default.svc.cluster.local", 99, 0, {}, 1},
      {"default.svc.cluster.local", ns_t_a, 0, {}, 1},
      {"svc.cluster.local", ns_t_a, 0, {}, 1},
      {"99.0.96.10.in-addr.arpa", ns_t_ptr, 3, {}, 1},
      // Search-path style names outside our zones are forwarded.
      {"web.default.svc.cluster.local.example.test", ns_t_a, 3, {}, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " type " + std::to_string(c.type) +
                 (GetParam() ? " tcp" : " udp"));
    auto r = Q(c.name, c.type);
    EXPECT_EQ(r.rcode(), c.rcode);
    EXPECT_FALSE(r.tc());
    EXPECT_EQ(r.nscount(), c.nscount);
    std::vector<std::string> got;
    if (c.type == ns_t_a || c.type == ns_t_aaaa) got = CaresClient::Addresses(r, c.type);
    if (c.type == ns_t_srv) got = CaresClient::Srv(r);
    if (c.type == ns_t_txt) got = CaresClient::Txt(r);
    if (c.type == ns_t_ptr && c.rcode == 0) {
      std::string n = c.name;
      got = CaresClient::Ptr(r, n.find("ip6") != std::string::npos ? "fd00::10"
                                : n[0] == '1' && n[2] == '0'       ? "10.96.0.10"
                                                                   : "10.244.0.1");
    }
    EXPECT_EQ(got, c.want);
    if (c.type != ns_t_ptr || c.rcode != 0) {
      EXPECT_EQ(r.ancount() == 0, c.want.empty());
    }
  }
}

TEST_P(ResolveTest, HeadlessWithThousandEndpoints) {
  auto r = Q("many.big.svc.cluster.local", ns_t_a);
  if (GetParam()) {
    EXPECT_FALSE(r.tc());
    EXPECT_EQ(CaresClient::Addresses(r, ns_t_a).size(), 1000u);
  } else {
    // c-ares saw TC=1 and retried over TCP by itself: the full answer.
    EXPECT_EQ(CaresClient::Addresses(r, ns_t_a).size(), 1000u);
  }
  auto srv = Q("_http._tcp.many.big.svc.cluster.local", ns_t_srv);
  EXPECT_EQ(CaresClient::Srv(srv).size(), 1000u);
  auto one = Q("10-245-3-250.many.big.svc.cluster.local", ns_t_a);
  EXPECT_EQ(CaresClient::Addresses(one, ns_t_a), std::vector<std::string>{"10.245.3.250"});
}

TEST_P(ResolveTest, ForwardsAndCaches) {
  const std::string name = GetParam() ? "tcpcache.upstream.test" : "udpcache.upstream.test";
  auto r1 = Q(name, ns_t_a);
  EXPECT_EQ(r1.rcode(), 0);
  EXPECT_EQ(CaresClient::Addresses(r1, ns_t_a),
            std::vector<std::string>{"192.0.2." + std::to_string(name.find('.'))});
  auto r2 = Q(name, ns_t_a);
  EXPECT_EQ(CaresClient::Addresses(r2, ns_t_a), CaresClient::Addresses(r1, ns_t_a));
  EXPECT_EQ(upstream_->Count(name), 1);  // the second one came from the cache
  // Negative caching (RFC 2308: SOA minimum from the authority section).
  const std::string nx = GetParam() ? "nx-tcp.upstream.test" : "nx-udp.upstream.test";
  auto n1 = Q(nx, ns_t_a);
  EXPECT_EQ(n1.rcode(), 3);
  EXPECT_EQ(n1.nscount(), 1);
  auto n2 = Q(nx, ns_t_a);
  EXPECT_EQ(n2.rcode(), 3);
  EXPECT_EQ(upstream_->Count(nx), 1);
}

TEST_P(ResolveTest, ForwardedLargeAnswerTruncatesOnlyOverUdp) {
  CaresClient keep_tc(proc_->port(), GetParam(), /*ignore_tc=*/true);
  auto r = keep_tc.Query("big.upstream.test", ns_t_a);
  ASSERT_EQ(r.status, ARES_SUCCESS);
  if (GetParam()) {
    EXPECT_FALSE(r.tc());
    EXPECT_EQ(r.ancount(), 100);
  } else {
    EXPECT_TRUE(r.tc());
  }
}

TEST_P(ResolveTest, TruncationWithAndWithoutEdns) {
  const bool tcp = GetParam();
  CaresClient keep_tc(proc_->port(), tcp, /*ignore_tc=*/true);
  // db has 3 A records: fits in 512. many has 1000: never fits UDP.
  auto plain = keep_tc.Query("many.big.svc.cluster.local", ns_t_a);
  auto edns = keep_tc.Query("many.big.svc.cluster.local", ns_t_a, 4096);
  if (tcp) {
    EXPECT_FALSE(plain.tc());
    EXPECT_FALSE(edns.tc());
    EXPECT_EQ(plain.ancount(), 1000);
    EXPECT_EQ(edns.ancount(), 1000);
  } else {
    EXPECT_TRUE(plain.tc());
    EXPECT_LE(plain.msg.size(), 512u);
    EXPECT_GT(plain.ancount(), 0);  // as many whole records as fit
    EXPECT_TRUE(edns.tc());
    EXPECT_GT(edns.msg.size(), 512u);
    EXPECT_LE(edns.msg.size(), 1232u);  // our payload size, not the client's 4096
  }
  auto small = keep_tc.Query("db.default.svc.cluster.local", ns_t_a, 4096);
  EXPECT_FALSE(small.tc());
  auto d = testing::Decode(small.msg);
  EXPECT_TRUE(d.has_opt);
  auto d2 = testing::Decode(keep_tc.Query("db.default.svc.cluster.local", ns_t_a).msg);
  EXPECT_FALSE(d2.has_opt);  // never OPT to a client that sent none
}

TEST_P(ResolveTest, CoalescesIdenticalInFlightQuestions) {
  // Five clients ask the same slow question at once: one upstream query.
  // (Over TCP one connection answers in order, so the later ones are cache
  // hits; across connections they coalesce like UDP.)
  const std::string name = GetParam() ? "slow-tcp.upstream.test" : "slow-udp.upstream.test";
  std::vector<std::unique_ptr<CaresClient>> clients;
  for (int i = 0; i < 5; ++i)
    clients.push_back(std::make_unique<CaresClient>(proc_->port(), GetParam()));
  std::vector<std::thread> threads;
  std::vector<CaresClient::Reply> replies(5);
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] { replies[i] = clients[i]->Query(name, ns_t_a); });
  }
  for (auto& t : threads)
    t.join();
  for (auto& r : replies) {
    EXPECT_EQ(r.status, ARES_SUCCESS);
    EXPECT_EQ(CaresClient::Addresses(r, ns_t_a).size(), 1u);
  }
  EXPECT_EQ(upstream_->Count(name), 1);
}

INSTANTIATE_TEST_SUITE_P(Transports, ResolveTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tcp" : "udp"; });

// Raw packets c-ares would never send.
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc_ = std::make_unique<DnsProcess>(
        "services: []\n", std::vector<std::string>{"--workers", "1", "--upstream", "127.0.0.1:9"});
    ASSERT_TRUE(proc_->ok()) << proc_->Log();
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    timeval tv{0, 300000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(proc_->port());
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  }
  void TearDown() override { close(fd_); }
  // Returns the reply's rcode, or -1 when nothing came back.
  int Send(const std::vector<uint8_t>& m) {
    send(fd_, m.data(), m.size(), 0);
    uint8_t buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 12) return -1;
    return buf[3] & 0xF;
  }
  std::unique_ptr<DnsProcess> proc_;
  int fd_ = -1;
};

TEST_F(BadInputTest, MalformedPacketsGetFormErrOrNothing) {
  auto good = testing::MakeQuery("dns-version.cluster.local", 16);
  EXPECT_EQ(Send(good), 0);
  EXPECT_EQ(Send({1, 2, 3}), -1);  // runt: dropped
  auto trunc = good;
  trunc.resize(good.size() - 3);
  EXPECT_EQ(Send(trunc), rcode::kFormErr);
  auto two = good;
  two[5] = 2;
  EXPECT_EQ(Send(two), rcode::kFormErr);
  auto loop = good;  // question name is a pointer to itself
  loop.resize(12);
  loop.insert(loop.end(), {0xC0, 0x0C, 0, 1, 0, 1});
  EXPECT_EQ(Send(loop), rcode::kFormErr);
  auto ans_loop = good;  // an answer record whose owner loops
  ans_loop[7] = 1;
  ans_loop.insert(ans_loop.end(),
                  {0xC0, static_cast<uint8_t>(good.size()), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(Send(ans_loop), 0);  // owner names of other sections are skipped, not followed
  auto notify = good;
  notify[2] = 4 << 3;
  EXPECT_EQ(Send(notify), rcode::kNotImp);
  auto response = good;
  response[2] |= 0x80;
  EXPECT_EQ(Send(response), -1);  // never answer a response
  auto chaos = testing::MakeQuery("version.bind", 16, {.qclass = 3});
  EXPECT_EQ(Send(chaos), rcode::kRefused);
  auto axfr = testing::MakeQuery("cluster.local", 252);
  EXPECT_EQ(Send(axfr), rcode::kNotImp);
  auto big = good;  // larger than any query we accept
  big.resize(5000, 0x41);
  EXPECT_EQ(Send(big), rcode::kFormErr);
  srand(42);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> junk(static_cast<size_t>(rand() % 80));
    for (auto& b : junk)
      b = static_cast<uint8_t>(rand());
    if (junk.size() > 2) junk[2] &= 0x7F;  // look like queries
    send(fd_, junk.data(), junk.size(), 0);
  }
  // Drain whatever came back, then the server still answers.
  uint8_t buf[4096];
  while (recv(fd_, buf, sizeof buf, 0) > 0) {
  }
  EXPECT_EQ(Send(good), 0);
  CaresClient tcp(proc_->port(), true);
  EXPECT_EQ(tcp.Query("dns-version.cluster.local", ns_t_txt).rcode(), 0);
}

TEST(HealthTest, EndpointsAndMetrics) {
  DnsProcess proc("services: [{namespace: a, name: s, clusterIP: 10.0.0.1}]\n",
                  {"--upstream", "127.0.0.1:9"});
  ASSERT_TRUE(proc.ok()) << proc.Log();
  EXPECT_EQ(HttpGet(proc.http_port(), "/health").substr(0, 3), "200");
  EXPECT_EQ(HttpGet(proc.http_port(), "/ready").substr(0, 3), "200");
  CaresClient c(proc.port(), false);
  EXPECT_EQ(c.Query("s.a.svc.cluster.local", ns_t_a).rcode(), 0);
  EXPECT_EQ(c.Query("x.a.svc.cluster.local", ns_t_a).rcode(), 3);
  std::string m = HttpGet(proc.http_port(), "/metrics");
  EXPECT_NE(m.find("skiff_dns_requests_total{proto=\"udp\",type=\"A\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("skiff_dns_responses_total{rcode=\"NXDOMAIN\"} 1"), std::string::npos);
  EXPECT_NE(m.find("skiff_dns_request_duration_seconds_count"), std::string::npos);
  EXPECT_NE(m.find("skiff_dns_cache_hits_total"), std::string::npos);
  EXPECT_NE(m.find("skiff_dns_upstream_failures_total{reason=\"timeout\"}"), std::string::npos);
  EXPECT_NE(m.find("skiff_dns_zone_records"), std::string::npos);
}

TEST(ReloadTest, SighupSwapsRecords) {
  DnsProcess proc("services: [{namespace: a, name: s, clusterIP: 10.0.0.1}]\n",
                  {"--upstream", "127.0.0.1:9"});
  ASSERT_TRUE(proc.ok()) << proc.Log();
  CaresClient c(proc.port(), false);
  EXPECT_EQ(CaresClient::Addresses(c.Query("s.a.svc.cluster.local", ns_t_a), ns_t_a),
            std::vector<std::string>{"10.0.0.1"});
  proc.Reload("services: [{namespace: a, name: s, clusterIP: 10.0.0.2}]\n");
  std::vector<std::string> got;
  for (int i = 0; i < 100 && got != std::vector<std::string>{"10.0.0.2"}; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    got = CaresClient::Addresses(c.Query("s.a.svc.cluster.local", ns_t_a), ns_t_a);
  }
  EXPECT_EQ(got, std::vector<std::string>{"10.0.0.2"});
  // A broken file keeps the old records.
  proc.Reload("services: [{namespace: a, name: s, clusterIP: banana}]\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(CaresClient::Addresses(c.Query("s.a.svc.cluster.local", ns_t_a), ns_t_a),
            std::vector<std::string>{"10.0.0.2"});
  EXPECT_NE(proc.Log().find("clusterIPs[0]"), std::string::npos) << proc.Log();
}

TEST(LoopTest, TwoServersForwardingToEachOtherDetectTheLoop) {
  const uint16_t pa = net::FreeLoopbackPort(), pb = net::FreeLoopbackPort();
  ASSERT_NE(pa, pb);
  auto flags = [](uint16_t self, uint16_t peer) {
    return std::vector<std::string>{"--listen",
                                    "127.0.0.1:" + std::to_string(self),
                                    "--upstream",
                                    "127.0.0.1:" + std::to_string(peer),
                                    "--upstream-timeout-ms",
                                    "300",
                                    "--upstream-tries",
                                    "1"};
  };
  DnsProcess a("services: []\n", flags(pa, pb));
  DnsProcess b("services: []\n", flags(pb, pa));
  ASSERT_TRUE(a.ok()) << a.Log();
  ASSERT_TRUE(b.ok()) << b.Log();
  // Each probes its upstream until answered. The first to see its probe
  // come back stops forwarding, which also breaks the loop for the other.
  auto detected = [](const DnsProcess& p) {
    return HttpGet(p.http_port(), "/metrics").find("\nskiff_dns_forward_loop_detected 1\n") !=
           std::string::npos;
  };
  const DnsProcess* d = nullptr;
  for (int i = 0; i < 100 && d == nullptr; ++i) {
    if (detected(a))
      d = &a;
    else if (detected(b))
      d = &b;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(d, nullptr) << a.Log() << b.Log();
  EXPECT_NE(d->Log().find("forwarding loop detected"), std::string::npos) << d->Log();
  // Forwarded questions now fail fast instead of bouncing between the two.
  CaresClient c(d->port(), false);
  auto r = c.Query("www.example.org", ns_t_a);
  EXPECT_EQ(r.rcode(), 2);
  std::string m = HttpGet(d->http_port(), "/metrics");
  // At least one (a slow machine may make c-ares ask again).
  const std::string key = "skiff_dns_upstream_failures_total{reason=\"loop\"} ";
  size_t at = m.find(key);
  ASSERT_NE(at, std::string::npos) << m;
  EXPECT_GE(std::stoi(m.substr(at + key.size())), 1) << m;
  // Cluster names are still served.
  EXPECT_EQ(c.Query("dns-version.cluster.local", ns_t_txt).rcode(), 0);
}

TEST(LoopTest, UpstreamThatIsThisServerIsSkipped) {
  const uint16_t port = net::FreeLoopbackPort();
  DnsProcess p("services: []\n", {"--listen", "127.0.0.1:" + std::to_string(port), "--upstream",
                                  "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(p.ok()) << p.Log();
  EXPECT_NE(p.Log().find("it is this server"), std::string::npos) << p.Log();
  CaresClient c(p.port(), false);
  EXPECT_EQ(c.Query("www.example.org", ns_t_a).rcode(), 5);  // no upstream left: REFUSED
}

TEST(CliTest, HelpAndBadFlags) {
  std::string bin = DnsProcess::Binary();
  FILE* p = popen((bin + " --help").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p))
    out += buf;
  EXPECT_EQ(pclose(p), 0);
  for (const char* flag : {"--config", "--listen", "--static-records", "--zone", "--upstream",
                           "--ttl", "--cache-size", "--workers", "--reverse-cidr", "--pods"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
  p = popen((bin + " --static-records /nonexistent --ttl banana 2>&1").c_str(), "r");
  out.clear();
  while (fgets(buf, sizeof buf, p))
    out += buf;
  EXPECT_NE(pclose(p), 0);
  EXPECT_NE(out.find("--ttl"), std::string::npos) << out;
}

}  // namespace
}  // namespace skiff::dns::e2e
