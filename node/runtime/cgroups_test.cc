// The cgroup driver against a fake hierarchy in a temporary directory: the
// knobs it writes and the stats it reads, for v1 and v2 layouts.
#include "node/runtime/cgroups.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

class FakeCgroups : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sknode-cg-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { (void)RemoveTree(root_); }
  void Touch(const std::string& path, const std::string& content = "") {
    ASSERT_TRUE(MakeDirs(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomic(path, content).ok());
  }
  std::string Read(const std::string& path) {
    auto r = ReadFile(path);
    return r.ok() ? *r : "<missing>";
  }
  std::string root_;
};

TEST(CgroupResourcesTest, KubernetesMapping) {
  CgroupResources r = ResourcesFromMilliCpu(250, 500, 64 << 20);
  EXPECT_EQ(*r.cpu_shares, 256u);
  EXPECT_EQ(*r.cpu_quota_us, 50000);
  EXPECT_EQ(r.cpu_period_us, 100000);
  EXPECT_EQ(*r.memory_limit_bytes, 64 << 20);
  CgroupResources none = ResourcesFromMilliCpu(0, 0, 0);
  EXPECT_FALSE(none.cpu_shares);
  EXPECT_FALSE(none.cpu_quota_us);
  EXPECT_FALSE(none.memory_limit_bytes);
  // Tiny requests still get the minimum shares; tiny limits 1 ms of quota.
  EXPECT_EQ(*ResourcesFromMilliCpu(1, 1, 0).cpu_shares, 2u);
  EXPECT_EQ(*ResourcesFromMilliCpu(1, 1, 0).cpu_quota_us, 1000);
}

TEST(CgroupResourcesTest, SharesToWeight) {
  EXPECT_EQ(SharesToWeight(2), 1u);
  EXPECT_EQ(SharesToWeight(1024), 39u);
  EXPECT_EQ(SharesToWeight(262144), 10000u);
}

