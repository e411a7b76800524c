// BPF_PROG_TEST_RUN tests of the per-packet programs: input frame ->
// expected verdict and output frame, with every checksum verified. Expected
// backends come from dataplane/core's Maglev + flow hash, so these tests are
// also the proof that the BPF program and core pick the same backend.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <set>

#include "dataplane/ebpf/testing/fixture.h"
#include "dataplane/ebpf/testing/packet.h"

namespace skiff::dataplane::testing {
namespace {

constexpr int kTcOk = 0, kTcShot = 2, kTcRedirect = 7;
constexpr int kXdpDrop = 1, kXdpPass = 2;

IpAddr Ip(const char* s) {
  return IpAddr::Parse(s).value();
}

Service MakeService(const std::string& name, std::vector<std::string> vips, int node_port = 0) {
  Service s;
  s.ns = "default";
  s.name = name;
  s.type = node_port ? ServiceType::kNodePort : ServiceType::kClusterIP;
  s.cluster_ips = std::move(vips);
  s.ports = {{"http", Protocol::kTCP, 80, node_port, {8080, ""}},
             {"dns", Protocol::kUDP, 53, 0, {5353, ""}}};
  return s;
}

EndpointSlice MakeSlice(const std::string& svc, const std::string& name,
                        std::vector<std::string> ips, AddressType type,
                        const std::string& node = "") {
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = name;
  sl.service_name = svc;
  sl.address_type = type;
  for (auto& ip : ips) {
    Endpoint e;
    e.addresses = {ip};
    e.node_name = node;
    sl.endpoints.push_back(e);
  }
  sl.ports = {{"http", Protocol::kTCP, 8080}, {"dns", Protocol::kUDP, 5353}};
  return sl;
}

FlowTuple Tuple(const PacketSpec& p) {
  return FlowTuple{p.src, p.dst, htons(p.sport), htons(p.dport), p.proto};
}

class LbProgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
    auto f = LbFixture::Create();
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    f_ = std::move(f).value();
    ASSERT_TRUE(f_->Upsert(MakeService("web", {"10.96.0.10", "fd00::10"}, 30080)).ok());
    ASSERT_TRUE(f_->Upsert(MakeSlice("web", "web-v4", {"10.1.0.1", "10.1.0.2", "10.1.0.3"},
                                     AddressType::kIPv4))
                    .ok());
    ASSERT_TRUE(
        f_->Upsert(MakeSlice("web", "web-v6", {"fd01::1", "fd01::2"}, AddressType::kIPv6)).ok());
    ASSERT_TRUE(f_->Upsert(MakeService("empty", {"10.96.0.99", "fd00::99"})).ok());
    Service sticky = MakeService("sticky", {"10.96.0.20"});
    sticky.session_affinity = SessionAffinity::kClientIP;
    sticky.affinity_timeout_s = 600;
    ASSERT_TRUE(f_->Upsert(sticky).ok());
    ASSERT_TRUE(f_->Upsert(MakeSlice("sticky", "sticky-v4", {"10.2.0.1", "10.2.0.2", "10.2.0.3"},
                                     AddressType::kIPv4))
                    .ok());
    ASSERT_TRUE(f_->Upsert(MakeService("remote", {"10.96.0.30"}, 30090)).ok());
    ASSERT_TRUE(
        f_->Upsert(MakeSlice("remote", "remote-v4", {"10.3.0.1"}, AddressType::kIPv4, "node-b"))
            .ok());
    ASSERT_TRUE(f_->AddNodeIp("192.168.1.1").ok());
    ASSERT_TRUE(f_->SetSnat("192.168.1.1", "fd00:ffff::1").ok());
  }

  Parsed Run(const PacketSpec& in, int want_verdict, bool xdp = false) {
    auto r = xdp ? f_->RunXdp(BuildPacket(in)) : f_->RunTc(BuildPacket(in));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(r->retval, want_verdict);
    auto p = ParsePacket(r->out);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return {};
    EXPECT_TRUE(p->ip_checksum_ok);
    EXPECT_TRUE(p->l4_checksum_ok);
    return *p;
  }

