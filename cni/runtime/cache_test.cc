#include "cni/runtime/cache.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace skiff::cni::runtime {
namespace {

TEST(Base64, RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "{\"cniVersion\":\"1.0.0\"}\n"}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_FALSE(Base64Decode("a=bc").ok());
  EXPECT_FALSE(Base64Decode("ab!c").ok());
}

TEST(ResultCache, WriteReadListRemove) {
  char tmpl[] = "/tmp/skiff-cni-cache-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ResultCache cache(tmpl);
  CachedAttachment a;
  a.network = "net";
  a.container_id = "c1";
  a.ifname = "eth0";
  a.netns = "/run/netns/p";
  a.cni_args = {{"K8S_POD_NAME", "web"}};
  a.capability_args.Set("portMappings", json::Array{json::Object{{"hostPort", 8080}}});
  a.config_bytes = R"({"name":"net"})";
  a.result = json::Object{{"cniVersion", "1.0.0"}};
  ASSERT_TRUE(cache.Write(a).ok());
  EXPECT_EQ(cache.PathFor("net", "c1", "eth0"), std::string(tmpl) + "/results/net-c1-eth0");
  auto r = cache.Read("net", "c1", "eth0");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->netns, "/run/netns/p");
  EXPECT_EQ((*r)->cni_args[0].second, "web");
  EXPECT_EQ((*r)->config_bytes, a.config_bytes);
  EXPECT_EQ((*r)->result, a.result);
  EXPECT_EQ((*r)->capability_args.Find("portMappings")->as_array().size(), 1u);

  CachedAttachment other = a;
  other.network = "net-2";  // shares the "net-" prefix of the file name
  ASSERT_TRUE(cache.Write(other).ok());
  EXPECT_EQ(cache.List("net")->size(), 1u);
  EXPECT_EQ(cache.List("")->size(), 2u);
  ASSERT_TRUE(cache.Remove("net", "c1", "eth0").ok());
  ASSERT_TRUE(cache.Remove("net", "c1", "eth0").ok());
  EXPECT_FALSE(cache.Read("net", "c1", "eth0")->has_value());
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace skiff::cni::runtime
