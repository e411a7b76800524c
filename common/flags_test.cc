#include "common/flags.h"

#include <gtest/gtest.h>

namespace skiff {
namespace {

TEST(Flags, ParsesAllForms) {
  std::string s = "def";
  int64_t n = 1;
  bool b = false;
  std::chrono::milliseconds d{0};
  std::vector<std::string> l = {"x"};
  FlagSet f("prog [flags]", "Test.");
  f.String("name", &s, "A name.");
  f.Int("count", &n, "A count.");
  f.Bool("verbose", &b, "Verbose.");
  f.Duration("every", &d, "Period.");
  f.List("san", &l, "SANs.");
  auto pos = f.Parse({"a", "--name=web", "--count", "7", "--verbose", "--every=1m30s", "--san",
                      "p,q", "--san=r", "--", "--not-a-flag"});
  ASSERT_TRUE(pos.ok()) << pos.status().ToString();
  EXPECT_EQ(*pos, (std::vector<std::string>{"a", "--not-a-flag"}));
  EXPECT_EQ(s, "web");
  EXPECT_EQ(n, 7);
  EXPECT_TRUE(b);
  EXPECT_EQ(d.count(), 90000);
  EXPECT_EQ(l, (std::vector<std::string>{"p", "q", "r"}));
  EXPECT_NE(f.Help().find("--count VALUE"), std::string::npos);
}

TEST(Flags, ErrorsNameTheFlag) {
  int64_t n = 0;
  FlagSet f("prog", "");
  f.Int("count", &n, "");
  auto bad = f.Parse({"--count=abc"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--count"), std::string::npos);
  EXPECT_FALSE(f.Parse({"--nope"}).ok());
  EXPECT_FALSE(f.Parse({"--count"}).ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("2")->count(), 2000);
}

}  // namespace
}  // namespace skiff
