// The data sources of `create configmap|secret generic`.
#include "tools/netctl/create_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace skiff::netctl {
namespace {

namespace fs = std::filesystem;

class CreateDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netctl-data-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string dir_;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_F(CreateDataTest, LiteralsKeepEverythingAfterTheFirstEquals) {
  DataSources s;
  s.literals = {"a=1", "b=x=y,z", "empty="};
  auto r = CollectData(s, "ConfigMap \"c\"");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Pairs{{"a", "1"}, {"b", "x=y,z"}, {"empty", ""}}));
}

TEST_F(CreateDataTest, FilesAndDirectories) {
  std::string f = Write("app.properties", "x=1\n");
  Write("dir/one", "1");
  Write("dir/two.txt", "2");
  DataSources s;
  s.files = {f, "renamed=" + f, dir_ + "/dir"};
  auto r = CollectData(s, "ConfigMap \"c\"");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      *r,
      (Pairs{{"app.properties", "x=1\n"}, {"renamed", "x=1\n"}, {"one", "1"}, {"two.txt", "2"}}));
}

TEST_F(CreateDataTest, EnvFiles) {
  setenv("NETCTL_TEST_FROM_ENV", "from-env", 1);
  unsetenv("NETCTL_TEST_UNSET");
  std::string f = Write("app.env",
                        "\xEF\xBB\xBF# comment\n\nA=1\n  B=two words \nC=x=y\r\n"
                        "NETCTL_TEST_FROM_ENV\nNETCTL_TEST_UNSET\n");
  DataSources s;
  s.env_files = {f};
  auto r = CollectData(s, "ConfigMap \"c\"");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      *r,
      (Pairs{{"A", "1"}, {"B", "two words "}, {"C", "x=y"}, {"NETCTL_TEST_FROM_ENV", "from-env"}}));
}

TEST_F(CreateDataTest, Errors) {
  auto err = [&](DataSources s) {
    auto r = CollectData(s, "ConfigMap \"c\"");
    return r.ok() ? std::string("ok") : r.status().message();
  };
  DataSources s;
  s.literals = {"novalue"};
  EXPECT_EQ(err(s), "--from-literal=novalue: invalid literal source, expected key=value");
  s.literals = {"bad key=1"};
  EXPECT_NE(err(s).find("\"bad key\" is not a valid key name"), std::string::npos) << err(s);
  s.literals = {"a=1", "a=2"};
  EXPECT_EQ(err(s),
            "--from-literal=a=2: cannot add key \"a\", another key by that name already exists "
            "in ConfigMap \"c\"");
  s.literals.clear();
  s.files = {dir_ + "/missing"};
  EXPECT_NE(err(s).find("no such file"), std::string::npos) << err(s);
  Write("d/x", "1");
  s.files = {"k=" + dir_ + "/d"};
  EXPECT_NE(err(s).find("cannot give a key name for a directory"), std::string::npos);
  s.files.clear();
  s.env_files = {Write("bad.env", "OK=1\n1BAD=2\n")};
  EXPECT_NE(err(s).find("line 2: \"1BAD\" is not a valid key name"), std::string::npos) << err(s);
}

TEST(IsUtf8Test, Classifies) {
  EXPECT_TRUE(IsUtf8("plain"));
  EXPECT_TRUE(IsUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsUtf8("\xFF\xFE"));
  EXPECT_FALSE(IsUtf8("\xC3"));          // truncated
  EXPECT_FALSE(IsUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsUtf8("\xED\xA0\x80"));  // surrogate
}

}  // namespace
}  // namespace skiff::netctl