  std::unique_ptr<LbFixture> f_;
};

PacketSpec Tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport,
               uint8_t flags = kSyn) {
  PacketSpec p;
  p.src = Ip(src);
  p.dst = Ip(dst);
  p.sport = sport;
  p.dport = dport;
  p.proto = Protocol::kTCP;
  p.tcp_flags = flags;
  p.payload = flags & kSyn ? "" : "hello";
  return p;
}

PacketSpec Udp(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  PacketSpec p = Tcp(src, sport, dst, dport);
  p.proto = Protocol::kUDP;
  p.payload = "query";
  return p;
}

// New flows to a frontend: DNAT to the backend core predicts, checksums
// fixed, nothing else touched.
struct DnatCase {
  const char* name;
  PacketSpec in;
  FrontendKey frontend;
  bool xdp = false;
};

TEST_F(LbProgTest, NewFlowsAreTranslatedToTheMaglevBackend) {
  const DnatCase cases[] = {
      {"tcp4 syn",
       Tcp("172.16.0.5", 40001, "10.96.0.10", 80),
       {Ip("10.96.0.10"), 80, Protocol::kTCP}},
      {"udp4", Udp("172.16.0.5", 40002, "10.96.0.10", 53), {Ip("10.96.0.10"), 53, Protocol::kUDP}},
      {"tcp6 syn", Tcp("fd02::5", 40003, "fd00::10", 80), {Ip("fd00::10"), 80, Protocol::kTCP}},
      {"udp6", Udp("fd02::5", 40004, "fd00::10", 53), {Ip("fd00::10"), 53, Protocol::kUDP}},
      {"nodeport4",
       Tcp("172.16.0.5", 40005, "192.168.1.1", 30080),
       {IpAddr::Any(Family::kV4), 30080, Protocol::kTCP}},
      {"tcp4 mid-flow without conntrack",
       Tcp("172.16.0.5", 40006, "10.96.0.10", 80, kAck),
       {Ip("10.96.0.10"), 80, Protocol::kTCP}},
      {"xdp tcp4",
       Tcp("172.16.0.6", 40007, "10.96.0.10", 80),
       {Ip("10.96.0.10"), 80, Protocol::kTCP},
       true},
      {"xdp udp6",
       Udp("fd02::6", 40008, "fd00::10", 53),
       {Ip("fd00::10"), 53, Protocol::kUDP},
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto want = f_->ExpectedBackend(c.frontend, Tuple(c.in));
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    Parsed out = Run(c.in, c.xdp ? kXdpPass : kTcOk, c.xdp);
    EXPECT_EQ(out.src, c.in.src);
    EXPECT_EQ(out.sport, c.in.sport);
    EXPECT_EQ(out.dst, want->addr);
    EXPECT_EQ(out.dport, want->port);
    EXPECT_EQ(out.payload, c.in.payload);
  }
}

TEST_F(LbProgTest, PacketsForNoServicePassUnchanged) {
  const PacketSpec cases[] = {
      Tcp("172.16.0.5", 40001, "10.96.0.11", 80),      // unknown VIP
      Tcp("172.16.0.5", 40001, "10.96.0.10", 81),      // known VIP, other port
      Udp("172.16.0.5", 40001, "10.96.0.10", 80),      // other protocol
      Tcp("172.16.0.5", 40001, "192.168.1.2", 30080),  // NodePort on a non-node IP
  };
  for (const auto& in : cases) {
    auto r = f_->RunTc(BuildPacket(in));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->retval, kTcOk);
    EXPECT_EQ(r->out, BuildPacket(in));
  }
}

