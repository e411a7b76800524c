#include "dataplane/dpdk/neighbors.h"

#include <gtest/gtest.h>

#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {
namespace {

IpAddr Ip(const char* s) {
  return IpAddr::Parse(s).value();
}

// Services with backends 10.0.0.11 (on link), 192.0.2.5 (via the gateway)
// and fd00::11 (on link).
std::shared_ptr<const ServiceTables> Services() {
  State st;
  st.backends[1] = Backend{Ip("10.0.0.11"), 80, Protocol::kTCP, true};
  st.backends[2] = Backend{Ip("192.0.2.5"), 80, Protocol::kTCP, true};
  st.backends[3] = Backend{Ip("fd00::11"), 80, Protocol::kTCP, true};
  BackendSet s4, s6;
  s4.members = {{1, 1, false}, {2, 1, false}};
  s6.members = {{3, 1, false}};
  st.sets[1] = s4;
  st.sets[2] = s6;
  st.frontends[FrontendKey{Ip("10.96.0.1"), 80, Protocol::kTCP}] =
      FrontendValue{1, 1, 0, 2, 0, Scope::kCluster};
  st.frontends[FrontendKey{Ip("fd00:96::1"), 80, Protocol::kTCP}] =
      FrontendValue{1, 2, 0, 1, 0, Scope::kCluster};
  std::map<uint32_t, std::shared_ptr<const SetTable>> sets;
  sets[1] = SetTable::Build(1, s4, st.backends, 7).value();
  sets[2] = SetTable::Build(2, s6, st.backends, 7).value();
  return ServiceTables::Build(st, sets).value();
}

struct Probe {
  uint16_t port;
  uint8_t family;
  RawAddr src, target;
};

class NeighborsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PortInfo p;
    p.port_id = 0;
    auto spec = ParsePortSpec("x;addr=10.0.0.1/24;addr=fd00::1/64;gw=10.0.0.254", "f").value();
    p.addresses = spec.addresses;
    p.gateway4 = RawAddr::From(*spec.gateway4);
    services_ = Services();
    mgr_ = std::make_unique<NeighborManager>(
        std::vector<PortInfo>{p}, [this] { return services_; },
        [this](std::shared_ptr<const NetTables> n) {
          published_ = n;
          ++publishes_;
        },
        [this](uint16_t port, uint8_t family, const RawAddr& src, const RawAddr& target) {
          probes_.push_back({port, family, src, target});
          return true;
        });
  }

  size_t ProbesFor(const char* ip) const {
    size_t n = 0;
    for (const auto& p : probes_)
      n += p.target == RawAddr::From(Ip(ip)) ? 1 : 0;
    return n;
  }

  Learned Learn(const char* ip, uint8_t last) {
    Learned l;
    IpAddr a = Ip(ip);
    l.key = NeighborKey{0, a.is_v4() ? kFamily4 : kFamily6, RawAddr::From(a)};
    l.mac = Mac{{0x0a, 0, 0, 0, 0, last}};
    return l;
  }

  std::shared_ptr<const ServiceTables> services_;
  std::unique_ptr<NeighborManager> mgr_;
  std::shared_ptr<const NetTables> published_;
  int publishes_ = 0;
  std::vector<Probe> probes_;
};

TEST_F(NeighborsTest, ProbesWhatTheTablesNeedOncePerSecondUntilAnswered) {
  mgr_->Tick(1000);
  // On-link backends and the gateway (for the off-link one), IPv4 and IPv6.
  EXPECT_EQ(ProbesFor("10.0.0.11"), 1u);
  EXPECT_EQ(ProbesFor("10.0.0.254"), 1u);
  EXPECT_EQ(ProbesFor("fd00::11"), 1u);
  EXPECT_EQ(ProbesFor("192.0.2.5"), 0u);
  EXPECT_EQ(probes_.size(), 3u);
  for (const auto& p : probes_)
    EXPECT_EQ(p.src, RawAddr::From(Ip(p.family == kFamily4 ? "10.0.0.1" : "fd00::1")));
  EXPECT_EQ(mgr_->wanted_unresolved(), 3u);
  mgr_->Tick(1500);
  EXPECT_EQ(probes_.size(), 3u);  // not again within a second
  mgr_->Tick(2001);
  EXPECT_EQ(probes_.size(), 6u);

  Learned l[2] = {Learn("10.0.0.11", 11), Learn("fd00::11", 12)};
  mgr_->Learn(l, 2, 2100);
  mgr_->Tick(2100);
  ASSERT_TRUE(published_);
  NextHop nh;
  RawAddr b = RawAddr::From(Ip("10.0.0.11"));
  ASSERT_TRUE(published_->Resolve(b.b, kFamily4, &nh));
  EXPECT_EQ(nh.mac[5], 11);
  EXPECT_EQ(mgr_->wanted_unresolved(), 1u);  // the gateway
  mgr_->Tick(3200);
  EXPECT_EQ(ProbesFor("10.0.0.11"), 2u);  // resolved: no more probes
  EXPECT_EQ(ProbesFor("10.0.0.254"), 3u);
  // Refreshed after 30 s.
  mgr_->Tick(2100 + 30001);
  EXPECT_EQ(ProbesFor("10.0.0.11"), 3u);
}

TEST_F(NeighborsTest, PublishesOnlyOnChangeAndForgetsUnusedEntries) {
  mgr_->Tick(0);
  int base = publishes_;
  Learned a = Learn("10.0.0.50", 50);
  mgr_->Learn(&a, 1, 10);
  mgr_->Tick(10);
  EXPECT_EQ(publishes_, base + 1);
  mgr_->Learn(&a, 1, 20);  // same MAC: nothing new
  mgr_->Tick(20);
  EXPECT_EQ(publishes_, base + 1);
  Learned moved = Learn("10.0.0.50", 51);
  mgr_->Learn(&moved, 1, 30);
  mgr_->Tick(30);
  EXPECT_EQ(publishes_, base + 2);
  EXPECT_EQ(mgr_->resolved(), 1u);
  mgr_->Tick(30 + 600001);  // unused for 10 minutes
  EXPECT_EQ(mgr_->resolved(), 0u);
  EXPECT_EQ(publishes_, base + 3);
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
