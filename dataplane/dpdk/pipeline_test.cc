// The packet pipeline on synthetic mbufs (no port): parse, lookup, NAT /
// IPIP encapsulation, checksums, for IPv4/IPv6, TCP/UDP, flow hits and
// misses, ARP/NDP/ICMP answers, and bad input. Expected backends come from
// dataplane/core's Maglev and flow hash (Harness::ExpectedBackend), the
// same reference the eBPF engine's tests check against.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <cstring>
#include <map>
#include <random>
#include <set>

#include "dataplane/dpdk/checksum.h"
#include "dataplane/dpdk/testing/harness.h"
#include "dataplane/ebpf/testing/packet.h"

namespace skiff::dataplane::dpdk {
namespace {

using dataplane::testing::BuildPacket;
using dataplane::testing::kAck;
using dataplane::testing::kFin;
using dataplane::testing::kRst;
using dataplane::testing::kSyn;
using dataplane::testing::PacketSpec;
using dataplane::testing::Parsed;
using dataplane::testing::ParsePacket;
using testing::Harness;
using testing::HarnessPort;
using testing::Outcome;
using Where = Outcome::Where;

using Frame = std::vector<uint8_t>;

const uint8_t kPortMac[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0, 0x02};

IpAddr Ip(const char* s) {
  return IpAddr::Parse(s).value();
}

uint8_t BackendMacByte(const IpAddr& a) {
  return a.is_v4() ? a.bytes[3] : a.bytes[15];
}

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

FlowTuple Tuple(const PacketSpec& p) {
  return FlowTuple{p.src, p.dst, htons(p.sport), htons(p.dport), p.proto};
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
                        std::vector<std::string> ips, AddressType type) {
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = name;
  sl.service_name = svc;
  sl.address_type = type;
  for (auto& ip : ips) {
    Endpoint e;
    e.addresses = {ip};
    sl.endpoints.push_back(e);
  }
  sl.ports = {{"http", Protocol::kTCP, 8080}, {"dns", Protocol::kUDP, 5353}};
  return sl;
}

// Strips the outer IP header of an IPIP / IP6IP6 frame: Ethernet + inner.
Frame Decap(const Frame& f, uint8_t* outer_proto = nullptr) {
  bool v4 = f[12] == 0x08 && f[13] == 0x00;
  size_t olen = v4 ? 20 : 40;
  if (outer_proto) *outer_proto = v4 ? f[14 + 9] : f[14 + 6];
  Frame inner(f.begin(), f.begin() + 14);
  inner.insert(inner.end(), f.begin() + 14 + olen, f.end());
  return inner;
}

void FixIpv4Checksum(Frame& f) {
  uint8_t* ip = f.data() + 14;
  size_t ihl = (ip[0] & 0xf) * 4;
  ip[10] = ip[11] = 0;
  uint16_t c = csum::Finish(csum::Add(ip, ihl));
  std::memcpy(ip + 10, &c, 2);
}

class PipelineTest : public ::testing::Test {
 protected:
  void Make(ForwardingMode mode, HarnessPort port = {}, uint16_t worker = 0, uint16_t workers = 1,
            uint32_t pass_mask = 0, uint32_t flows = 4096) {
    Harness::Options o;
    o.mode = mode;
    if (port.addrs.empty()) port.addrs = {"10.0.0.1/24", "fd00::1/64"};
    o.ports = {port};
    o.worker = worker;
    o.workers = workers;
    o.pass_mask = pass_mask;
    o.flows = flows;
    auto h = Harness::Create(o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    h_ = std::move(h).value();
    ASSERT_TRUE(h_->Upsert(MakeService("web", {"10.96.0.10", "fd00:96::10"}, 30080)).ok());
    ASSERT_TRUE(h_->Upsert(MakeSlice("web", "web-v4", {"10.0.0.11", "10.0.0.12", "10.0.0.13"},
                                     AddressType::kIPv4))
                    .ok());
    ASSERT_TRUE(
        h_->Upsert(MakeSlice("web", "web-v6", {"fd00::11", "fd00::12"}, AddressType::kIPv6)).ok());
    ASSERT_TRUE(h_->Upsert(MakeService("empty", {"10.96.0.99", "fd00:96::99"})).ok());
    for (const char* b : {"10.0.0.11", "10.0.0.12", "10.0.0.13", "fd00::11", "fd00::12"}) {
      uint8_t mac[6] = {0x0a, 0, 0, 0, 0, BackendMacByte(Ip(b))};
      h_->SetNeighbor(0, b, mac);
    }
  }

  // Runs `in` and checks it left on port 0 with valid checksums.
  Parsed Tx(const PacketSpec& in, Outcome* raw = nullptr) {
    Outcome o = h_->Run(BuildPacket(in));
    EXPECT_EQ(o.where, Where::kTx);
    if (raw) *raw = o;
    auto p = ParsePacket(o.frame);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return {};
    EXPECT_TRUE(p->ip_checksum_ok);
    EXPECT_TRUE(p->l4_checksum_ok);
    return *p;
  }

  uint64_t Drops(Drop d) const { return h_->wc().drops[static_cast<int>(d)]; }
  uint64_t BadSeen(BadClass c) const { return h_->wc().bad[static_cast<int>(c)]; }

  std::unique_ptr<Harness> h_;
};

TEST_F(PipelineTest, NatTcp4NewFlowsPickCoresBackendAndTranslate) {
  Make(ForwardingMode::kNat);
  std::set<std::string> seen;
  for (uint16_t sport = 40000; sport < 40060; ++sport) {
    PacketSpec in = Tcp("192.168.7.5", sport, "10.96.0.10", 80);
    auto want = h_->ExpectedBackend(FrontendKey{in.dst, 80, Protocol::kTCP}, Tuple(in));
    ASSERT_TRUE(want.ok());
    Outcome raw;
    Parsed out = Tx(in, &raw);
    EXPECT_EQ(out.dst, want->addr);
    EXPECT_EQ(out.dport, 8080);
    EXPECT_EQ(out.src, Ip("10.0.0.1"));  // SNAT: the port's address
    EXPECT_GE(out.sport, 33000);
    EXPECT_LE(out.sport, 60999);
    EXPECT_EQ(out.tcp_flags, kSyn);
    EXPECT_EQ(raw.frame[5], BackendMacByte(want->addr));  // neighbor MAC
    EXPECT_EQ(0, std::memcmp(raw.frame.data() + 6, kPortMac, 6));
    seen.insert(out.dst.ToString());
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(h_->wc().new_flows, 60u);
  EXPECT_EQ(h_->flows(kFamily4).size(), 120u);  // forward + reply entries
}

TEST_F(PipelineTest, EstablishedFlowsKeepBackendAndSnatPortAcrossTableSwaps) {
  Make(ForwardingMode::kNat);
  std::map<uint16_t, std::pair<IpAddr, uint16_t>> first;
  for (uint16_t sport = 41000; sport < 41030; ++sport) {
    Parsed p = Tx(Tcp("192.168.7.5", sport, "10.96.0.10", 80));
    first[sport] = {p.dst, p.sport};
  }
  // A fourth backend changes the Maglev table: a new generation is
  // published while flows are open.
  ASSERT_TRUE(
      h_->Upsert(MakeSlice("web", "web-v4", {"10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"},
                           AddressType::kIPv4))
          .ok());
  uint8_t mac[6] = {0x0a, 0, 0, 0, 0, 14};
  h_->SetNeighbor(0, "10.0.0.14", mac);
  uint64_t hits = h_->wc().flow_hits;
  for (auto& [sport, want] : first) {
    Parsed p = Tx(Tcp("192.168.7.5", sport, "10.96.0.10", 80, kAck));
    EXPECT_EQ(p.dst, want.first) << sport;
    EXPECT_EQ(p.sport, want.second) << sport;
    EXPECT_EQ(p.payload, "hello");
  }
  EXPECT_EQ(h_->wc().flow_hits, hits + first.size());
  // New flows follow the new table.
  bool moved_to_new = false;
  for (uint16_t sport = 42000; sport < 42100 && !moved_to_new; ++sport)
    moved_to_new = Tx(Tcp("192.168.7.5", sport, "10.96.0.10", 80)).dst == Ip("10.0.0.14");
  EXPECT_TRUE(moved_to_new);
}

TEST_F(PipelineTest, NatReplyIsReverseTranslatedToTheClient) {
  Make(ForwardingMode::kNat);
  PacketSpec in = Tcp("192.168.7.5", 40001, "10.96.0.10", 80);
  Parsed fwd = Tx(in);
  PacketSpec reply = Tcp(fwd.dst.ToString().c_str(), 8080, "10.0.0.1", fwd.sport, kSyn | kAck);
  Outcome raw;
  Parsed back = Tx(reply, &raw);
  EXPECT_EQ(back.src, Ip("10.96.0.10"));
  EXPECT_EQ(back.sport, 80);
  EXPECT_EQ(back.dst, Ip("192.168.7.5"));
  EXPECT_EQ(back.dport, 40001);
  EXPECT_EQ(back.tcp_flags, kSyn | kAck);
  EXPECT_EQ(0, std::memcmp(raw.frame.data(), kClientMac, 6));  // back the way it came
  // A reply for a port nobody allocated is no service traffic.
  Outcome stray = h_->Run(BuildPacket(Tcp("10.0.0.11", 8080, "10.0.0.1", 60000, kAck)));
  EXPECT_EQ(stray.where, Where::kDropped);
  EXPECT_EQ(BadSeen(BadClass::kNotService), 1u);
}

TEST_F(PipelineTest, NatUdp6BothDirections) {
  Make(ForwardingMode::kNat);
  PacketSpec in = Udp("2001:db8::5", 5000, "fd00:96::10", 53);
  auto want = h_->ExpectedBackend(FrontendKey{in.dst, 53, Protocol::kUDP}, Tuple(in));
  ASSERT_TRUE(want.ok());
  Parsed fwd = Tx(in);
  EXPECT_EQ(fwd.family, Family::kV6);
  EXPECT_EQ(fwd.dst, want->addr);
  EXPECT_EQ(fwd.dport, 5353);
  EXPECT_EQ(fwd.src, Ip("fd00::1"));
  EXPECT_EQ(fwd.payload, "query");
  Parsed back = Tx(Udp(fwd.dst.ToString().c_str(), 5353, "fd00::1", fwd.sport));
  EXPECT_EQ(back.src, Ip("fd00:96::10"));
  EXPECT_EQ(back.sport, 53);
  EXPECT_EQ(back.dst, Ip("2001:db8::5"));
  EXPECT_EQ(back.dport, 5000);
}

TEST_F(PipelineTest, NatUdp4WithoutChecksumStaysWithout) {
  Make(ForwardingMode::kNat);
  PacketSpec in = Udp("192.168.7.5", 5000, "10.96.0.10", 53);
  in.udp_zero_checksum = true;
  Outcome o = h_->Run(BuildPacket(in));
  ASSERT_EQ(o.where, Where::kTx);
  EXPECT_EQ(o.frame[14 + 20 + 6], 0);
  EXPECT_EQ(o.frame[14 + 20 + 7], 0);
  auto p = ParsePacket(o.frame);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->ip_checksum_ok);
}

TEST_F(PipelineTest, NatWithChecksumOffloadRequestsItFromTheNic) {
  HarnessPort port;
  port.offload = true;
  Make(ForwardingMode::kNat, port);
  PacketSpec in = Tcp("192.168.7.5", 40001, "10.96.0.10", 80);
  Outcome o = h_->Run(BuildPacket(in));
  ASSERT_EQ(o.where, Where::kTx);
  EXPECT_TRUE(o.ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_TRUE(o.ol_flags & RTE_MBUF_F_TX_IPV4);
  EXPECT_EQ(o.ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_TCP_CKSUM);
  EXPECT_EQ(o.l2_len, 14);
  EXPECT_EQ(o.l3_len, 20);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(o.frame.data() + 14);
  EXPECT_EQ(ip->hdr_checksum, 0);
  uint16_t field;
  std::memcpy(&field, o.frame.data() + 14 + 20 + 16, 2);
  // DPDK's own pseudo-header helper is the independent reference.
  EXPECT_EQ(field, rte_ipv4_phdr_cksum(ip, 0));
  // Emulating the NIC gives a packet with valid checksums.
  Frame nic = o.frame;
  FixIpv4Checksum(nic);
  uint8_t* tcp = nic.data() + 34;
  size_t l4len = nic.size() - 34;
  tcp[16] = tcp[17] = 0;
  uint16_t c = csum::Finish(csum::Add(
      tcp, l4len,
      csum::Pseudo(nic.data() + 26, nic.data() + 30, 4, 6, static_cast<uint32_t>(l4len))));
  std::memcpy(tcp + 16, &c, 2);
  auto p = ParsePacket(nic);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->ip_checksum_ok);
  EXPECT_TRUE(p->l4_checksum_ok);
}

TEST_F(PipelineTest, DsrEncapsulatesTheClientPacketUnchanged) {
  Make(ForwardingMode::kDsr);
  for (const char* vip : {"10.96.0.10", "fd00:96::10"}) {
    bool v4 = Ip(vip).is_v4();
    PacketSpec in = Tcp(v4 ? "192.168.7.5" : "2001:db8::5", 40001, vip, 80, kAck);
    Frame sent = BuildPacket(in);
    auto want = h_->ExpectedBackend(FrontendKey{in.dst, 80, Protocol::kTCP}, Tuple(in));
    ASSERT_TRUE(want.ok());
    Outcome o = h_->Run(sent);
    ASSERT_EQ(o.where, Where::kTx) << vip;
    EXPECT_EQ(o.frame.size(), sent.size() + (v4 ? 20 : 40));
    EXPECT_EQ(o.frame[5], BackendMacByte(want->addr));
    const uint8_t* outer = o.frame.data() + 14;
    if (v4) {
      EXPECT_EQ(outer[0], 0x45);
      EXPECT_EQ(outer[9], 4);            // IPIP
      EXPECT_EQ(outer[6] & 0x40, 0x40);  // DF
      EXPECT_EQ(csum::Fold(csum::Add(outer, 20)), 0xffff);
      EXPECT_EQ(0, std::memcmp(outer + 12, Ip("10.0.0.1").bytes.data(), 4));
      EXPECT_EQ(0, std::memcmp(outer + 16, want->addr.bytes.data(), 4));
      EXPECT_EQ((outer[2] << 8 | outer[3]), static_cast<int>(sent.size() - 14 + 20));
    } else {
      EXPECT_EQ(outer[0] >> 4, 6);
      EXPECT_EQ(outer[6], 41);  // IPv6-in-IPv6
      EXPECT_EQ((outer[4] << 8 | outer[5]), static_cast<int>(sent.size() - 14));
      EXPECT_EQ(0, std::memcmp(outer + 8, Ip("fd00::1").bytes.data(), 16));
      EXPECT_EQ(0, std::memcmp(outer + 24, want->addr.bytes.data(), 16));
    }
    // The inner packet is byte for byte what the client sent.
    Frame inner = Decap(o.frame);
    EXPECT_TRUE(std::equal(inner.begin() + 14, inner.end(), sent.begin() + 14));
  }
}

TEST_F(PipelineTest, DsrWithIpv4ChecksumOffload) {
  HarnessPort port;
  port.offload = true;
  Make(ForwardingMode::kDsr, port);
  Outcome o = h_->Run(BuildPacket(Udp("192.168.7.5", 5000, "10.96.0.10", 53)));
  ASSERT_EQ(o.where, Where::kTx);
  EXPECT_TRUE(o.ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_EQ(o.l3_len, 20);
  EXPECT_EQ(o.frame[14 + 10], 0);
  EXPECT_EQ(o.frame[14 + 11], 0);
}

TEST_F(PipelineTest, DsrTrimsEthernetPadding) {
  Make(ForwardingMode::kDsr);
  Frame f = BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  size_t ip_len = f.size() - 14;
  f.resize(60, 0);  // a minimum-size frame with padding
  Outcome o = h_->Run(f);
  ASSERT_EQ(o.where, Where::kTx);
  EXPECT_EQ(o.frame.size(), 14 + 20 + ip_len);
}

TEST_F(PipelineTest, DsrTooBigAnswersFragmentationNeeded) {
  HarnessPort port;
  port.mtu = 1500;
  Make(ForwardingMode::kDsr, port);
  PacketSpec in = Tcp("192.168.7.5", 40001, "10.96.0.10", 80, kAck);
  in.payload = std::string(1500 - 40, 'x');  // a full 1500-byte IP packet
  Outcome o = h_->Run(BuildPacket(in));
  ASSERT_EQ(o.where, Where::kTx);
  auto p = ParsePacket(o.frame);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->l4proto, 1);
  EXPECT_EQ(p->icmp_type, 3);
  EXPECT_EQ(p->icmp_code, 4);
  EXPECT_TRUE(p->l4_checksum_ok);
  EXPECT_TRUE(p->ip_checksum_ok);
  EXPECT_EQ(p->src, Ip("10.96.0.10"));
  EXPECT_EQ(p->dst, Ip("192.168.7.5"));
  EXPECT_EQ(p->inner_dst, Ip("10.96.0.10"));
  EXPECT_EQ(p->inner_sport, 40001);
  EXPECT_EQ((o.frame[14 + 20 + 6] << 8 | o.frame[14 + 20 + 7]), 1480);  // next-hop MTU
  EXPECT_EQ(0, std::memcmp(o.frame.data(), kClientMac, 6));
  EXPECT_LE(o.frame.size(), 14u + 576u);
  EXPECT_EQ(Drops(Drop::kTooBig), 1u);

  PacketSpec in6 = Tcp("2001:db8::5", 40001, "fd00:96::10", 80, kAck);
  in6.payload = std::string(1500 - 60, 'x');
  Outcome o6 = h_->Run(BuildPacket(in6));
  ASSERT_EQ(o6.where, Where::kTx);
  auto p6 = ParsePacket(o6.frame);
  ASSERT_TRUE(p6.ok());
  EXPECT_EQ(p6->icmp_type, 2);  // packet too big
  EXPECT_TRUE(p6->l4_checksum_ok);
  uint32_t mtu = 0;
  for (int i = 0; i < 4; ++i)
    mtu = mtu << 8 | o6.frame[14 + 40 + 4 + i];
  EXPECT_EQ(mtu, 1460u);
  EXPECT_LE(o6.frame.size(), 14u + 1280u);
}

TEST_F(PipelineTest, ServiceWithoutBackendsIsRejected) {
  Make(ForwardingMode::kNat);
  Parsed rst = Tx(Tcp("192.168.7.5", 40001, "10.96.0.99", 80));
  EXPECT_EQ(rst.tcp_flags, kRst | kAck);
  EXPECT_EQ(rst.src, Ip("10.96.0.99"));
  EXPECT_EQ(rst.dst, Ip("192.168.7.5"));
  EXPECT_EQ(rst.sport, 80);
  EXPECT_EQ(rst.dport, 40001);
  EXPECT_EQ(rst.ack, 1001u);  // SYN's seq + 1
  Parsed rst2 = Tx(Tcp("192.168.7.5", 40002, "10.96.0.99", 80, kAck));
  EXPECT_EQ(rst2.tcp_flags, kRst);
  EXPECT_EQ(rst2.seq, 0u);  // the segment's ack (0 in the builder)
  Parsed icmp = Tx(Udp("2001:db8::5", 5000, "fd00:96::99", 53));
  EXPECT_EQ(icmp.l4proto, 58);
  EXPECT_EQ(icmp.icmp_type, 1);
  EXPECT_EQ(icmp.icmp_code, 4);
  EXPECT_EQ(icmp.inner_dport, 53);
  // A RST to a dead service is not answered.
  Outcome o = h_->Run(BuildPacket(Tcp("192.168.7.5", 40003, "10.96.0.99", 80, kRst)));
  EXPECT_EQ(o.where, Where::kDropped);
  const State& st = h_->engine().installed();
  uint32_t empty_svc = 0;
  for (const auto& [id, info] : st.services)
    if (info.name == "default/empty" && info.proto == Protocol::kTCP) empty_svc = id;
  EXPECT_EQ(h_->counters().Service(empty_svc).rejects, 3u);
}

TEST_F(PipelineTest, NodePortOnThePortAddress) {
  Make(ForwardingMode::kNat);
  PacketSpec in = Tcp("192.168.7.5", 40001, "10.0.0.1", 30080);
  auto want =
      h_->ExpectedBackend(FrontendKey{IpAddr::Any(Family::kV4), 30080, Protocol::kTCP}, Tuple(in));
  ASSERT_TRUE(want.ok());
  Parsed p = Tx(in);
  EXPECT_EQ(p.dst, want->addr);
  EXPECT_EQ(p.dport, 8080);
  // Not on some other address.
  Outcome o = h_->Run(BuildPacket(Tcp("192.168.7.5", 40001, "10.0.0.77", 30080)));
  EXPECT_EQ(o.where, Where::kDropped);
}

TEST_F(PipelineTest, NotServiceTrafficIsDroppedOrPassed) {
  Make(ForwardingMode::kNat, {}, 0, 1, 1u << static_cast<int>(BadClass::kNotService));
  Outcome o = h_->Run(BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 81)));
  EXPECT_EQ(o.where, Where::kException);
  EXPECT_EQ(h_->wc().passed[static_cast<int>(BadClass::kNotService)], 1u);
  EXPECT_EQ(o.frame, BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 81)));
}