TEST_F(LbProgTest, ServiceWithoutBackendsRejects) {
  {  // TCP SYN -> RST|ACK back to the client, from the VIP.
    PacketSpec in = Tcp("172.16.0.5", 40010, "10.96.0.99", 80);
    in.seq = 777;
    Parsed out = Run(in, kTcRedirect);
    EXPECT_EQ(out.src, in.dst);
    EXPECT_EQ(out.dst, in.src);
    EXPECT_EQ(out.sport, 80);
    EXPECT_EQ(out.dport, 40010);
    EXPECT_EQ(out.tcp_flags, kRst | kAck);
    EXPECT_EQ(out.ack, 778u);
  }
  {
    PacketSpec in = Tcp("fd02::5", 40011, "fd00::99", 80);
    Parsed out = Run(in, kTcRedirect);
    EXPECT_EQ(out.src, in.dst);
    EXPECT_EQ(out.tcp_flags, kRst | kAck);
  }
  {  // UDP -> ICMP port unreachable quoting the datagram.
    PacketSpec in = Udp("172.16.0.5", 40012, "10.96.0.99", 53);
    Parsed out = Run(in, kTcRedirect);
    EXPECT_EQ(out.l4proto, 1);
    EXPECT_EQ(out.icmp_type, 3);
    EXPECT_EQ(out.icmp_code, 3);
    EXPECT_EQ(out.dst, in.src);
    EXPECT_EQ(out.inner_src, in.src);
    EXPECT_EQ(out.inner_dst, in.dst);
    EXPECT_EQ(out.inner_sport, 40012);
    EXPECT_EQ(out.inner_dport, 53);
  }
  {
    PacketSpec in = Udp("fd02::5", 40013, "fd00::99", 53);
    Parsed out = Run(in, kTcRedirect);
    EXPECT_EQ(out.l4proto, 58);
    EXPECT_EQ(out.icmp_type, 1);
    EXPECT_EQ(out.icmp_code, 4);
    EXPECT_EQ(out.inner_dst, in.dst);
    EXPECT_EQ(out.inner_dport, 53);
  }
  {  // XDP leaves rejection to TC.
    PacketSpec in = Tcp("172.16.0.5", 40014, "10.96.0.99", 80);
    auto r = f_->RunXdp(BuildPacket(in));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->retval, kXdpPass);
    EXPECT_EQ(r->out, BuildPacket(in));
  }
}

// Reply from the backend -> source translated back to the VIP.
TEST_F(LbProgTest, RepliesAreReverseTranslated) {
  const PacketSpec flows[] = {
      Tcp("172.16.0.5", 41000, "10.96.0.10", 80), Udp("172.16.0.5", 41001, "10.96.0.10", 53),
      Tcp("fd02::5", 41002, "fd00::10", 80), Udp("fd02::5", 41003, "fd00::10", 53)};
  for (bool xdp : {false, true}) {
    for (PacketSpec in : flows) {
      in.sport += xdp ? 100 : 0;
      SCOPED_TRACE(in.dst.ToString() + (xdp ? " xdp" : " tc"));
      Parsed fwd = Run(in, xdp ? kXdpPass : kTcOk, xdp);
      PacketSpec reply = in;
      reply.src = fwd.dst;
      reply.sport = fwd.dport;
      reply.dst = in.src;
      reply.dport = in.sport;
      reply.tcp_flags = kSyn | kAck;
      Parsed back = Run(reply, xdp ? kXdpPass : kTcOk, xdp);
      EXPECT_EQ(back.src, in.dst);
      EXPECT_EQ(back.sport, in.dport);
      EXPECT_EQ(back.dst, in.src);
      EXPECT_EQ(back.dport, in.sport);
    }
  }
}

