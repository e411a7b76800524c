#include "cni/plugin/masq.h"

#include <gtest/gtest.h>

#include "cni/plugin/names.h"

namespace skiff::cni::plugin {
namespace {

TEST(Names, HostVethNameIsStableAndShort) {
  std::string a = HostVethName("container-1", "eth0");
  EXPECT_EQ(a.size(), 14u);
  EXPECT_EQ(a.substr(0, 3), "skf");
  EXPECT_EQ(a, HostVethName("container-1", "eth0"));
  EXPECT_NE(a, HostVethName("container-1", "eth1"));
  EXPECT_NE(a, HostVethName("container-2", "eth0"));
  EXPECT_NE(HostVethName("ab", "c"), HostVethName("a", "bc"));
}

TEST(Masq, AddScriptIsIdempotentAndPerFamily) {
  std::string tag = "n" + NetworkTag("net");
  std::string s = MasqAddScript("net", {*ParseIp("10.1.0.5"), *ParseIp("fd00::5")},
                                {*ParsePrefix("10.1.0.0/24"), *ParsePrefix("fd00::/64")});
  EXPECT_NE(s.find("add chain inet skiff_cni " + tag + " { type nat hook postrouting"),
            std::string::npos);
  // The rule is recreated after a flush, never appended twice.
  EXPECT_LT(s.find("flush chain inet skiff_cni " + tag), s.find("add rule"));
  EXPECT_NE(s.find("ip saddr @" + tag + "_src4 ip daddr != @" + tag + "_dst4 masquerade"),
            std::string::npos);
  EXPECT_NE(s.find("ip6 saddr @" + tag + "_src6 ip6 daddr != @" + tag + "_dst6 masquerade"),
            std::string::npos);
  EXPECT_NE(s.find("add element inet skiff_cni " + tag + "_src4 { 10.1.0.5 }"), std::string::npos);
  EXPECT_NE(s.find("add element inet skiff_cni " + tag + "_dst6 { fd00::/64 }"), std::string::npos);
}

TEST(Masq, DelScriptToleratesMissingStateAndCleansUpLastPod) {
  std::string tag = "n" + NetworkTag("net");
  std::string s = MasqDelScript("net", {*ParseIp("10.1.0.5")}, false);
  // Adding first makes the delete valid even if the element never existed.
  EXPECT_LT(s.find("add element inet skiff_cni " + tag + "_src4 { 10.1.0.5 }"),
            s.find("delete element inet skiff_cni " + tag + "_src4 { 10.1.0.5 }"));
  EXPECT_EQ(s.find("delete chain"), std::string::npos);
  std::string last = MasqDelScript("net", {*ParseIp("10.1.0.5")}, true);
  EXPECT_NE(last.find("delete chain inet skiff_cni " + tag), std::string::npos);
  EXPECT_NE(last.find("delete set inet skiff_cni " + tag + "_dst6"), std::string::npos);
}

}  // namespace
}  // namespace skiff::cni::plugin