TEST_F(PipelineTest, ArpAnswersForVipsAndOwnAddressesAndLearnsSenders) {
  Make(ForwardingMode::kNat);
  auto arp = [](const char* sender, const uint8_t* smac, const char* target, uint16_t op) {
    Frame f(42, 0);
    std::memset(f.data(), 0xff, 6);
    std::memcpy(f.data() + 6, smac, 6);
    f[12] = 0x08;
    f[13] = 0x06;
    uint8_t* a = f.data() + 14;
    a[1] = 1;
    a[2] = 0x08;
    a[4] = 6;
    a[5] = 4;
    a[7] = static_cast<uint8_t>(op);
    std::memcpy(a + 8, smac, 6);
    std::memcpy(a + 14, Ip(sender).bytes.data(), 4);
    std::memcpy(a + 24, Ip(target).bytes.data(), 4);
    return f;
  };
  const uint8_t peer[6] = {0x0a, 0, 0, 0, 0, 0x99};
  for (const char* target : {"10.96.0.10", "10.0.0.1"}) {
    Outcome o = h_->Run(arp("10.0.0.50", peer, target, 1));
    ASSERT_EQ(o.where, Where::kTx) << target;
    const uint8_t* a = o.frame.data() + 14;
    EXPECT_EQ(a[7], 2);  // reply
    EXPECT_EQ(0, std::memcmp(a + 8, kPortMac, 6));
    EXPECT_EQ(0, std::memcmp(a + 14, Ip(target).bytes.data(), 4));
    EXPECT_EQ(0, std::memcmp(a + 18, peer, 6));
    EXPECT_EQ(0, std::memcmp(a + 24, Ip("10.0.0.50").bytes.data(), 4));
    EXPECT_EQ(0, std::memcmp(o.frame.data(), peer, 6));
    EXPECT_EQ(0, std::memcmp(o.frame.data() + 6, kPortMac, 6));
  }
  EXPECT_EQ(h_->wc().arp_replies, 2u);
  // Someone else's address: not ours to answer.
  EXPECT_EQ(h_->Run(arp("10.0.0.50", peer, "10.0.0.77", 1)).where, Where::kDropped);
  EXPECT_EQ(BadSeen(BadClass::kNonIp), 1u);
  // The sender was learnt: a backend at 10.0.0.50 is reachable now.
  const auto& nb = h_->publisher().Current()->net->neighbors();
  NeighborKey k{0, kFamily4, RawAddr::From(Ip("10.0.0.50"))};
  ASSERT_TRUE(nb.count(k));
  EXPECT_EQ(nb.at(k).b[5], 0x99);
}