TEST_F(LbProgTest, EgressProgramOnlyReverseTranslates) {
  PacketSpec in = Tcp("172.16.0.14", 41500, "10.96.0.10", 80);
  // Forward packets are never translated at egress (DNAT happens at ingress).
  auto r = f_->RunTcEgress(BuildPacket(in));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->retval, kTcOk);
  EXPECT_EQ(r->out, BuildPacket(in));
  Parsed fwd = Run(in, kTcOk);  // ingress creates the flow
  PacketSpec reply = Tcp(fwd.dst.ToString().c_str(), fwd.dport, "172.16.0.14", 41500, kSyn | kAck);
  r = f_->RunTcEgress(BuildPacket(reply));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->retval, kTcOk);
  auto back = ParsePacket(r->out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->src, in.dst);
  EXPECT_EQ(back->sport, 80);
  EXPECT_TRUE(back->l4_checksum_ok);
  EXPECT_TRUE(back->ip_checksum_ok);
}

TEST_F(LbProgTest, ConntrackKeepsBackendWhenTheSetChanges) {
  // Find a flow whose backend we then remove from the Service.
  PacketSpec in = Tcp("172.16.0.7", 42000, "10.96.0.10", 80);
  Parsed first = Run(in, kTcOk);
  std::vector<std::string> others;
  for (const char* ip : {"10.1.0.1", "10.1.0.2", "10.1.0.3"})
    if (Ip(ip) != first.dst) others.push_back(ip);
  ASSERT_TRUE(f_->Upsert(MakeSlice("web", "web-v4", others, AddressType::kIPv4)).ok());

  PacketSpec next = in;
  next.tcp_flags = kAck;
  next.payload = "data";
  Parsed hit = Run(next, kTcOk);  // conntrack hit: same, removed backend
  EXPECT_EQ(hit.dst, first.dst);

  PacketSpec fresh = Tcp("172.16.0.7", 42001, "10.96.0.10", 80);
  for (int i = 0; i < 20; ++i) {  // conntrack miss: never the removed backend
    fresh.sport = static_cast<uint16_t>(42001 + i);
    EXPECT_NE(Run(fresh, kTcOk).dst, first.dst);
  }
}

TEST_F(LbProgTest, ClosedFlowSynPicksAgain) {
  PacketSpec in = Tcp("172.16.0.8", 42100, "10.96.0.10", 80);
  Parsed first = Run(in, kTcOk);
  PacketSpec fin = in;
  fin.tcp_flags = kFin | kAck;
  EXPECT_EQ(Run(fin, kTcOk).dst, first.dst);
  // Same tuple reused after close: a new SYN is a new flow (same Maglev pick
  // here, since the set did not change).
  EXPECT_EQ(Run(in, kTcOk).dst, first.dst);
}

TEST_F(LbProgTest, StaleReplyEntryDoesNotHijackADirectConnection) {
  PacketSpec in = Tcp("172.16.0.13", 47000, "10.96.0.10", 80);
  Parsed fwd = Run(in, kTcOk);
  PacketSpec fin = in;
  fin.tcp_flags = kFin | kAck;
  Run(fin, kTcOk);
  // Same client port, now connected straight to the backend (socket LB):
  // its SYN-ACK must not be rewritten to come from the VIP.
  PacketSpec synack = Tcp(fwd.dst.ToString().c_str(), fwd.dport, "172.16.0.13", 47000, kSyn | kAck);
  auto r = f_->RunTc(BuildPacket(synack));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->retval, kTcOk);
  EXPECT_EQ(r->out, BuildPacket(synack));
}

TEST_F(LbProgTest, ClientIpAffinityPinsAClient) {
  std::set<IpAddr> seen;
  PacketSpec in = Tcp("172.16.0.9", 43000, "10.96.0.20", 80);
  for (int i = 0; i < 30; ++i) {
    in.sport = static_cast<uint16_t>(43000 + i);
    seen.insert(Run(in, kTcOk).dst);
  }
  EXPECT_EQ(seen.size(), 1u) << "one client, one backend";
  // Without affinity the same ports spread over the backends.
  std::set<IpAddr> spread;
  PacketSpec web = Tcp("172.16.0.9", 43000, "10.96.0.10", 80);
  for (int i = 0; i < 30; ++i) {
    web.sport = static_cast<uint16_t>(43000 + i);
    spread.insert(Run(web, kTcOk).dst);
  }
  EXPECT_EQ(spread.size(), 3u);
}