TEST_F(FakeCgroups, V1WritesEachController) {
  CgroupDriver d = CgroupDriver::FromMounts({{"cpu", root_ + "/cpu"},
                                             {"cpuacct", root_ + "/cpu"},
                                             {"memory", root_ + "/memory"},
                                             {"pids", root_ + "/pids"}},
                                            root_ + "/unified");
  ASSERT_TRUE(d.Create("skiff/pod1/c", false).ok());
  for (const char* f :
       {"/cpu/skiff/pod1/c/cpu.cfs_period_us", "/cpu/skiff/pod1/c/cpu.cfs_quota_us",
        "/cpu/skiff/pod1/c/cpu.shares", "/memory/skiff/pod1/c/memory.limit_in_bytes",
        "/pids/skiff/pod1/c/pids.max"}) {
    Touch(root_ + f);
  }
  ASSERT_TRUE(d.Apply("skiff/pod1/c", ResourcesFromMilliCpu(500, 1500, 128 << 20)).ok());
  EXPECT_EQ(Read(root_ + "/cpu/skiff/pod1/c/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(Read(root_ + "/cpu/skiff/pod1/c/cpu.shares"), "512");
  EXPECT_EQ(Read(root_ + "/memory/skiff/pod1/c/memory.limit_in_bytes"), "134217728");
  EXPECT_EQ(Read(root_ + "/pids/skiff/pod1/c/pids.max"), "max");
  // cpu and cpuacct share a mount: one directory each, plus the cgroup2 one.
  auto procs = d.ProcsFiles("skiff/pod1/c");
  EXPECT_EQ(procs.size(), 4u);
  ASSERT_TRUE(d.Apply("skiff/pod1/c", CgroupResources{}).ok());
  EXPECT_EQ(Read(root_ + "/cpu/skiff/pod1/c/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(Read(root_ + "/memory/skiff/pod1/c/memory.limit_in_bytes"), "-1");
}

TEST_F(FakeCgroups, V1Stats) {
  CgroupDriver d = CgroupDriver::FromMounts(
      {{"cpu", root_ + "/cpu"}, {"cpuacct", root_ + "/cpu"}, {"memory", root_ + "/memory"}}, "");
  Touch(root_ + "/cpu/p/cpuacct.usage", "123456789\n");
  Touch(root_ + "/memory/p/memory.usage_in_bytes", "10000\n");
  Touch(root_ + "/memory/p/memory.stat", "cache 1\ntotal_rss 6000\ntotal_inactive_file 3000\n");
  Touch(root_ + "/memory/p/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  CgroupStats s = d.Stats("p");
  EXPECT_TRUE(s.has_cpu);
  EXPECT_EQ(s.cpu_usage_ns, 123456789u);
  EXPECT_EQ(s.memory_usage_bytes, 10000u);
  EXPECT_EQ(s.memory_working_set_bytes, 7000u);
  EXPECT_EQ(s.memory_rss_bytes, 6000u);
  EXPECT_EQ(s.oom_kills, 2u);
  EXPECT_FALSE(s.has_pids);
}

TEST_F(FakeCgroups, V2WritesUnifiedKnobsAndEnablesControllers) {
  CgroupDriver d = CgroupDriver::FromMounts({}, root_);
  EXPECT_TRUE(d.v2());
  Touch(root_ + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  Touch(root_ + "/cgroup.subtree_control", "");
  Touch(root_ + "/skiff/cgroup.controllers", "cpu memory pids\n");
  Touch(root_ + "/skiff/cgroup.subtree_control", "cpu\n");
  ASSERT_TRUE(d.Create("skiff/pod1", true).ok());
  // A fake file is overwritten by each write: the last enabled one remains.
  EXPECT_EQ(Read(root_ + "/cgroup.subtree_control"), "+pids");
  EXPECT_EQ(Read(root_ + "/skiff/cgroup.subtree_control"), "+pids");
  for (const char* f : {"cpu.max", "cpu.weight", "memory.max", "memory.swap.max", "pids.max"}) {
    Touch(root_ + "/skiff/pod1/" + f);
  }
  ASSERT_TRUE(d.Apply("skiff/pod1", ResourcesFromMilliCpu(1000, 2000, 1 << 30)).ok());
  EXPECT_EQ(Read(root_ + "/skiff/pod1/cpu.max"), "200000 100000");
  EXPECT_EQ(Read(root_ + "/skiff/pod1/cpu.weight"), "39");
  EXPECT_EQ(Read(root_ + "/skiff/pod1/memory.max"), "1073741824");
  EXPECT_EQ(Read(root_ + "/skiff/pod1/memory.swap.max"), "0");
  ASSERT_TRUE(d.Apply("skiff/pod1", CgroupResources{}).ok());
  EXPECT_EQ(Read(root_ + "/skiff/pod1/cpu.max"), "max 100000");
  EXPECT_EQ(Read(root_ + "/skiff/pod1/memory.max"), "max");
}

TEST_F(FakeCgroups, V2Stats) {
  CgroupDriver d = CgroupDriver::FromMounts({}, root_);
  Touch(root_ + "/p/cpu.stat", "usage_usec 42\nuser_usec 40\n");
  Touch(root_ + "/p/memory.current", "5000\n");
  Touch(root_ + "/p/memory.stat", "anon 4000\ninactive_file 1000\n");
  Touch(root_ + "/p/memory.events", "low 0\noom 1\noom_kill 1\n");
  Touch(root_ + "/p/pids.current", "3\n");
  CgroupStats s = d.Stats("p");
  EXPECT_EQ(s.cpu_usage_ns, 42000u);
  EXPECT_EQ(s.memory_working_set_bytes, 4000u);
  EXPECT_EQ(s.memory_rss_bytes, 4000u);
  EXPECT_EQ(s.oom_kills, 1u);
  EXPECT_EQ(s.pids, 3u);
}

TEST(CgroupDetectTest, FindsTheHostsMounts) {
  auto d = CgroupDriver::Detect();
  if (!d.ok()) GTEST_SKIP() << "no cgroups here: " << d.status().ToString();
  EXPECT_FALSE(d->Describe().empty());
}

}  // namespace
}  // namespace skiff::node