TEST_F(PipelineTest, UnresolvedBackendIsDroppedUntilLearnt) {
  Make(ForwardingMode::kNat);
  ASSERT_TRUE(h_->Upsert(MakeService("solo", {"10.96.0.50"})).ok());
  ASSERT_TRUE(h_->Upsert(MakeSlice("solo", "solo-v4", {"10.0.0.60"}, AddressType::kIPv4)).ok());
  Outcome o = h_->Run(BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.50", 80)));
  EXPECT_EQ(o.where, Where::kDropped);
  EXPECT_EQ(Drops(Drop::kNoRoute), 1u);
  uint8_t mac[6] = {0x0a, 0, 0, 0, 0, 60};
  h_->SetNeighbor(0, "10.0.0.60", mac);
  Parsed p = Tx(Tcp("192.168.7.5", 40001, "10.96.0.50", 80));
  EXPECT_EQ(p.dst, Ip("10.0.0.60"));
}

Frame NeighborSolicit(const char* src, const char* target, const uint8_t* smac) {
  Frame f(14 + 40 + 32, 0);
  IpAddr t = Ip(target);
  const uint8_t dmac[6] = {0x33, 0x33, 0xff, t.bytes[13], t.bytes[14], t.bytes[15]};
  std::memcpy(f.data(), dmac, 6);
  std::memcpy(f.data() + 6, smac, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x60;
  ip[5] = 32;
  ip[6] = 58;
  ip[7] = 255;
  std::memcpy(ip + 8, Ip(src).bytes.data(), 16);
  uint8_t dst[16] = {0xff, 2, 0, 0, 0,    0,           0,           0,
                     0,    0, 0, 1, 0xff, t.bytes[13], t.bytes[14], t.bytes[15]};
  std::memcpy(ip + 24, dst, 16);
  uint8_t* icmp = ip + 40;
  icmp[0] = 135;
  std::memcpy(icmp + 8, t.bytes.data(), 16);
  icmp[24] = 1;
  icmp[25] = 1;
  std::memcpy(icmp + 26, smac, 6);
  uint16_t c = csum::Finish(csum::Add(icmp, 32, csum::Pseudo(ip + 8, ip + 24, 16, 58, 32)));
  std::memcpy(icmp + 2, &c, 2);
  return f;
}

TEST_F(PipelineTest, NdpAnswersForVipsAndLearnsSolicitors) {
  Make(ForwardingMode::kNat);
  const uint8_t peer[6] = {0x0a, 0, 0, 0, 0, 0x77};
  for (const char* target : {"fd00:96::10", "fd00::1"}) {
    Outcome o = h_->Run(NeighborSolicit("fd00::77", target, peer));
    ASSERT_EQ(o.where, Where::kTx) << target;
    auto p = ParsePacket(o.frame);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->l4proto, 58);
    EXPECT_EQ(p->icmp_type, 136);
    EXPECT_TRUE(p->l4_checksum_ok);
    EXPECT_EQ(p->src, Ip(target));
    EXPECT_EQ(p->dst, Ip("fd00::77"));
    const uint8_t* icmp = o.frame.data() + 14 + 40;
    EXPECT_EQ(o.frame[14 + 7], 255);  // hop limit
    EXPECT_EQ(icmp[4], 0x60);         // solicited | override
    EXPECT_EQ(0, std::memcmp(icmp + 8, Ip(target).bytes.data(), 16));
    EXPECT_EQ(icmp[24], 2);
    EXPECT_EQ(0, std::memcmp(icmp + 26, kPortMac, 6));
    EXPECT_EQ(0, std::memcmp(o.frame.data(), peer, 6));
  }
  NeighborKey k{0, kFamily6, RawAddr::From(Ip("fd00::77"))};
  EXPECT_TRUE(h_->publisher().Current()->net->neighbors().count(k));
  // Hop limit below 255: not a valid NDP message.
  Frame bad = NeighborSolicit("fd00::77", "fd00:96::10", peer);
  bad[14 + 7] = 64;
  EXPECT_EQ(h_->Run(bad).where, Where::kDropped);
}

TEST_F(PipelineTest, EchoRepliesForVipsBothFamilies) {
  Make(ForwardingMode::kDsr);
  for (const char* vip : {"10.96.0.10", "fd00:96::10"}) {
    bool v4 = Ip(vip).is_v4();
    Frame f = BuildPacket(Udp(v4 ? "192.168.7.5" : "2001:db8::5", 1, vip, 1));
    // Turn the UDP datagram into an echo request with the same payload size.
    uint8_t* ip = f.data() + 14;
    uint8_t* l4 = ip + (v4 ? 20 : 40);
    size_t l4len = f.size() - 14 - (v4 ? 20 : 40);
    if (v4) {
      ip[9] = 1;
      FixIpv4Checksum(f);
    } else {
      ip[6] = 58;
    }
    l4[0] = v4 ? 8 : 128;
    l4[1] = 0;
    l4[2] = l4[3] = 0;
    uint64_t seed = v4 ? 0 : csum::Pseudo(ip + 8, ip + 24, 16, 58, static_cast<uint32_t>(l4len));
    uint16_t c = csum::Finish(csum::Add(l4, l4len, seed));
    std::memcpy(l4 + 2, &c, 2);
    Outcome o = h_->Run(f);
    ASSERT_EQ(o.where, Where::kTx) << vip;
    auto p = ParsePacket(o.frame);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->icmp_type, v4 ? 0 : 129);
    EXPECT_EQ(p->src, Ip(vip));
    EXPECT_TRUE(p->l4_checksum_ok);
    EXPECT_TRUE(p->ip_checksum_ok);
  }
  EXPECT_EQ(h_->wc().echo_replies, 2u);
}

