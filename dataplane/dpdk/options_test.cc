#include "dataplane/dpdk/options.h"

#include <gtest/gtest.h>

#include "dataplane/dpdk/eal.h"

namespace skiff::dataplane::dpdk {
namespace {

TEST(PortSpec, ParsesDevargsAddressesAndGateways) {
  auto p = ParsePortSpec("net_af_packet0,iface=lb0;addr=10.0.0.1/24;addr=fd00::1/64;gw=10.0.0.254",
                         "--dpdk-port");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->devargs, "net_af_packet0,iface=lb0");
  EXPECT_EQ(p->name(), "net_af_packet0");
  ASSERT_EQ(p->addresses.size(), 2u);
  EXPECT_EQ(p->addresses[0].addr.ToString(), "10.0.0.1");
  EXPECT_EQ(p->addresses[0].prefix_len, 24);
  EXPECT_EQ(p->addresses[1].prefix_len, 64);
  ASSERT_TRUE(p->gateway4.has_value());
  EXPECT_EQ(p->gateway4->ToString(), "10.0.0.254");
  EXPECT_FALSE(p->gateway6.has_value());
}

TEST(PortSpec, BadFieldsNameTheFlagAndField) {
  auto a = ParsePortSpec("net_tap0;addr=10.0.0.1", "--dpdk-port");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("--dpdk-port"), std::string::npos);
  EXPECT_NE(a.status().message().find("addr=10.0.0.1"), std::string::npos);
  auto b = ParsePortSpec("net_tap0;addr=10.0.0.1/33", "--dpdk-port");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("prefix length"), std::string::npos);
  auto c = ParsePortSpec("net_tap0;mtu=9000", "--dpdk-port");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("\"mtu\""), std::string::npos);
  auto d = ParsePortSpec(";addr=10.0.0.1/24", "--dpdk-port");
  EXPECT_FALSE(d.ok());
  auto e = ParsePortSpec("net_tap0;gw=10.0.0.1;gw=10.0.0.2", "--dpdk-port");
  EXPECT_FALSE(e.ok());
  auto f = ParsePortSpec("net_tap0;gw=banana", "--dpdk-port");
  EXPECT_FALSE(f.ok());
}

TEST(PortAddress, Contains) {
  auto p = ParsePortSpec("x;addr=10.1.2.3/23;addr=fd00:1::5/120", "f").value();
  EXPECT_TRUE(p.addresses[0].Contains(IpAddr::Parse("10.1.3.200").value()));
  EXPECT_FALSE(p.addresses[0].Contains(IpAddr::Parse("10.1.4.1").value()));
  EXPECT_FALSE(p.addresses[0].Contains(IpAddr::Parse("fd00:1::5").value()));
  EXPECT_TRUE(p.addresses[1].Contains(IpAddr::Parse("fd00:1::ff").value()));
  EXPECT_FALSE(p.addresses[1].Contains(IpAddr::Parse("fd00:1::1:0").value()));
}

TEST(Lists, CpuListPortRangeBadClasses) {
  auto c = ParseCpuList("3,1-2,2", "--dpdk-lcores");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(ParseCpuList("2-1", "--dpdk-lcores").ok());
  EXPECT_FALSE(ParseCpuList("x", "--dpdk-lcores").ok());
  auto r = ParsePortRange("1000-2000", "--dpdk-snat-ports");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 1000);
  EXPECT_EQ(r->second, 2000);
  EXPECT_FALSE(ParsePortRange("2000-1000", "--dpdk-snat-ports").ok());
  EXPECT_FALSE(ParsePortRange("0-10", "--dpdk-snat-ports").ok());
  EXPECT_FALSE(ParsePortRange("1-70000", "--dpdk-snat-ports").ok());
  auto b = ParseBadClasses("fragment,non-ip,fragment", "--dpdk-pass");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 2u);
  auto bad = ParseBadClasses("fragment,jumbo", "--dpdk-pass");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("jumbo"), std::string::npos);
}

DpdkOptions Good() {
  DpdkOptions o;
  o.ports.push_back(ParsePortSpec("net_af_packet0,iface=x;addr=10.0.0.1/24", "f").value());
  return o;
}

TEST(Validate, AcceptsAMinimalConfiguration) {
  EXPECT_TRUE(Validate(Good()).ok());
}

TEST(Validate, NamesTheOptionToChange) {
  auto expect = [](const DpdkOptions& o, const char* needle) {
    Status s = Validate(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  DpdkOptions o = Good();
  o.ports.clear();
  expect(o, "--dpdk-port");
  o = Good();
  o.ports[0].addresses.clear();
  expect(o, "addr=");
  o = Good();
  o.ports.push_back(o.ports[0]);
  expect(o, "twice");
  o = Good();
  o.ports[0].gateway4 = IpAddr::Parse("192.168.0.1").value();
  expect(o, "gw=");
  o = Good();
  o.pass = {BadClass::kFragment};
  expect(o, "--dpdk-exception-port");
  o = Good();
  o.maglev_size = 16380;
  expect(o, "--maglev-table-size");
  o = Good();
  o.snat_ports = {1000, 1010};
  expect(o, "--dpdk-snat-ports");
  o = Good();
  o.rx_desc = 1000;
  expect(o, "--dpdk-rx-desc");
  o = Good();
  o.exception_port = "net_af_packet0,iface=y";
  expect(o, "--dpdk-exception-port");
}

TEST(PlanEal, HugepagesAutoFallsBackWithAWarning) {
  DpdkOptions o = Good();
  HugepageInfo none;
  auto p = PlanEal(o, none, {0, 1});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->no_huge);
  ASSERT_EQ(p->warnings.size(), 1u);
  EXPECT_NE(p->warnings[0].find("--no-huge"), std::string::npos);
  EXPECT_EQ(p->worker_cpus, (std::vector<int>{1}));
  auto has = [&](const std::string& a) {
    return std::find(p->args.begin(), p->args.end(), a) != p->args.end();
  };
  EXPECT_TRUE(has("--no-huge"));
  EXPECT_TRUE(has("--vdev=net_af_packet0,iface=x"));
  EXPECT_TRUE(has("--no-pci"));
  EXPECT_TRUE(has("--lcores=0@(0,1),1@1"));

  HugepageInfo plenty{1024, 1024, 2048};
  auto q = PlanEal(o, plenty, {0, 1});
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->no_huge);
  EXPECT_TRUE(q->warnings.empty());
}

TEST(PlanEal, HugepagesOnWithoutPagesIsAClearError) {
  DpdkOptions o = Good();
  o.hugepages = HugepageMode::kOn;
  auto p = PlanEal(o, HugepageInfo{}, {0, 1});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find("--dpdk-hugepages"), std::string::npos);
  EXPECT_NE(p.status().message().find("nr_hugepages"), std::string::npos);
}

TEST(PlanEal, LcoresOutsideTheAffinityAreRejected) {
  DpdkOptions o = Good();
  o.worker_cpus = {5};
  auto p = PlanEal(o, HugepageInfo{}, {0, 1});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("--dpdk-lcores"), std::string::npos);
}

TEST(PlanEal, PciDevicesAreAllowListed) {
  DpdkOptions o = Good();
  o.ports[0].devargs = "0000:03:00.0";
  auto p = PlanEal(o, HugepageInfo{}, {0});
  ASSERT_TRUE(p.ok());
  EXPECT_NE(std::find(p->args.begin(), p->args.end(), "--allow=0000:03:00.0"), p->args.end());
  EXPECT_EQ(std::find(p->args.begin(), p->args.end(), "--no-pci"), p->args.end());
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
