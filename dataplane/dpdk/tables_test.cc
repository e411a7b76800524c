#include "dataplane/dpdk/tables.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/core/maglev.h"
#include "dataplane/dpdk/affinity.h"

namespace skiff::dataplane::dpdk {
namespace {

IpAddr Ip(const char* s) {
  return IpAddr::Parse(s).value();
}

State ThreeBackends() {
  State st;
  st.backends[1] = Backend{Ip("10.1.0.1"), 8080, Protocol::kTCP, true};
  st.backends[2] = Backend{Ip("10.1.0.2"), 8080, Protocol::kTCP, true};
  st.backends[3] = Backend{Ip("10.1.0.3"), 8080, Protocol::kTCP, false};
  BackendSet set;
  set.members = {{1, 1, false}, {2, 2, false}, {3, 1, true}};
  st.sets[7] = set;
  ServicePortInfo info;
  info.name = "default/web";
  info.port = 80;
  st.services[5] = info;
  st.frontends[FrontendKey{Ip("10.96.0.10"), 80, Protocol::kTCP}] =
      FrontendValue{5, 7, 0, 2, 0, Scope::kCluster};
  st.frontends[FrontendKey{Ip("10.96.0.10"), 53, Protocol::kUDP}] =
      FrontendValue{5, 0, 0, 0, 0, Scope::kCluster};
  st.frontends[FrontendKey{IpAddr::Any(Family::kV4), 30080, Protocol::kTCP}] =
      FrontendValue{5, 7, 0, 2, 0, Scope::kNodePort};
  return st;
}

TEST(SetTable, SlotsAreCoresMaglevTable) {
  State st = ThreeBackends();
  auto t = SetTable::Build(7, st.sets[7], st.backends, 251);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::vector<MaglevBackend> mb = {{1, Ip("10.1.0.1"), 8080, Protocol::kTCP, 1},
                                   {2, Ip("10.1.0.2"), 8080, Protocol::kTCP, 2},
                                   {3, Ip("10.1.0.3"), 8080, Protocol::kTCP, 0}};
  auto want = BuildMaglevTable(mb, 251);
  ASSERT_EQ((*t)->size(), 251u);
  for (uint32_t i = 0; i < 251; ++i)
    ASSERT_EQ((*t)->SlotBackend(i), want[i]) << "slot " << i;
  // The terminating member is kept (flows) but never active.
  EXPECT_NE((*t)->FindActive(1), nullptr);
  EXPECT_EQ((*t)->FindActive(3), nullptr);
  EXPECT_EQ((*t)->FindActive(9), nullptr);
  const BackendRef* b = (*t)->Pick(12345);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->backend_id, want[12345 % 251]);
  EXPECT_EQ(b->port_be, 0x901f);  // 8080 in network order, read natively
}

TEST(SetTable, UnknownMemberIsAnError) {
  State st = ThreeBackends();
  st.backends.erase(2);
  auto t = SetTable::Build(7, st.sets[7], st.backends, 251);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInternal);
}

TEST(ServiceTables, FindsFrontendsAndVips) {
  State st = ThreeBackends();
  std::map<uint32_t, std::shared_ptr<const SetTable>> sets;
  sets[7] = SetTable::Build(7, st.sets[7], st.backends, 251).value();
  auto t = ServiceTables::Build(st, sets);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  RawAddr vip = RawAddr::From(Ip("10.96.0.10"));
  const FrontendEntry* fe = (*t)->Find(vip.b, kFamily4, 0x5000, 6);
  ASSERT_NE(fe, nullptr);
  EXPECT_EQ(fe->svc_id, 5u);
  EXPECT_EQ(fe->set, sets[7].get());
  const FrontendEntry* udp = (*t)->Find(vip.b, kFamily4, 0x3500, 17);
  ASSERT_NE(udp, nullptr);
  EXPECT_EQ(udp->set, nullptr);  // no backend: reject
  EXPECT_EQ((*t)->Find(vip.b, kFamily4, 0x5100, 6), nullptr);
  EXPECT_EQ((*t)->Find(vip.b, kFamily4, 0x5000, 17), nullptr);
  RawAddr zero{};
  EXPECT_NE((*t)->Find(zero.b, kFamily4, 0x8075, 6), nullptr);  // 30080
  EXPECT_TRUE((*t)->IsVip(vip.b, kFamily4));
  EXPECT_FALSE((*t)->IsVip(zero.b, kFamily4));
  RawAddr other = RawAddr::From(Ip("10.96.0.11"));
  EXPECT_FALSE((*t)->IsVip(other.b, kFamily4));
  // IPv4 lookups read four bytes only: in a packet, ports follow the address.
  uint8_t in_packet[16];
  std::memset(in_packet, 0xab, sizeof(in_packet));
  std::memcpy(in_packet, vip.b, 4);
  EXPECT_NE((*t)->Find(in_packet, kFamily4, 0x5000, 6), nullptr);
  EXPECT_TRUE((*t)->IsVip(in_packet, kFamily4));
}

TEST(ServiceTables, MissingSetIsAnError) {
  State st = ThreeBackends();
  auto t = ServiceTables::Build(st, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("backend set 7"), std::string::npos);
}