TEST_F(PipelineTest, BadPacketsAreClassifiedCountedAndDropped) {
  Make(ForwardingMode::kNat);
  Frame good = BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  Frame good6 = BuildPacket(Tcp("2001:db8::5", 40001, "fd00:96::10", 80));
  std::vector<std::pair<Frame, BadClass>> cases;
  cases.push_back({Frame(good.begin(), good.begin() + 10), BadClass::kRunt});
  cases.push_back({Frame(good.begin(), good.begin() + 30), BadClass::kTruncated});
  Frame trunc_tcp(good.begin(), good.begin() + 14 + 20 + 10);
  trunc_tcp[14 + 3] = 30;  // total length matches the cut: TCP header incomplete
  FixIpv4Checksum(trunc_tcp);
  cases.push_back({trunc_tcp, BadClass::kTruncated});
  Frame long_len = good;
  long_len[14 + 2] = 0x05;  // total length beyond the frame
  FixIpv4Checksum(long_len);
  cases.push_back({long_len, BadClass::kTruncated});
  Frame frag = good;
  frag[14 + 6] = 0x20;  // MF
  FixIpv4Checksum(frag);
  cases.push_back({frag, BadClass::kFragment});
  Frame frag2 = good;
  frag2[14 + 6] = 0x00;
  frag2[14 + 7] = 0x10;  // offset
  FixIpv4Checksum(frag2);
  cases.push_back({frag2, BadClass::kFragment});
  Frame opts = good;
  opts.insert(opts.begin() + 34, {1, 1, 1, 1});  // four NOP options
  opts[14] = 0x46;
  opts[14 + 3] = static_cast<uint8_t>(opts[14 + 3] + 4);
  FixIpv4Checksum(opts);
  cases.push_back({opts, BadClass::kIpOptions});
  Frame frag6 = good6;
  frag6[14 + 6] = 44;
  cases.push_back({frag6, BadClass::kFragment});
  Frame hbh6 = good6;
  hbh6[14 + 6] = 0;
  cases.push_back({hbh6, BadClass::kIpOptions});
  Frame lldp = good;
  lldp[12] = 0x88;
  lldp[13] = 0xcc;
  cases.push_back({lldp, BadClass::kNonIp});
  Frame vlan = good;
  vlan[12] = 0x81;
  vlan[13] = 0x00;
  cases.push_back({vlan, BadClass::kNonIp});
  Frame ver = good;
  ver[14] = 0x55;  // version 5
  cases.push_back({ver, BadClass::kTruncated});
  Frame udp_len = BuildPacket(Udp("192.168.7.5", 1, "10.96.0.10", 53));
  udp_len[14 + 20 + 4] = 0x7f;  // UDP length beyond the datagram
  cases.push_back({udp_len, BadClass::kTruncated});
  Frame gre = good;
  gre[14 + 9] = 47;
  FixIpv4Checksum(gre);
  cases.push_back({gre, BadClass::kNotService});

  uint64_t counts[kBadClassCount] = {};
  for (const auto& [f, cls] : cases) {
    Outcome o = h_->Run(f);
    EXPECT_EQ(o.where, Where::kDropped) << BadClassName(cls);
    counts[static_cast<int>(cls)]++;
  }
  for (int c = 0; c < kBadClassCount; ++c)
    EXPECT_EQ(BadSeen(static_cast<BadClass>(c)), counts[c]) << BadClassName(BadClass(c));
  EXPECT_EQ(Drops(Drop::kBadPacket), cases.size());
  EXPECT_EQ(h_->wc().new_flows, 0u);
}

