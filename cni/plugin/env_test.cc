#include "cni/plugin/env.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace skiff::cni::plugin {
namespace {

Expected<Env> Parse(std::map<std::string, std::string> vars) {
  return ParseEnv([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(PluginEnv, AddNeedsEverything) {
  auto e = Parse({{"CNI_COMMAND", "ADD"}});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), kInvalidEnvironment);
  EXPECT_EQ(e.error().msg(),
            "required env variables [CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH] missing");
  auto ok = Parse({{"CNI_COMMAND", "ADD"},
                   {"CNI_CONTAINERID", "c1"},
                   {"CNI_NETNS", "/run/netns/x"},
                   {"CNI_IFNAME", "eth0"},
                   {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"},
                   {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=a"}});
  ASSERT_TRUE(ok.ok()) << ok.error().msg();
  EXPECT_EQ(ok->verb, Verb::kAdd);
  EXPECT_EQ(ok->path, (std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"}));
  EXPECT_TRUE(ok->args.ignore_unknown);
}

TEST(PluginEnv, PerVerbRequirements) {
  // DEL does not need CNI_NETNS.
  EXPECT_TRUE(Parse({{"CNI_COMMAND", "DEL"},
                     {"CNI_CONTAINERID", "c1"},
                     {"CNI_IFNAME", "eth0"},
                     {"CNI_PATH", "/x"}})
                  .ok());
  EXPECT_EQ(Parse({{"CNI_COMMAND", "CHECK"},
                   {"CNI_CONTAINERID", "c1"},
                   {"CNI_IFNAME", "eth0"},
                   {"CNI_PATH", "/x"}})
                .error()
                .msg(),
            "required env variables [CNI_NETNS] missing");
  EXPECT_TRUE(Parse({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/x"}}).ok());
  EXPECT_TRUE(Parse({{"CNI_COMMAND", "STATUS"}, {"CNI_PATH", "/x"}}).ok());
  EXPECT_FALSE(Parse({{"CNI_COMMAND", "STATUS"}}).ok());
  EXPECT_TRUE(Parse({{"CNI_COMMAND", "VERSION"}}).ok());
}

TEST(PluginEnv, BadValues) {
  EXPECT_EQ(Parse({}).error().msg(), "required env variables [CNI_COMMAND] missing");
  auto unknown = Parse({{"CNI_COMMAND", "UPDATE"}});
  EXPECT_EQ(unknown.error().code(), kInvalidEnvironment);
  EXPECT_NE(unknown.error().msg().find("UPDATE"), std::string::npos);
  std::map<std::string, std::string> base = {{"CNI_COMMAND", "ADD"},
                                             {"CNI_CONTAINERID", "c1"},
                                             {"CNI_NETNS", "/n"},
                                             {"CNI_IFNAME", "eth0"},
                                             {"CNI_PATH", "/x"}};
  auto v = base;
  v["CNI_IFNAME"] = "a-very-long-ifname";
  EXPECT_EQ(Parse(v).error().code(), kInvalidEnvironment);
  v = base;
  v["CNI_CONTAINERID"] = "bad id";
  EXPECT_EQ(Parse(v).error().code(), kInvalidEnvironment);
  v = base;
  v["CNI_ARGS"] = "novalue";
  EXPECT_EQ(Parse(v).error().code(), kInvalidEnvironment);
}

}  // namespace
}  // namespace skiff::cni::plugin
