#include "cni/spec/args.h"

#include <gtest/gtest.h>

namespace skiff::cni {
namespace {

TEST(CniArgs, ParsesPairs) {
  auto a = ParseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=web-1;IP=10.1.0.5");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->ignore_unknown);
  ASSERT_NE(a->Find("K8S_POD_NAME"), nullptr);
  EXPECT_EQ(*a->Find("K8S_POD_NAME"), "web-1");
  EXPECT_EQ(*a->Find("IP"), "10.1.0.5");
  EXPECT_EQ(a->Find("MAC"), nullptr);
  EXPECT_TRUE(ParseCniArgs("")->pairs.empty());
  EXPECT_EQ(ParseCniArgs("A=1;;B=2;")->pairs.size(), 2u);
  EXPECT_EQ(*ParseCniArgs("A=")->Find("A"), "");
}

TEST(CniArgs, IgnoreUnknownValues) {
  EXPECT_TRUE(ParseCniArgs("IgnoreUnknown=true")->ignore_unknown);
  EXPECT_TRUE(ParseCniArgs("IgnoreUnknown=TRUE")->ignore_unknown);
  EXPECT_FALSE(ParseCniArgs("IgnoreUnknown=0")->ignore_unknown);
  EXPECT_FALSE(ParseCniArgs("IgnoreUnknown=false")->ignore_unknown);
  auto bad = ParseCniArgs("IgnoreUnknown=maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), kInvalidEnvironment);
}

TEST(CniArgs, RejectsMalformedPairs) {
  for (const char* text : {"A", "=1", "A=1=2", "A=1;B"}) {
    auto a = ParseCniArgs(text);
    ASSERT_FALSE(a.ok()) << text;
    EXPECT_EQ(a.error().code(), kInvalidEnvironment);
    EXPECT_NE(a.error().msg().find("invalid pair"), std::string::npos);
  }
}

TEST(CniArgs, UnknownKeys) {
  auto a = ParseCniArgs("FOO=1;IP=10.0.0.1;BAR=2");
  Error e = CheckKnownArgs(*a, {"IP"});
  EXPECT_EQ(e.code(), kInvalidEnvironment);
  EXPECT_NE(e.msg().find("FOO, BAR"), std::string::npos);
  EXPECT_TRUE(CheckKnownArgs(*ParseCniArgs("FOO=1;IgnoreUnknown=1"), {"IP"}).ok());
  EXPECT_TRUE(CheckKnownArgs(*ParseCniArgs("IP=1"), {"IP"}).ok());
}

TEST(Identifiers, ContainerIdAndIfName) {
  EXPECT_TRUE(ValidateContainerId("abc-123_x.y").ok());
  EXPECT_EQ(ValidateContainerId("").code(), kUnknownContainer);
  EXPECT_EQ(ValidateContainerId("-abc").code(), kInvalidEnvironment);
  EXPECT_EQ(ValidateContainerId("a/b").code(), kInvalidEnvironment);
  EXPECT_EQ(ValidateContainerId("a b").code(), kInvalidEnvironment);
  EXPECT_TRUE(ValidateIfName("eth0").ok());
  EXPECT_TRUE(ValidateIfName("a23456789012345").ok());
  for (const char* bad : {"", ".", "..", "a234567890123456", "et/h0", "eth:0", "eth 0"}) {
    EXPECT_EQ(ValidateIfName(bad).code(), kInvalidEnvironment) << bad;
  }
}

}  // namespace
}  // namespace skiff::cni
