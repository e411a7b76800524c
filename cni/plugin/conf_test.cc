#include "cni/plugin/conf.h"

#include <gtest/gtest.h>

namespace skiff::cni::plugin {
namespace {

Env MakeEnv(Verb verb, const char* cni_args = "") {
  Env env;
  env.verb = verb;
  env.container_id = "c1";
  env.ifname = "eth0";
  env.args = *ParseCniArgs(cni_args);
  return env;
}

Expected<NetConf> Parse(const char* text, Verb verb = Verb::kAdd, const char* cni_args = "") {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return ParseNetConf(*v, MakeEnv(verb, cni_args));
}

constexpr const char* kIpam = R"("ipam": {"subnet": "10.1.0.0/24"})";

std::string Conf(const std::string& extra, const std::string& version = "1.1.0") {
  return R"({"cniVersion": ")" + version + R"(", "name": "net", "type": "skiff-cni", )" + extra +
         (extra.empty() ? "" : ", ") + kIpam + "}";
}

TEST(NetConf, Defaults) {
  auto c = Parse(Conf("").c_str());
  ASSERT_TRUE(c.ok()) << c.error().msg();
  EXPECT_EQ(c->mode, Mode::kRouted);
  EXPECT_EQ(c->mtu, 0u);
  EXPECT_FALSE(c->ip_masq);
  EXPECT_EQ(c->bridge, "skiff0");
  EXPECT_FALSE(c->prev_result.has_value());
}

TEST(NetConf, FullBridgeConfig) {
  auto c = Parse(Conf(R"("mode": "bridge", "bridge": "br9", "mtu": 1400, "ipMasq": true,
                        "hairpinMode": true, "dns": {"nameservers": ["10.96.0.10"]},
                        "runtimeConfig": {"mac": "02:00:00:00:00:01",
                                          "dns": {"servers": ["1.1.1.1"], "searches": ["a"]}})")
                     .c_str());
  ASSERT_TRUE(c.ok()) << c.error().msg();
  EXPECT_EQ(c->mode, Mode::kBridge);
  EXPECT_EQ(c->bridge, "br9");
  EXPECT_EQ(c->mtu, 1400u);
  EXPECT_TRUE(c->ip_masq && c->hairpin);
  EXPECT_EQ(nl::MacToString(*c->mac), "02:00:00:00:00:01");
  EXPECT_EQ(c->dns.nameservers, std::vector<std::string>{"1.1.1.1"});
  EXPECT_EQ(c->dns.search, std::vector<std::string>{"a"});
}

TEST(NetConf, ErrorCodes) {
  struct Case {
    std::string text;
    Verb verb;
    int code;
    const char* needle;
  } cases[] = {
      {"[1]", Verb::kAdd, kDecodingFailure, "JSON object"},
      {R"({"name": "n", "ipam": {}})", Verb::kAdd, kInvalidConfig, "cniVersion"},
      {R"({"cniVersion": "1.0.0", "ipam": {}})", Verb::kAdd, kInvalidConfig, "name"},
      {R"({"cniVersion": "0.2.0", "name": "n"})", Verb::kAdd, kIncompatibleVersion, "0.2.0"},
      {R"({"cniVersion": "9.9.9", "name": "n"})", Verb::kAdd, kIncompatibleVersion, "9.9.9"},
      {Conf("", "0.3.1"), Verb::kCheck, kIncompatibleVersion, "CHECK"},
      {Conf("", "1.0.0"), Verb::kGc, kIncompatibleVersion, "GC"},
      {Conf("", "1.0.0"), Verb::kStatus, kIncompatibleVersion, "STATUS"},
      {Conf(R"("mode": "vxlan")"), Verb::kAdd, kUnsupportedField, "mode=\"vxlan\""},
      {Conf(R"("mtu": 70000)"), Verb::kAdd, kInvalidConfig, "mtu"},
      {Conf(R"("mtu": "1500")"), Verb::kAdd, kInvalidConfig, "mtu"},
      {Conf(R"("ipMasq": "yes")"), Verb::kAdd, kInvalidConfig, "ipMasq"},
      {Conf(R"("bridge": "has space")"), Verb::kAdd, kInvalidConfig, "bridge"},
      {R"({"cniVersion": "1.0.0", "name": "-bad"})", Verb::kAdd, kInvalidConfig, "name"},
      {R"({"cniVersion": "1.0.0", "name": "n"})", Verb::kAdd, kInvalidConfig, "ipam"},
      {Conf(R"("runtimeConfig": {"mac": "zz"})"), Verb::kAdd, kInvalidConfig, "runtimeConfig.mac"},
      {Conf(R"("prevResult": {"cniVersion": "1.1.0", "ips": [{"address": "x"}]})"), Verb::kAdd,
       kDecodingFailure, "prevResult"},
      {Conf(""), Verb::kGc, kInvalidConfig, "cni.dev/valid-attachments"},
      {Conf(R"("cni.dev/valid-attachments": [{"containerID": "a"}])"), Verb::kGc, kInvalidConfig,
       "cni.dev/valid-attachments[0].ifname"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.text.c_str(), c.verb);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code(), c.code) << c.text << " -> " << r.error().msg();
    EXPECT_NE(r.error().msg().find(c.needle), std::string::npos)
        << c.text << " -> " << r.error().msg();
  }
}

TEST(NetConf, CniArgsIgnoreUnknown) {
  auto bad = Parse(Conf("").c_str(), Verb::kAdd, "FOO=bar");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), kInvalidEnvironment);
  EXPECT_TRUE(Parse(Conf("").c_str(), Verb::kAdd, "FOO=bar;IgnoreUnknown=1").ok());
  EXPECT_TRUE(Parse(Conf("").c_str(), Verb::kAdd, "K8S_POD_NAME=p;K8S_POD_NAMESPACE=d").ok());
  auto mac = Parse(Conf("").c_str(), Verb::kAdd, "MAC=02:11:22:33:44:55");
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(nl::MacToString(*mac->mac), "02:11:22:33:44:55");
}

TEST(NetConf, DelWithoutRangesIsFine) {
  auto c = Parse(R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"type": "skiff"}})", Verb::kDel);
  ASSERT_TRUE(c.ok()) << c.error().msg();
  auto add = Parse(R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"type": "skiff"}})");
  ASSERT_FALSE(add.ok());
  EXPECT_EQ(add.error().code(), kInvalidConfig);
}

TEST(NetConf, IpamMayComeFromTheRuntimeAlone) {
  auto c = Parse(R"({"cniVersion": "1.0.0", "name": "n", "type": "skiff-cni",
                     "runtimeConfig": {"ipRanges": [[{"subnet": "10.244.0.0/24"}]]}})");
  ASSERT_TRUE(c.ok()) << c.error().msg();
  EXPECT_TRUE(c->ipam.built_in());
  EXPECT_EQ(c->ipam.range_sets[0][0].subnet.ToString(), "10.244.0.0/24");
  auto none = Parse(R"({"cniVersion": "1.0.0", "name": "n", "type": "skiff-cni"})");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().msg().find("ipam.ranges"), std::string::npos);
}

TEST(NetConf, ValidAttachments) {
  auto c = Parse(
      Conf(R"("cni.dev/valid-attachments": [{"containerID": "a", "ifname": "eth0"}])").c_str(),
      Verb::kGc);
  ASSERT_TRUE(c.ok()) << c.error().msg();
  ASSERT_EQ(c->valid_attachments.size(), 1u);
  EXPECT_EQ(c->valid_attachments[0].container_id, "a");
}

}  // namespace
}  // namespace skiff::cni::plugin