TEST_F(PipelineTest, BadPacketsArePassedWhenConfigured) {
  uint32_t mask = 0;
  for (int c = 0; c < kBadClassCount; ++c)
    mask |= 1u << c;
  Make(ForwardingMode::kNat, {}, 0, 1, mask);
  Frame good = BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  Frame frag = good;
  frag[14 + 6] = 0x20;
  FixIpv4Checksum(frag);
  Outcome o = h_->Run(frag);
  EXPECT_EQ(o.where, Where::kException);
  EXPECT_EQ(o.frame, frag);  // untouched
  Outcome r = h_->Run(Frame(good.begin(), good.begin() + 5));
  EXPECT_EQ(r.where, Where::kException);
  EXPECT_EQ(h_->wc().passed[static_cast<int>(BadClass::kFragment)], 1u);
  EXPECT_EQ(h_->wc().passed[static_cast<int>(BadClass::kRunt)], 1u);
}

TEST_F(PipelineTest, RandomAndMutatedFramesNeverCrashAndAreAllAccountedFor) {
  Make(ForwardingMode::kNat, {}, 0, 1, 1u << static_cast<int>(BadClass::kNonIp));
  std::mt19937 rng(7);
  std::vector<Frame> seeds = {BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80)),
                              BuildPacket(Udp("2001:db8::5", 5, "fd00:96::10", 53)),
                              NeighborSolicit("fd00::77", "fd00:96::10", kClientMac)};
  size_t sent = 0, accounted = 0;
  for (int round = 0; round < 100; ++round) {
    std::vector<Frame> burst;
    for (int i = 0; i < 32; ++i) {
      Frame f = seeds[rng() % seeds.size()];
      int kind = rng() % 3;
      if (kind == 0) {
        f.resize(rng() % 200);
        for (auto& b : f)
          b = static_cast<uint8_t>(rng());
        if (f.size() >= 6) std::memcpy(f.data(), kPortMac, 6);
      } else if (kind == 1) {
        for (int k = 0; k < 4 && !f.empty(); ++k)
          f[14 + rng() % std::max<size_t>(1, f.size() - 14) % f.size()] ^=
              static_cast<uint8_t>(1u << (rng() % 8));
      } else {
        f.resize(rng() % (f.size() + 1));
      }
      burst.push_back(f);
    }
    sent += burst.size();
    for (const Outcome& o : h_->RunBurst(burst))
      if (o.where != Where::kDropped) ++accounted;
  }
  uint64_t drops = 0;
  for (uint64_t d : h_->wc().drops)
    drops += d;
  // Packets consumed without an answer (learnt ARP/NDP) are neither.
  EXPECT_LE(accounted + drops, sent);
  EXPECT_EQ(h_->wc().rx_packets, sent);
}

