#include "cni/ipam/config.h"

#include <gtest/gtest.h>

namespace skiff::cni::ipam {
namespace {

json::Value J(const char* text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

Expected<Config> Parse(const char* ipam, const char* runtime = nullptr, const char* args = nullptr,
                       const char* cni_args = "") {
  json::Value rt = runtime ? J(runtime) : json::Value();
  json::Value a = args ? J(args) : json::Value();
  return ParseConfig(J(ipam), runtime ? &rt : nullptr, args ? &a : nullptr,
                     *ParseCniArgs(cni_args));
}

TEST(IpamConfig, CanonicalizesRanges) {
  auto c = Parse(R"({"ranges": [[{"subnet": "10.1.0.7/24"}], [{"subnet": "fd00:1::/64"}]]})");
  ASSERT_TRUE(c.ok()) << c.error().msg();
  ASSERT_EQ(c->range_sets.size(), 2u);
  const Range& r4 = c->range_sets[0][0];
  EXPECT_EQ(r4.subnet.ToString(), "10.1.0.0/24");
  EXPECT_EQ(r4.gateway.ToString(), "10.1.0.1");
  EXPECT_EQ(r4.start.ToString(), "10.1.0.1");
  EXPECT_EQ(r4.end.ToString(), "10.1.0.254");
  const Range& r6 = c->range_sets[1][0];
  EXPECT_EQ(r6.end.ToString(), "fd00:1::ffff:ffff:ffff:ffff");
  EXPECT_EQ(c->data_dir, std::string(kDefaultDataDir));
  EXPECT_TRUE(c->built_in());
}

TEST(IpamConfig, ExplicitRangeAndShorthand) {
  auto c = Parse(R"({"type": "skiff", "subnet": "10.2.0.0/16", "rangeStart": "10.2.1.0",
                     "rangeEnd": "10.2.1.9", "gateway": "10.2.0.254", "dataDir": "/tmp/x",
                     "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.96.0.0/12", "gw": "10.2.0.254"}]})");
  ASSERT_TRUE(c.ok()) << c.error().msg();
  EXPECT_EQ(c->range_sets[0][0].start.ToString(), "10.2.1.0");
  EXPECT_EQ(c->range_sets[0][0].end.ToString(), "10.2.1.9");
  EXPECT_EQ(c->range_sets[0][0].gateway.ToString(), "10.2.0.254");
  ASSERT_EQ(c->routes.size(), 2u);
  EXPECT_EQ(c->routes[1].gw->ToString(), "10.2.0.254");
  EXPECT_EQ(c->data_dir, "/tmp/x");
}

TEST(IpamConfig, RuntimeRangesWin) {
  auto c = Parse(R"({"ranges": [[{"subnet": "10.1.0.0/24"}]]})",
                 R"({"ipRanges": [[{"subnet": "10.244.3.0/24"}]]})");
  ASSERT_TRUE(c.ok()) << c.error().msg();
  EXPECT_EQ(c->range_sets[0][0].subnet.ToString(), "10.244.3.0/24");
  auto a = Parse(R"({})", nullptr, R"({"cni": {"ipRanges": [[{"subnet": "10.244.4.0/24"}]]}})");
  ASSERT_TRUE(a.ok()) << a.error().msg();
  EXPECT_EQ(a->range_sets[0][0].subnet.ToString(), "10.244.4.0/24");
}

TEST(IpamConfig, RequestedAddresses) {
  const char* ranges = R"({"ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "fd00::/64"}]]})";
  auto c = Parse(ranges, nullptr, nullptr, "IP=10.1.0.9,fd00::9");
  ASSERT_TRUE(c.ok()) << c.error().msg();
  ASSERT_EQ(c->requested.size(), 2u);
  EXPECT_EQ(c->requested[1].ToString(), "fd00::9");
  auto rt = Parse(ranges, R"({"ips": ["10.1.0.7/24"]})");
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ(rt->requested[0].ToString(), "10.1.0.7");
  auto bad = Parse(ranges, nullptr, nullptr, "IP=banana");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), kInvalidEnvironment);
  EXPECT_FALSE(Parse(ranges, nullptr, nullptr, "IP=10.1.0.1,10.1.0.2").ok());
  EXPECT_FALSE(Parse(R"({"subnet": "10.1.0.0/24"})", nullptr, nullptr, "IP=fd00::1").ok());
}

TEST(IpamConfig, DelegatedTypeIsNotInterpreted) {
  auto c = Parse(R"({"type": "host-local", "ranges": "whatever"})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->built_in());
}

TEST(IpamConfig, ErrorsNameTheField) {
  struct Case {
    const char* ipam;
    const char* needle;
  } cases[] = {
      {R"({})", "ipam.ranges"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/33"}]]})", "ipam.ranges[0][0].subnet"},
      {R"({"ranges": [[{}]]})", "ipam.ranges[0][0].subnet"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24", "rangeStart": "10.2.0.1"}]]})",
       "ipam.ranges[0][0].rangeStart"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.9", "rangeEnd": "10.1.0.2"}]]})",
       "ipam.ranges[0][0].rangeEnd"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24", "rangeEnd": "10.1.0.255"}]]})", "broadcast"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/31"}]]})", "too small"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24"}, {"subnet": "fd00::/64"}]]})", "mixes"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24"}, {"subnet": "10.1.0.0/25"}]]})", "overlaps"},
      {R"({"ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.2.0.0/24"}]]})",
       "same address family"},
      {R"({"ranges": []})", "ipam.ranges"},
      {R"({"ranges": [[]]})", "ipam.ranges[0]"},
      {R"({"ranges": 5})", "ipam.ranges"},
      {R"({"subnet": "10.1.0.0/24", "routes": [{"dst": "nope"}]})", "ipam.routes[0].dst"},
      {R"({"subnet": "10.1.0.0/24", "routes": [{"dst": "0.0.0.0/0", "gw": "fd00::1"}]})",
       "ipam.routes[0].gw"},
      {R"({"subnet": "10.1.0.0/24", "dataDir": "relative"})", "ipam.dataDir"},
      {R"({"type": 3})", "ipam.type"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.ipam);
    ASSERT_FALSE(r.ok()) << c.ipam;
    EXPECT_EQ(r.error().code(), kInvalidConfig) << c.ipam;
    EXPECT_NE(r.error().msg().find(c.needle), std::string::npos)
        << c.ipam << " -> " << r.error().msg();
  }
}

}  // namespace
}  // namespace skiff::cni::ipam
