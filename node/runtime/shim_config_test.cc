#include <gtest/gtest.h>

#include "node/runtime/process_runtime.h"
#include "node/shim/config.h"

namespace skiff::node::shim {
namespace {

TEST(ShimConfigTest, RoundTrip) {
  ShimConfig c;
  c.args = {"/bin/sh", "-c", "echo \"hi\"\n"};
  c.env = {"A=1", "B=two words"};
  c.cwd = "/tmp";
  c.pid_ns = "/proc/42/ns/pid";
  c.net_ns = "/run/netns/x";
  c.hostname = "web-0";
  c.mounts = {{"/a", "/etc/hosts", true}};
  c.cgroup_procs = {"/sys/fs/cgroup/x/cgroup.procs"};
  c.log_path = "/l";
  c.exit_path = "/e";
  c.uid = 1000;
  c.gid = 1000;
  c.supplemental_groups = {5, 6};
  c.no_new_privileges = true;
  c.target_pid = 7;
  auto d = DecodeShimConfig(EncodeShimConfig(c));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->args, c.args);
  EXPECT_EQ(d->env, c.env);
  EXPECT_EQ(d->cwd, "/tmp");
  EXPECT_EQ(d->pid_ns, c.pid_ns);
  EXPECT_EQ(d->net_ns, c.net_ns);
  EXPECT_EQ(d->hostname, "web-0");
  ASSERT_EQ(d->mounts.size(), 1u);
  EXPECT_TRUE(d->mounts[0].read_only);
  EXPECT_EQ(d->mounts[0].target, "/etc/hosts");
  EXPECT_EQ(d->uid, 1000);
  EXPECT_EQ(d->supplemental_groups, (std::vector<int64_t>{5, 6}));
  EXPECT_TRUE(d->no_new_privileges);
  EXPECT_EQ(d->target_pid, 7);
}

TEST(ShimConfigTest, ErrorsNameTheField) {
  EXPECT_NE(DecodeShimConfig("[]").status().message().find("not a JSON object"), std::string::npos);
  EXPECT_NE(DecodeShimConfig(R"({"args": "sh"})").status().message().find("\"args\""),
            std::string::npos);
  EXPECT_NE(DecodeShimConfig(R"({"args": []})").status().message().find("empty"),
            std::string::npos);
  EXPECT_NE(DecodeShimConfig(R"({"args": ["x"], "uid": "root"})").status().message().find("uid"),
            std::string::npos);
  EXPECT_NE(DecodeShimConfig(R"({"args": ["x"], "mounts": [{"source": "/a"}]})")
                .status()
                .message()
                .find("target"),
            std::string::npos);
  EXPECT_FALSE(DecodeShimConfig("{").ok());
}

TEST(ShimConfigTest, SyncReports) {
  SyncReport ok;
  ok.ok = true;
  ok.pid = 1234;
  ok.start_ticks = 99;
  auto d = DecodeSyncReport(EncodeSyncReport(ok));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->ok);
  EXPECT_EQ(d->pid, 1234);
  EXPECT_EQ(d->start_ticks, 99u);
  SyncReport err;
  err.stage = "exec";
  err.err = 2;
  err.message = "exec: \"x\": executable file not found in $PATH\twith\ttabs";
  d = DecodeSyncReport(EncodeSyncReport(err));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->ok);
  EXPECT_EQ(d->stage, "exec");
  EXPECT_EQ(d->err, 2);
  EXPECT_NE(d->message.find("executable file not found"), std::string::npos);
  EXPECT_FALSE(DecodeSyncReport("garbage\n").ok());
  EXPECT_FALSE(DecodeSyncReport("started x\n").ok());
  EXPECT_FALSE(DecodeSyncReport("error exec\n").ok());
}

TEST(ShimConfigTest, ExitRecords) {
  ExitRecord r{137, 9, 1700000000123456789};
  auto d = DecodeExitRecord(EncodeExitRecord(r));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->exit_code, 137);
  EXPECT_EQ(d->signal, 9);
  EXPECT_EQ(d->finished_unix_nanos, 1700000000123456789);
  EXPECT_FALSE(DecodeExitRecord("").ok());
  EXPECT_FALSE(DecodeExitRecord("1 2").ok());
}

TEST(ShimConfigTest, HandleRoundTrip) {
  ContainerHandle h;
  h.id = "abc";
  h.pod_uid = "uid-1";
  h.name = "web";
  h.attempt = 3;
  h.process = {100, 200};
  h.monitor = {99, 198};
  h.started_at_ns = 5;
  h.cgroup = "skiff/podx/ctr-web-3";
  h.log_path = "/var/log/x";
  auto d = DecodeHandle(EncodeHandle(h));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->id, "abc");
  EXPECT_EQ(d->attempt, 3);
  EXPECT_EQ(d->process, h.process);
  EXPECT_EQ(d->monitor, h.monitor);
  EXPECT_EQ(d->cgroup, h.cgroup);
  EXPECT_FALSE(DecodeHandle("{}").ok());
}

}  // namespace
}  // namespace skiff::node::shim
