#include "api/names.h"

#include <gtest/gtest.h>

namespace skiff::api {
namespace {

bool Ok(const Problems& p) {
  return p.empty();
}

TEST(NamesTest, DNS1123Label) {
  for (const char* good : {"a", "web", "web-1", "1abc", "a-b-c", "0"}) {
    EXPECT_TRUE(Ok(CheckDNS1123Label(good))) << good;
  }
  for (const char* bad : {"", "-a", "a-", "A", "a_b", "a.b", "web 1"}) {
    EXPECT_FALSE(Ok(CheckDNS1123Label(bad))) << bad;
  }
  EXPECT_TRUE(Ok(CheckDNS1123Label(std::string(63, 'a'))));
  Problems long_label = CheckDNS1123Label(std::string(64, 'a'));
  ASSERT_EQ(long_label.size(), 1u);
  EXPECT_EQ(long_label[0], "must be no more than 63 characters");
  EXPECT_EQ(CheckDNS1123Label("Web")[0],
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
}

TEST(NamesTest, DNS1123Subdomain) {
  for (const char* good : {"a", "example.com", "a.b.c", "web-1.svc", "1.2"}) {
    EXPECT_TRUE(Ok(CheckDNS1123Subdomain(good))) << good;
  }
  for (const char* bad : {"", ".a", "a.", "a..b", "A.com", "a_b", "-a.b"}) {
    EXPECT_FALSE(Ok(CheckDNS1123Subdomain(bad))) << bad;
  }
  EXPECT_FALSE(Ok(CheckDNS1123Subdomain(std::string(254, 'a'))));
}

TEST(NamesTest, DNS1035Label) {
  EXPECT_TRUE(Ok(CheckDNS1035Label("web")));
  EXPECT_TRUE(Ok(CheckDNS1035Label("a1")));
  EXPECT_FALSE(Ok(CheckDNS1035Label("1web")));
  EXPECT_FALSE(Ok(CheckDNS1035Label("web.x")));
}

TEST(NamesTest, QualifiedName) {
  for (const char* good :
       {"app", "App_1", "a.b-c", "example.com/name", "k8s.io/a.b", "app.kubernetes.io/name"}) {
    EXPECT_TRUE(Ok(CheckQualifiedName(good))) << good;
  }
  for (const char* bad : {"", "/a", "a/", "a/b/c", "-a", "a-", "Example.com/a", "a b"}) {
    EXPECT_FALSE(Ok(CheckQualifiedName(bad))) << bad;
  }
  EXPECT_EQ(CheckQualifiedName("/a")[0], "prefix part must be non-empty");
  EXPECT_EQ(CheckQualifiedName("a/")[0], "name part must be non-empty");
  EXPECT_EQ(CheckQualifiedName(std::string(64, 'a'))[0],
            "name part must be no more than 63 characters");
}

TEST(NamesTest, LabelValue) {
  EXPECT_TRUE(Ok(CheckLabelValue("")));
  EXPECT_TRUE(Ok(CheckLabelValue("v1.2_3-x")));
  EXPECT_FALSE(Ok(CheckLabelValue("-x")));
  EXPECT_FALSE(Ok(CheckLabelValue("a/b")));
  EXPECT_FALSE(Ok(CheckLabelValue(std::string(64, 'a'))));
}

TEST(NamesTest, PortName) {
  EXPECT_TRUE(Ok(CheckPortName("http")));
  EXPECT_TRUE(Ok(CheckPortName("web-8080")));
  EXPECT_EQ(CheckPortName("8080"), Problems{"must contain at least one letter (a-z)"});
  EXPECT_EQ(CheckPortName("a--b"), Problems{"must not contain consecutive hyphens"});
  EXPECT_EQ(CheckPortName("-ab"), Problems{"must not begin or end with a hyphen"});
  EXPECT_EQ(CheckPortName("HTTP"),
            (Problems{"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                      "must contain at least one letter (a-z)"}));
  EXPECT_EQ(CheckPortName("abcdefghijklmnop"), Problems{"must be no more than 15 characters"});
}

TEST(NamesTest, PortNumber) {
  EXPECT_TRUE(Ok(CheckPortNumber(1)));
  EXPECT_TRUE(Ok(CheckPortNumber(65535)));
  EXPECT_FALSE(Ok(CheckPortNumber(0)));
  EXPECT_FALSE(Ok(CheckPortNumber(65536)));
  EXPECT_FALSE(Ok(CheckPortNumber(-1)));
}

TEST(NamesTest, EnvVarAndConfigKeys) {
  EXPECT_TRUE(Ok(CheckEnvVarName("MY_VAR")));
  EXPECT_TRUE(Ok(CheckEnvVarName("my.env-name")));
  EXPECT_FALSE(Ok(CheckEnvVarName("1VAR")));
  EXPECT_FALSE(Ok(CheckEnvVarName("MY VAR")));
  EXPECT_FALSE(Ok(CheckEnvVarName("A=B")));
  EXPECT_FALSE(Ok(CheckEnvVarName("..")));
  EXPECT_TRUE(Ok(CheckConfigMapKey("game.properties")));
  EXPECT_TRUE(Ok(CheckConfigMapKey(".dockerconfigjson")));
  EXPECT_FALSE(Ok(CheckConfigMapKey("a/b")));
  EXPECT_FALSE(Ok(CheckConfigMapKey("..a")));
  EXPECT_FALSE(Ok(CheckConfigMapKey("")));
}

TEST(NamesTest, PathSegmentsHeadersPercent) {
  EXPECT_TRUE(Ok(CheckPathSegmentName("system:admin", false)));
  EXPECT_FALSE(Ok(CheckPathSegmentName("a/b", false)));
  EXPECT_FALSE(Ok(CheckPathSegmentName("..", false)));
  EXPECT_TRUE(Ok(CheckPathSegmentName("..", true)));
  EXPECT_FALSE(Ok(CheckPathSegmentName("50%", false)));
  EXPECT_TRUE(Ok(CheckHTTPHeaderName("X-Custom-Header")));
  EXPECT_FALSE(Ok(CheckHTTPHeaderName("X Custom")));
  EXPECT_TRUE(Ok(CheckPercent("25%")));
  EXPECT_FALSE(Ok(CheckPercent("25")));
  EXPECT_FALSE(Ok(CheckPercent("%")));
  EXPECT_FALSE(Ok(CheckPercent("2.5%")));
}

TEST(NamesTest, Addresses) {
  EXPECT_TRUE(Ok(CheckIP("10.0.0.1")));
  EXPECT_TRUE(Ok(CheckIP("fd00::1")));
  EXPECT_FALSE(Ok(CheckIP("10.0.0.256")));
  EXPECT_FALSE(Ok(CheckIP("010.0.0.1")));
  EXPECT_FALSE(Ok(CheckIP("host")));
  EXPECT_TRUE(Ok(CheckIPv4("1.2.3.4")));
  EXPECT_FALSE(Ok(CheckIPv4("::1")));
  EXPECT_TRUE(Ok(CheckIPv6("::1")));
  EXPECT_FALSE(Ok(CheckIPv6("1.2.3.4")));
  EXPECT_TRUE(Ok(CheckCIDR("10.0.0.0/8")));
  EXPECT_TRUE(Ok(CheckCIDR("fd00::/64")));
  EXPECT_FALSE(Ok(CheckCIDR("10.0.0.0/33")));
  EXPECT_FALSE(Ok(CheckCIDR("10.0.0.0")));
  EXPECT_FALSE(Ok(CheckCIDR("10.0.0.0/")));
  EXPECT_FALSE(Ok(CheckCIDR("fd00::/129")));
}

}  // namespace
}  // namespace skiff::api
