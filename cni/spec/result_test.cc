#include "cni/spec/result.h"

#include <gtest/gtest.h>

#include "cni/spec/version.h"

namespace skiff::cni {
namespace {

json::Value J(const char* text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

const char* kResult11 = R"({
  "cniVersion": "1.1.0",
  "interfaces": [{"name": "skf1", "mac": "aa:bb:cc:dd:ee:01", "mtu": 1400},
                 {"name": "eth0", "mac": "aa:bb:cc:dd:ee:02", "mtu": 1400,
                  "sandbox": "/var/run/netns/p", "socketPath": "/s", "pciID": "0000:00:01.0"}],
  "ips": [{"interface": 1, "address": "10.1.0.5/32", "gateway": "169.254.1.1"},
          {"interface": 1, "address": "fd00::5/128", "gateway": "fe80::1"}],
  "routes": [{"dst": "0.0.0.0/0", "gw": "169.254.1.1", "mtu": 1300, "advmss": 1200,
              "priority": 10, "table": 100, "scope": 0}],
  "dns": {"nameservers": ["10.96.0.10"], "domain": "cluster.local",
          "search": ["svc.cluster.local"], "options": ["ndots:5"]}
})";

TEST(Result, RoundTrip11) {
  auto r = ResultFromJson(J(kResult11), "1.1.0");
  ASSERT_TRUE(r.ok()) << r.error().msg();
  EXPECT_EQ(r->interfaces.size(), 2u);
  EXPECT_EQ(r->interfaces[1].sandbox, "/var/run/netns/p");
  EXPECT_EQ(*r->ips[1].interface, 1);
  EXPECT_EQ(r->routes[0].mtu, 1300);
  EXPECT_EQ(*r->routes[0].table, 100);
  EXPECT_EQ(r->dns.domain, "cluster.local");
  EXPECT_EQ(ResultToJson(*r, "1.1.0"), J(kResult11));
}

TEST(Result, OlderVersionsGetTheirShape) {
  auto r = ResultFromJson(J(kResult11), "1.1.0");
  ASSERT_TRUE(r.ok());
  json::Value v10 = ResultToJson(*r, "1.0.0");
  EXPECT_EQ(v10.Find("cniVersion")->as_string(), "1.0.0");
  const json::Value& itf = v10.Find("interfaces")->as_array()[1];
  EXPECT_EQ(itf.Find("mtu"), nullptr);
  EXPECT_EQ(itf.Find("socketPath"), nullptr);
  EXPECT_EQ(itf.Find("sandbox")->as_string(), "/var/run/netns/p");
  EXPECT_EQ(v10.Find("ips")->as_array()[0].Find("version"), nullptr);
  EXPECT_EQ(v10.Find("routes")->as_array()[0].Find("mtu"), nullptr);
  EXPECT_EQ(v10.Find("routes")->as_array()[0].Find("table"), nullptr);

  for (const char* old : {"0.3.0", "0.3.1", "0.4.0"}) {
    json::Value v = ResultToJson(*r, old);
    EXPECT_EQ(v.Find("cniVersion")->as_string(), old);
    EXPECT_EQ(v.Find("ips")->as_array()[0].Find("version")->as_string(), "4");
    EXPECT_EQ(v.Find("ips")->as_array()[1].Find("version")->as_string(), "6");
    // And it reads back in that version.
    auto back = ResultFromJson(v, old);
    ASSERT_TRUE(back.ok()) << back.error().msg();
    EXPECT_EQ(back->ips.size(), 2u);
  }
}

TEST(Result, EmptyResultStillHasDns) {
  CniResult r;
  json::Value v = ResultToJson(r, "1.0.0");
  EXPECT_EQ(json::Serialize(v), R"({"cniVersion":"1.0.0","dns":{}})");
}

TEST(Result, DecodingErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
    int code;
  } cases[] = {
      {R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.1"}]})", "result.ips[0].address",
       kDecodingFailure},
      {R"({"cniVersion":"1.0.0","ips":[{"gateway":"10.0.0.1"}]})", "result.ips[0].address",
       kDecodingFailure},
      {R"({"cniVersion":"0.4.0","ips":[{"address":"10.0.0.1/24"}]})", "result.ips[0].version",
       kDecodingFailure},
      {R"({"cniVersion":"0.4.0","ips":[{"version":"6","address":"10.0.0.1/24"}]})",
       "result.ips[0].version", kDecodingFailure},
      {R"({"cniVersion":"1.0.0","interfaces":[{"mac":"x"}]})", "result.interfaces[0].name",
       kDecodingFailure},
      {R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.1/24","interface":3}]})",
       "result.ips[0].interface", kDecodingFailure},
      {R"({"cniVersion":"1.0.0","routes":[{"dst":"10.0.0.0/8","gw":7}]})", "result.routes[0].gw",
       kDecodingFailure},
      {R"({"cniVersion":"0.2.0"})", "0.2.0", kIncompatibleVersion},
      {R"([])", "result", kDecodingFailure},
  };
  for (const Case& c : cases) {
    auto r = ResultFromJson(J(c.json), "1.0.0");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), c.code) << c.json;
    EXPECT_NE(r.error().msg().find(c.field), std::string::npos) << r.error().msg();
  }
}

TEST(Result, DefaultVersionApplies) {
  auto r = ResultFromJson(J(R"({"ips":[{"version":"4","address":"10.0.0.1/24"}]})"), "0.3.1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cni_version, "0.3.1");
}

TEST(Version, Ordering) {
  EXPECT_TRUE(VersionAtLeast("1.1.0", "1.0.0"));
  EXPECT_TRUE(VersionAtLeast("0.4.0", "0.4.0"));
  EXPECT_FALSE(VersionAtLeast("0.3.1", "0.4.0"));
  EXPECT_TRUE(VersionAtLeast("0.10.0", "0.4.0"));
  EXPECT_FALSE(VersionAtLeast("bogus", "0.1.0"));
  EXPECT_TRUE(ParseVersion("1.0").ok());
  EXPECT_FALSE(ParseVersion("1").ok());
  EXPECT_FALSE(ParseVersion("1.0.0.0").ok());
  EXPECT_FALSE(ParseVersion("1.x.0").ok());
  EXPECT_TRUE(IsSupportedVersion("0.3.0"));
  EXPECT_FALSE(IsSupportedVersion("0.2.0"));
  EXPECT_FALSE(IsSupportedVersion("1.2.0"));
}

TEST(ErrorJson, HasEveryKey) {
  Error e(kInvalidConfig, "name: missing");
  EXPECT_EQ(json::Serialize(e.ToJson("1.0.0")),
            R"({"cniVersion":"1.0.0","code":7,"msg":"name: missing","details":""})");
  EXPECT_EQ(e.WithContext("ipam").msg(), "ipam: name: missing");
}

}  // namespace
}  // namespace skiff::cni
