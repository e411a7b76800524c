#include <gtest/gtest.h>
#include <stdlib.h>

#include "node/pod/logs.h"
#include "node/pod/pod_state.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

TEST(PodStateTest, RoundTripsThroughDisk) {
  char tmpl[] = "/tmp/sknode-state-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  PodState s;
  s.uid = "u1";
  s.ns = "default";
  s.name = "web";
  s.start_time_ns = 123;
  s.sandbox_ready = true;
  s.netns_path = "/run/netns/skiff-u1";
  s.pod_ips = {"10.244.0.2", "fd00::2"};
  s.network = "skiff";
  s.cgroup = "skiff/podu1";
  s.pause_id = "p";
  ContainerRecord r;
  r.restart_count = 4;
  r.instance_id = "abc";
  TerminationView t;
  t.exit_code = 137;
  t.reason = "OOMKilled";
  t.finished_at_ns = 99;
  r.last = t;
  s.containers["main"] = r;
  s.containers["side"] = ContainerRecord{};
  ASSERT_TRUE(SavePodState(dir + "/u1", s).ok());
  auto back = LoadPodState(dir + "/u1");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->uid, "u1");
  EXPECT_EQ(back->pod_ips, s.pod_ips);
  EXPECT_TRUE(back->sandbox_ready);
  EXPECT_EQ(back->cgroup, "skiff/podu1");
  EXPECT_EQ(back->containers["main"].restart_count, 4);
  EXPECT_EQ(back->containers["main"].instance_id, "abc");
  ASSERT_TRUE(back->containers["main"].last);
  EXPECT_EQ(back->containers["main"].last->reason, "OOMKilled");
  EXPECT_FALSE(back->containers["side"].last);
  EXPECT_FALSE(DecodePodState("{}").ok());
  EXPECT_FALSE(DecodePodState("not json").ok());
  EXPECT_EQ(LoadPodState(dir + "/missing").status().code(), StatusCode::kNotFound);
  (void)RemoveTree(dir);
}

TEST(LogsTest, LayoutPruningAndTail) {
  char tmpl[] = "/tmp/sknode-logs-XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::string dir = PodLogDir(root, "ns", "web", "uid-1");
  EXPECT_EQ(dir, root + "/ns_web_uid-1");
  ASSERT_TRUE(MakeDirs(dir + "/main").ok());
  for (int a : {0, 1, 2, 10}) {
    ASSERT_TRUE(WriteFileAtomic(ContainerLogPath(dir, "main", a), "x").ok());
  }
  ASSERT_TRUE(WriteFileAtomic(dir + "/main/notes.txt", "x").ok());
  EXPECT_EQ(LogAttempts(dir, "main"), (std::vector<int>{0, 1, 2, 10}));
  PruneLogs(dir, "main", 2);
  EXPECT_EQ(LogAttempts(dir, "main"), (std::vector<int>{2, 10}));
  EXPECT_EQ(*FindPodLogDir(root, "ns", "web"), dir);
  EXPECT_FALSE(FindPodLogDir(root, "ns", "we").has_value());
  EXPECT_FALSE(FindPodLogDir(root, "ns", "web", "other").has_value());
  (void)RemoveTree(root);

  EXPECT_EQ(TailLines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(TailLines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(TailLines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(TailLines("a\nb\n", 0), "");
  EXPECT_EQ(TailLines("a\nb\n", -1), "a\nb\n");
  EXPECT_EQ(TailLines("", 3), "");
}

}  // namespace
}  // namespace skiff::node