TEST_F(PipelineTest, NatRepliesOwnedByAnotherLcoreAreHandedOff) {
  Make(ForwardingMode::kNat, {}, /*worker=*/0, /*workers=*/2);
  for (uint16_t sport = 40000; sport < 40020; ++sport) {
    Parsed p = Tx(Tcp("192.168.7.5", sport, "10.96.0.10", 80));
    EXPECT_EQ((p.sport - 33000) % 2, 0) << "worker 0 allocates its own ports";
  }
  Outcome o = h_->Run(BuildPacket(Tcp("10.0.0.11", 8080, "10.0.0.1", 33001, kAck)));
  EXPECT_EQ(o.where, Where::kHandoff);
  EXPECT_EQ(o.port, 1);
  EXPECT_EQ(h_->wc().handoff_out, 1u);
}

TEST_F(PipelineTest, SameNewFlowTwiceInOneBurstSharesOneEntry) {
  Make(ForwardingMode::kNat);
  Frame syn = BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  auto outs = h_->RunBurst({syn, syn, syn});
  ASSERT_EQ(outs.size(), 3u);
  auto a = ParsePacket(outs[0].frame).value();
  for (const auto& o : outs) {
    ASSERT_EQ(o.where, Where::kTx);
    auto p = ParsePacket(o.frame).value();
    EXPECT_EQ(p.sport, a.sport);
    EXPECT_EQ(p.dst, a.dst);
  }
  EXPECT_EQ(h_->wc().new_flows, 1u);
  EXPECT_EQ(h_->flows(kFamily4).size(), 2u);
}

