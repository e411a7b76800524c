#include "cni/spec/ip.h"

#include <gtest/gtest.h>

namespace skiff::cni {
namespace {

IpAddr Ip(const char* s) {
  auto r = ParseIp(s);
  EXPECT_TRUE(r.ok()) << s;
  return *r;
}

TEST(Ip, ParseAndFormat) {
  EXPECT_EQ(Ip("10.1.2.3").ToString(), "10.1.2.3");
  EXPECT_EQ(Ip("10.1.2.3").family, 4);
  EXPECT_EQ(Ip("FD00:0:0::1").ToString(), "fd00::1");
  EXPECT_EQ(Ip("fd00::1").family, 6);
  EXPECT_FALSE(ParseIp("10.1.2").ok());
  EXPECT_FALSE(ParseIp("").ok());
  EXPECT_FALSE(ParseIp("10.1.2.3/24").ok());
  EXPECT_NE(ParseIp("nope").status().message().find("\"nope\""), std::string::npos);
}

TEST(Ip, Prefixes) {
  auto p = ParsePrefix("10.1.2.3/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ToString(), "10.1.2.3/24");
  EXPECT_EQ(p->Network().ToString(), "10.1.2.0");
  EXPECT_EQ(p->Last().ToString(), "10.1.2.255");
  EXPECT_TRUE(p->Contains(Ip("10.1.2.200")));
  EXPECT_FALSE(p->Contains(Ip("10.1.3.1")));
  EXPECT_FALSE(p->Contains(Ip("fd00::1")));
  auto v6 = ParsePrefix("fd00:1::/64");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->Last().ToString(), "fd00:1::ffff:ffff:ffff:ffff");
  EXPECT_TRUE(ParsePrefix("0.0.0.0/0")->Contains(Ip("1.2.3.4")));
  EXPECT_TRUE(ParsePrefix("10.0.0.0/8")->Overlaps(*ParsePrefix("10.5.0.0/16")));
  EXPECT_FALSE(ParsePrefix("10.0.0.0/16")->Overlaps(*ParsePrefix("10.1.0.0/16")));
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "fd00::/129", "x/8",
                          "10.0.0.0/", "10.0.0.0/8x"}) {
    EXPECT_FALSE(ParsePrefix(bad).ok()) << bad;
  }
}

TEST(Ip, Arithmetic) {
  bool wrapped = true;
  EXPECT_EQ(AddOffset(Ip("10.0.0.255"), 1, &wrapped).ToString(), "10.0.1.0");
  EXPECT_FALSE(wrapped);
  EXPECT_EQ(AddOffset(Ip("10.0.1.0"), -1).ToString(), "10.0.0.255");
  EXPECT_EQ(AddOffset(Ip("255.255.255.255"), 1, &wrapped).ToString(), "0.0.0.0");
  EXPECT_TRUE(wrapped);
  EXPECT_EQ(AddOffset(Ip("fd00::ffff"), 1).ToString(), "fd00::1:0");
  EXPECT_EQ(AddOffset(Ip("10.0.0.0"), 70000).ToString(), "10.1.17.112");
  EXPECT_EQ(CountInclusive(Ip("10.0.0.1"), Ip("10.0.0.254")), 254u);
  EXPECT_EQ(CountInclusive(Ip("10.0.0.5"), Ip("10.0.0.4")), 0u);
  EXPECT_EQ(CountInclusive(Ip("fd00::1"), Ip("fd00::10")), 16u);
  EXPECT_EQ(CountInclusive(Ip("fd00::"), Ip("fd00::ffff:ffff:ffff:ffff")), uint64_t{1} << 62);
  EXPECT_LT(Ip("10.0.0.1"), Ip("10.0.0.2"));
  EXPECT_TRUE(Ip("169.254.1.1").is_link_local());
  EXPECT_TRUE(Ip("fe80::1").is_link_local());
  EXPECT_FALSE(Ip("fd00::1").is_link_local());
}

}  // namespace
}  // namespace skiff::cni