TEST_F(LbProgTest, RemoteBackendOfNodePortIsSnatted) {
  PacketSpec in = Tcp("172.16.0.10", 44000, "192.168.1.1", 30090);
  Parsed fwd = Run(in, kTcOk);
  EXPECT_EQ(fwd.dst, Ip("10.3.0.1"));
  EXPECT_EQ(fwd.dport, 8080);
  EXPECT_EQ(fwd.src, Ip("192.168.1.1"));  // SNAT to the node
  EXPECT_GE(fwd.sport, 61000);
  EXPECT_LE(fwd.sport, 65000);

  PacketSpec reply = Tcp("10.3.0.1", 8080, "192.168.1.1", fwd.sport, kSyn | kAck);
  Parsed back = Run(reply, kTcOk);
  EXPECT_EQ(back.src, Ip("192.168.1.1"));
  EXPECT_EQ(back.sport, 30090);
  EXPECT_EQ(back.dst, in.src);
  EXPECT_EQ(back.dport, in.sport);
}

TEST_F(LbProgTest, TerminatingBackendKeepsFlowsButGetsNoNewOnes) {
  PacketSpec in = Tcp("172.16.0.11", 45000, "10.96.0.10", 80);
  Parsed first = Run(in, kTcOk);
  EndpointSlice sl =
      MakeSlice("web", "web-v4", {"10.1.0.1", "10.1.0.2", "10.1.0.3"}, AddressType::kIPv4);
  for (auto& e : sl.endpoints)
    if (Ip(e.addresses[0].c_str()) == first.dst) {
      e.ready = false;
      e.terminating = true;
    }
  ASSERT_TRUE(f_->Upsert(sl).ok());
  PacketSpec next = in;
  next.tcp_flags = kAck;
  next.payload = "more";
  EXPECT_EQ(Run(next, kTcOk).dst, first.dst);
  for (int i = 1; i <= 20; ++i) {
    PacketSpec n = Tcp("172.16.0.11", static_cast<uint16_t>(45000 + i), "10.96.0.10", 80);
    EXPECT_NE(Run(n, kTcOk).dst, first.dst);
  }
}

TEST_F(LbProgTest, UdpWithoutChecksumStaysWithout) {
  PacketSpec in = Udp("172.16.0.12", 46000, "10.96.0.10", 53);
  in.udp_zero_checksum = true;
  Parsed out = Run(in, kTcOk);
  EXPECT_EQ(out.dport, 5353);
}

TEST_F(LbProgTest, BpfAndCoreAgreeOnManyFlows) {
  // 300 flows over both families: the program's pick equals core's.
  FrontendKey fe4{Ip("10.96.0.10"), 80, Protocol::kTCP};
  FrontendKey fe6{Ip("fd00::10"), 80, Protocol::kTCP};
  std::map<IpAddr, int> counts;
  for (int i = 0; i < 300; ++i) {
    bool v6 = i % 3 == 0;
    PacketSpec in = v6 ? Tcp("fd02::77", static_cast<uint16_t>(20000 + i), "fd00::10", 80)
                       : Tcp("172.16.1.77", static_cast<uint16_t>(20000 + i), "10.96.0.10", 80);
    auto want = f_->ExpectedBackend(v6 ? fe6 : fe4, Tuple(in));
    ASSERT_TRUE(want.ok());
    Parsed out = Run(in, kTcOk);
    ASSERT_EQ(out.dst, want->addr) << "flow " << i;
    counts[out.dst]++;
  }
  EXPECT_EQ(counts.size(), 5u);  // 3 v4 + 2 v6 backends all used
}

}  // namespace
}  // namespace skiff::dataplane::testing
