#include "cni/runtime/conf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace skiff::cni::runtime {
namespace {

class ConfDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-cni-conf-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(ConfDir, PicksTheFirstValidFileInLexicalOrder) {
  Write("20-b.conflist",
        R"({"cniVersion": "1.0.0", "name": "b", "plugins": [{"type": "skiff-cni"}]})");
  Write("10-a.conf", R"({"cniVersion": "0.4.0", "name": "a", "type": "bridge"})");
  Write("05-broken.conflist", R"({"cniVersion": "1.0.0", "name": "x", "plugins": []})");
  Write("00-ignored.txt", "not a config");
  auto files = ConfFiles(dir_);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 3u);
  std::vector<std::string> skipped;
  auto list = LoadConfList(dir_, &skipped);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->name, "a");  // the .conf wrapped into a list
  EXPECT_EQ(list->cni_version, "0.4.0");
  ASSERT_EQ(list->plugins.size(), 1u);
  EXPECT_EQ(list->plugins[0].Find("type")->as_string(), "bridge");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("05-broken.conflist"), std::string::npos);
}

TEST_F(ConfDir, EmptyDirectory) {
  EXPECT_EQ(LoadConfList(dir_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LoadConfList(dir_ + "/missing").status().code(), StatusCode::kNotFound);
}

TEST(ConfList, CniVersionsPicksTheHighestSupported) {
  auto l = ParseConfList(R"({"cniVersions": ["0.4.0", "1.1.0", "9.0.0", "1.0.0"], "name": "n",
                             "plugins": [{"type": "a"}], "disableCheck": true,
                             "disableGC": true})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->cni_version, "1.1.0");
  EXPECT_TRUE(l->disable_check);
  EXPECT_TRUE(l->disable_gc);
}

TEST(ConfList, Errors) {
  EXPECT_EQ(ParseConfList("{", "f.conflist").status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ParseConfList("{", "f.conflist").status().message().find("f.conflist"),
            std::string::npos);
  EXPECT_EQ(ParseConfList(R"({"cniVersion": "1.0.0", "plugins": [{"type": "a"}]})").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseConfList(R"({"cniVersion": "0.2.0", "name": "n", "plugins": [{"type": "a"}]})")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_NE(ParseConfList(R"({"cniVersion": "1.0.0", "name": "n", "plugins": [{}]})")
                .status()
                .message()
                .find("plugins[0]"),
            std::string::npos);
  EXPECT_FALSE(ParseConf(R"({"cniVersion": "1.0.0", "name": "n"})").ok());
}

}  // namespace
}  // namespace skiff::cni::runtime
