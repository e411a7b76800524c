#include "common/cidr.h"

#include <gtest/gtest.h>

namespace skiff::net {
namespace {

TEST(Cidr, ParsesAndIndexesV4) {
  auto c = Cidr::Parse("10.96.0.0/12");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Size(), 1u << 20);
  EXPECT_EQ(c->AddressAt(10).ToString(), "10.96.0.10");
  EXPECT_EQ(c->AddressAt(256 + 1).ToString(), "10.96.1.1");
  EXPECT_EQ(*c->IndexOf(*IpAddress::Parse("10.96.1.1")), 257u);
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("10.112.0.0")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("fd00::1")));
  EXPECT_EQ(c->ToString(), "10.96.0.0/12");
}

TEST(Cidr, ParsesAndIndexesV6) {
  auto c = Cidr::Parse("fd00:10:96::/112");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Size(), 65536u);
  EXPECT_EQ(c->AddressAt(0xa).ToString(), "fd00:10:96::a");
  EXPECT_EQ(*c->IndexOf(*IpAddress::Parse("fd00:10:96::ff")), 255u);
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("fd00:10:96::1:0")));
}

TEST(Cidr, Subnets) {
  auto c = *Cidr::Parse("10.244.0.0/16");
  EXPECT_EQ(c.SubnetCount(24), 256u);
  EXPECT_EQ(c.Subnet(24, 0)->ToString(), "10.244.0.0/24");
  EXPECT_EQ(c.Subnet(24, 5)->ToString(), "10.244.5.0/24");
  EXPECT_EQ(c.Subnet(24, 255)->ToString(), "10.244.255.0/24");
  EXPECT_FALSE(c.Subnet(24, 256).has_value());
  auto v6 = *Cidr::Parse("fd00:10:244::/56");
  EXPECT_EQ(v6.Subnet(64, 3)->ToString(), "fd00:10:244:3::/64");
}

TEST(Cidr, RejectsBadInput) {
  EXPECT_FALSE(Cidr::Parse("10.0.0.1/24").ok());  // host bits
  EXPECT_FALSE(Cidr::Parse("10.0.0.0").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(Cidr::Parse("nope/8").ok());
  EXPECT_FALSE(IpAddress::Parse("1.2.3").ok());
}

}  // namespace
}  // namespace skiff::net
