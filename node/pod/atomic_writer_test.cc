#include "node/pod/atomic_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

class AtomicWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-atomic-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Link(const std::string& name) {
    char buf[4096];
    ssize_t n = readlink((dir_ + "/" + name).c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  std::vector<std::string> Versions() {
    std::vector<std::string> out;
    for (const auto& n : ListDir(dir_)) {
      if (n.starts_with("..") && n != "..data") out.push_back(n);
    }
    return out;
  }
  std::string dir_;
};

TEST_F(AtomicWriterTest, PublishesThroughDataSymlink) {
  VolumePayload p{{"user", {"admin", 0400}}, {"conf/app.yaml", {"a: 1\n", 0644}}};
  auto changed = WriteVolumeAtomically(dir_, p);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Link("user"), "..data/user");
  EXPECT_EQ(Link("conf"), "..data/conf");
  EXPECT_TRUE(Link("..data").starts_with(".."));
  EXPECT_EQ(*ReadFile(dir_ + "/user"), "admin");
  EXPECT_EQ(*ReadFile(dir_ + "/conf/app.yaml"), "a: 1\n");
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/user").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  EXPECT_EQ(Versions().size(), 1u);
}

TEST_F(AtomicWriterTest, UnchangedPayloadIsNotRewritten) {
  VolumePayload p{{"user", {"admin", 0400}}};
  ASSERT_TRUE(WriteVolumeAtomically(dir_, p).ok());
  std::string version = Link("..data");
  auto again = WriteVolumeAtomically(dir_, p);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(Link("..data"), version);
  // A mode change is a change.
  p["user"].mode = 0440;
  EXPECT_TRUE(*WriteVolumeAtomically(dir_, p));
  EXPECT_NE(Link("..data"), version);
}

TEST_F(AtomicWriterTest, UpdatesSwapTheWholeSetAndDropOldKeys) {
  ASSERT_TRUE(WriteVolumeAtomically(dir_, {{"a", {"1", 0644}}, {"b", {"2", 0644}}}).ok());
  std::string first = Link("..data");
  // An open file keeps the old bytes, a new open sees the new set.
  FILE* held = fopen((dir_ + "/a").c_str(), "r");
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(WriteVolumeAtomically(dir_, {{"a", {"10", 0644}}, {"c", {"3", 0644}}}).ok());
  char buf[8] = {};
  ASSERT_EQ(fread(buf, 1, sizeof buf, held), 1u);
  EXPECT_EQ(std::string(buf), "1");
  fclose(held);
  EXPECT_EQ(*ReadFile(dir_ + "/a"), "10");
  EXPECT_EQ(*ReadFile(dir_ + "/c"), "3");
  EXPECT_FALSE(PathExists(dir_ + "/b"));
  EXPECT_NE(Link("..data"), first);
  EXPECT_FALSE(PathExists(dir_ + "/" + first));  // old version removed
  EXPECT_EQ(Versions().size(), 1u);
  // Emptying the volume removes every user-visible name.
  ASSERT_TRUE(WriteVolumeAtomically(dir_, {}).ok());
  for (const auto& n : ListDir(dir_))
    EXPECT_TRUE(n.starts_with("..")) << n;
}

TEST_F(AtomicWriterTest, BadPathsChangeNothing) {
  ASSERT_TRUE(WriteVolumeAtomically(dir_, {{"a", {"1", 0644}}}).ok());
  std::string version = Link("..data");
  auto bad = WriteVolumeAtomically(dir_, {{"../escape", {"x", 0644}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Link("..data"), version);
  EXPECT_EQ(*ReadFile(dir_ + "/a"), "1");
  EXPECT_FALSE(PathExists(dir_ + "/../escape"));
}

TEST_F(AtomicWriterTest, GroupOwnershipIsAppliedAndIsAChange) {
  if (geteuid() != 0) GTEST_SKIP() << "chown to another group needs root";
  VolumePayload p{{"k", {"v", 0440}}};
  ASSERT_TRUE(WriteVolumeAtomically(dir_, p).ok());
  std::string version = Link("..data");
  auto changed = WriteVolumeAtomically(dir_, p, 2345);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_NE(Link("..data"), version);
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/k").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_EQ(st.st_mode & 0777, 0440u);
  EXPECT_FALSE(*WriteVolumeAtomically(dir_, p, 2345));
}

}  // namespace
}  // namespace skiff::node
