#include "dataplane/dpdk/engine.h"

#include <gtest/gtest.h>

namespace skiff::dataplane::dpdk {
namespace {

IpAddr Ip(const char* s) {
  return IpAddr::Parse(s).value();
}

ChangeSet OneService(uint32_t svc, uint32_t set, uint32_t b1, uint32_t b2, const char* vip) {
  ChangeSet cs;
  cs.add_backends = {{b1, Backend{Ip("10.1.0.1"), 8080, Protocol::kTCP, true}},
                     {b2, Backend{Ip("10.1.0.2"), 8080, Protocol::kTCP, true}}};
  BackendSet s;
  s.members = {{b1, 1, false}, {b2, 1, false}};
  cs.add_sets = {{set, s}};
  ServicePortInfo info;
  info.name = "default/web";
  info.port = 80;
  info.sets[kSetCluster4] = set;
  cs.upsert_services = {{svc, info}};
  cs.upsert_frontends = {{FrontendKey{Ip(vip), 80, Protocol::kTCP},
                          FrontendValue{svc, set, 0, 2, 0, Scope::kCluster}}};
  return cs;
}

TEST(Engine, AppliesAndPublishesANewGeneration) {
  Publisher pub;
  CounterSet counters(1, 64, 64);
  DpdkEngine e(&pub, &counters, EngineLimits{7, 64, 64, 16});
  uint64_t gen0 = pub.Current()->generation;
  ASSERT_TRUE(e.Apply(OneService(1, 1, 1, 2, "10.96.0.1")).ok());
  EXPECT_GT(pub.Current()->generation, gen0);
  EXPECT_EQ(pub.Current()->services->frontends(), 1u);
  EXPECT_EQ(e.installed().sets.size(), 1u);
  ASSERT_NE(e.set(1), nullptr);
  RawAddr vip = RawAddr::From(Ip("10.96.0.1"));
  const FrontendEntry* fe = pub.Current()->services->Find(vip.b, kFamily4, 0x5000, 6);
  ASSERT_NE(fe, nullptr);
  EXPECT_EQ(fe->set, e.set(1).get());
  EXPECT_TRUE(e.ReadInstalled().ok());
  EXPECT_EQ(e.ReadInstalled()->frontends.size(), 1u);
}

TEST(Engine, CapacityErrorsNameTheFlagAndChangeNothing) {
  Publisher pub;
  DpdkEngine e(&pub, nullptr, EngineLimits{7, 8, 8, 1});
  ASSERT_TRUE(e.Apply(OneService(1, 1, 1, 2, "10.96.0.1")).ok());
  uint64_t gen = pub.Current()->generation;
  State before = e.installed();
  auto too_many_frontends = e.Apply(OneService(2, 2, 3, 4, "10.96.0.2"));
  ASSERT_FALSE(too_many_frontends.ok());
  EXPECT_EQ(too_many_frontends.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_many_frontends.message().find("--max-frontends"), std::string::npos);
  auto svc_id = e.Apply(OneService(9, 2, 3, 4, "10.96.0.1"));
  ASSERT_FALSE(svc_id.ok());
  EXPECT_NE(svc_id.message().find("--max-services"), std::string::npos);
  auto be_id = e.Apply(OneService(2, 2, 3, 8, "10.96.0.1"));
  ASSERT_FALSE(be_id.ok());
  EXPECT_NE(be_id.message().find("--max-backends"), std::string::npos);
  // A set with a member nobody added: INTERNAL, nothing published.
  ChangeSet broken;
  BackendSet s;
  s.members = {{7, 1, false}};
  broken.add_sets = {{3, s}};
  auto bad = e.Apply(broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), StatusCode::kInternal);
  EXPECT_EQ(pub.Current()->generation, gen);
  EXPECT_EQ(e.installed(), before);
}

TEST(Engine, CountersOfAReusedIdStartFromZero) {
  Publisher pub;
  CounterSet counters(2, 64, 64);
  DpdkEngine e(&pub, &counters, EngineLimits{7, 64, 64, 16});
  ASSERT_TRUE(e.Apply(OneService(1, 1, 1, 2, "10.96.0.1")).ok());
  Bump(counters.worker(0).service(1)->packets, 5);
  Bump(counters.worker(1).service(1)->packets, 2);
  EXPECT_EQ(counters.Service(1).packets, 7u);
  // The same id now names another Service port.
  ChangeSet cs = OneService(1, 1, 1, 2, "10.96.0.1");
  cs.add_backends.clear();
  cs.add_sets.clear();
  cs.upsert_services[0].second.name = "default/other";
  ASSERT_TRUE(e.Apply(cs).ok());
  EXPECT_EQ(counters.Service(1).packets, 0u);
  Bump(counters.worker(0).service(1)->packets, 3);
  EXPECT_EQ(counters.Service(1).packets, 3u);
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