TEST(ServiceTables, ManyFrontendsAllFound) {
  State st;
  for (uint32_t i = 0; i < 5000; ++i) {
    IpAddr a = Ip("10.96.0.0");
    a.bytes[2] = static_cast<uint8_t>(i >> 8);
    a.bytes[3] = static_cast<uint8_t>(i);
    st.frontends[FrontendKey{a, static_cast<uint16_t>(80 + i % 3), Protocol::kTCP}] =
        FrontendValue{i + 1, 0, 0, 0, 0, Scope::kCluster};
  }
  auto t = ServiceTables::Build(st, {}).value();
  for (const auto& [k, v] : st.frontends) {
    RawAddr r = RawAddr::From(k.addr);
    uint16_t pbe = static_cast<uint16_t>(k.port >> 8 | k.port << 8);
    const FrontendEntry* fe = t->Find(r.b, kFamily4, pbe, 6);
    ASSERT_NE(fe, nullptr) << k.ToString();
    EXPECT_EQ(fe->svc_id, v.svc_id);
  }
}

TEST(NetTables, RoutesOnLinkThenGateway) {
  PortInfo a;
  a.port_id = 3;
  a.addresses = {PortAddress{Ip("10.0.0.1"), 24}};
  PortInfo b;
  b.port_id = 0;
  b.addresses = {PortAddress{Ip("192.168.1.1"), 24}, PortAddress{Ip("fd00::1"), 64}};
  b.gateway4 = RawAddr::From(Ip("192.168.1.254"));
  std::map<NeighborKey, Mac> neigh;
  NeighborKey k{1, kFamily4, RawAddr::From(Ip("192.168.1.254"))};
  neigh[k] = Mac{{1, 2, 3, 4, 5, 6}};
  NetTables net({a, b}, neigh);
  EXPECT_EQ(net.PortIndex(3), 0);
  EXPECT_EQ(net.PortIndex(0), 1);
  EXPECT_EQ(net.PortIndex(7), -1);
  ASSERT_TRUE(net.ports()[1].addr4.has_value());
  ASSERT_TRUE(net.ports()[1].addr6.has_value());
  EXPECT_FALSE(net.ports()[0].addr6.has_value());

  uint16_t port = 9;
  RawAddr hop;
  RawAddr onlink = RawAddr::From(Ip("10.0.0.7"));
  ASSERT_TRUE(net.Route(onlink.b, kFamily4, &port, &hop));
  EXPECT_EQ(port, 0);
  EXPECT_EQ(hop, onlink);
  RawAddr far = RawAddr::From(Ip("8.8.8.8"));
  ASSERT_TRUE(net.Route(far.b, kFamily4, &port, &hop));
  EXPECT_EQ(port, 1);
  EXPECT_EQ(hop, RawAddr::From(Ip("192.168.1.254")));
  NextHop nh;
  ASSERT_TRUE(net.Resolve(far.b, kFamily4, &nh));
  EXPECT_EQ(nh.mac[5], 6);
  EXPECT_FALSE(net.Resolve(onlink.b, kFamily4, &nh));  // not learnt yet
  RawAddr far6 = RawAddr::From(Ip("2001:db8::1"));
  EXPECT_FALSE(net.Route(far6.b, kFamily6, &port, &hop));  // no IPv6 gateway
  RawAddr self = RawAddr::From(Ip("192.168.1.1"));
  EXPECT_EQ(net.SelfPort(self.b, kFamily4), 1);
  EXPECT_EQ(net.SelfPort(far.b, kFamily4), -1);
  EXPECT_TRUE(net.OnLink(0, onlink.b, kFamily4));
  EXPECT_FALSE(net.OnLink(1, onlink.b, kFamily4));
}

TEST(Affinity, RemembersExpiresAndEvicts) {
  AffinityTable t(8);
  RawAddr c1 = RawAddr::From(Ip("10.9.0.1"));
  RawAddr c6 = RawAddr::From(Ip("fd00::9"));
  EXPECT_EQ(t.Get(c1.b, kFamily4, 5, 100, 10), 0u);
  t.Put(c1.b, kFamily4, 5, 42, 100);
  t.Put(c6.b, kFamily6, 5, 43, 100);
  EXPECT_EQ(t.Get(c1.b, kFamily4, 5, 105, 10), 42u);
  EXPECT_EQ(t.Get(c1.b, kFamily4, 6, 105, 10), 0u);  // other service
  EXPECT_EQ(t.Get(c6.b, kFamily6, 5, 105, 10), 43u);
  EXPECT_EQ(t.Get(c1.b, kFamily4, 5, 114, 10), 42u);  // refreshed at 105
  EXPECT_EQ(t.Get(c1.b, kFamily4, 5, 200, 10), 0u);   // expired
  t.Put(c1.b, kFamily4, 5, 44, 200);
  EXPECT_EQ(t.Get(c1.b, kFamily4, 5, 201, 10), 44u);
  // A full table keeps working: the least recently used entry goes.
  for (uint32_t i = 0; i < 1000; ++i) {
    IpAddr a = Ip("10.8.0.0");
    a.bytes[2] = static_cast<uint8_t>(i >> 8);
    a.bytes[3] = static_cast<uint8_t>(i);
    RawAddr r = RawAddr::From(a);
    t.Put(r.b, kFamily4, 5, i + 1, 300 + i);
    EXPECT_EQ(t.Get(r.b, kFamily4, 5, 300 + i, 10), i + 1);
  }
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