TEST_F(PipelineTest, FlowsExpireAndClosedTuplesStartOver) {
  Make(ForwardingMode::kNat);
  Tx(Udp("192.168.7.5", 5000, "10.96.0.10", 53));
  Tx(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  EXPECT_EQ(h_->flows(kFamily4).size(), 4u);
  h_->Advance(60 * 1000);
  h_->Housekeeping();
  EXPECT_EQ(h_->flows(kFamily4).size(), 4u);  // within both timeouts
  h_->Advance(100 * 1000);
  h_->Housekeeping();
  EXPECT_EQ(h_->flows(kFamily4).size(), 2u);  // UDP gone (120 s), TCP stays (900 s)
  EXPECT_EQ(h_->wc().flows[0], 2u);
  // FIN: closing, gone after the closing timeout.
  Tx(Tcp("192.168.7.5", 40001, "10.96.0.10", 80, kFin | kAck));
  h_->Advance(11 * 1000);
  h_->Housekeeping();
  EXPECT_EQ(h_->flows(kFamily4).size(), 0u);

  // A SYN reusing a closing flow's tuple is a new flow.
  Tx(Tcp("192.168.7.5", 40002, "10.96.0.10", 80));
  Tx(Tcp("192.168.7.5", 40002, "10.96.0.10", 80, kRst));
  uint64_t flows = h_->wc().new_flows;
  Tx(Tcp("192.168.7.5", 40002, "10.96.0.10", 80));
  EXPECT_EQ(h_->wc().new_flows, flows + 1);
  EXPECT_EQ(h_->flows(kFamily4).size(), 2u);
}

TEST_F(PipelineTest, SessionAffinityKeepsAClientOnOneBackend) {
  Make(ForwardingMode::kDsr);
  Service sticky = MakeService("sticky", {"10.96.0.20"});
  sticky.session_affinity = SessionAffinity::kClientIP;
  sticky.affinity_timeout_s = 600;
  ASSERT_TRUE(h_->Upsert(sticky).ok());
  ASSERT_TRUE(h_->Upsert(MakeSlice("sticky", "sticky-v4", {"10.0.0.11", "10.0.0.12", "10.0.0.13"},
                                   AddressType::kIPv4))
                  .ok());
  std::set<std::string> backends;
  for (uint16_t sport = 40000; sport < 40040; ++sport) {
    Outcome o = h_->Run(BuildPacket(Tcp("192.168.7.5", sport, "10.96.0.20", 80)));
    ASSERT_EQ(o.where, Where::kTx);
    backends.insert(std::to_string(o.frame[14 + 19]));
  }
  EXPECT_EQ(backends.size(), 1u);
}

TEST_F(PipelineTest, FullFlowTable) {
  // DSR keeps balancing statelessly (Maglev is consistent); NAT cannot.
  Make(ForwardingMode::kDsr, {}, 0, 1, 0, /*flows=*/1024);
  uint32_t cap = h_->flows(kFamily4).capacity();
  for (uint32_t i = 0; i < cap + 50; ++i) {
    PacketSpec in = Udp("192.168.7.5", static_cast<uint16_t>(1000 + i), "10.96.0.10", 53);
    auto want = h_->ExpectedBackend(FrontendKey{in.dst, 53, Protocol::kUDP}, Tuple(in));
    Outcome o = h_->Run(BuildPacket(in));
    ASSERT_EQ(o.where, Where::kTx) << i;
    ASSERT_EQ(0, std::memcmp(o.frame.data() + 14 + 16, want->addr.bytes.data(), 4));
  }
  EXPECT_GT(h_->wc().stateless, 0u);

  Make(ForwardingMode::kNat, {}, 0, 1, 0, 1024);
  uint64_t dropped = 0;
  for (uint32_t i = 0; i < 1200; ++i) {
    Outcome o =
        h_->Run(BuildPacket(Udp("192.168.7.5", static_cast<uint16_t>(1000 + i), "10.96.0.10", 53)));
    if (o.where == Where::kDropped) ++dropped;
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(Drops(Drop::kFlowTableFull), dropped);
}

TEST_F(PipelineTest, OtherHostsFramesAndBadHardwareChecksumsAreDropped) {
  Make(ForwardingMode::kNat);
  Frame f = BuildPacket(Tcp("192.168.7.5", 40001, "10.96.0.10", 80));
  f[5] = 0x42;  // unicast to someone else
  EXPECT_EQ(h_->Run(f).where, Where::kDropped);
  EXPECT_EQ(Drops(Drop::kOtherHost), 1u);
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
