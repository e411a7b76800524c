// netctl logs against a real agent: the pod's node is found through the
// API, the log fetched from the agent with the config's token.
#include <cstdio>

#include "api/client/remote_client.h"
#include "tests/node/fixture.h"
#include "tools/netctl/logs.h"

namespace skiff::node::testing {
namespace {

using namespace std::chrono_literals;

class NetctlLogsTest : public NodeTest {
 protected:
  // Runs `netctl logs ARGS...`; returns {exit code, stdout, stderr}.
  std::tuple<int, std::string, std::string> Logs(std::vector<std::string> args) {
    netctl::Context ctx;
    auto client = api::ConnectFromFile(server_->admin_config_path());
    EXPECT_TRUE(client.ok());
    ctx.SetClient(std::move(*client));
    FILE* out = tmpfile();
    FILE* err = tmpfile();
    ctx.out = out;
    ctx.err = err;
    args.push_back("--config");
    args.push_back(server_->admin_config_path());
    int rc = netctl::RunLogs(ctx, args);
    auto read = [](FILE* f) {
      std::string s;
      std::rewind(f);
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
      std::fclose(f);
      return s;
    };
    return {rc, read(out), read(err)};
  }
};

TEST_F(NetctlLogsTest, PrintsTailsAndPreviousInstances) {
  api::Pod pod = MakePod("talker", {"sh", "-c", "echo one; echo two; echo three; sleep 3600"});
  auto* side = pod.mutable_spec()->add_containers();
  side->set_name("side");
  side->set_image("node-filesystem");
  side->add_command("sh");
  side->add_command("-c");
  side->add_command("echo side; sleep 3600");
  Create(pod);
  ASSERT_TRUE(WaitFor("talker", [](const api::Pod& p) { return p.status().phase() == "Running"; }));
  ASSERT_TRUE(Eventually([&] { return std::get<1>(Logs({"talker"})) == "one\ntwo\nthree\n"; }));
  auto [rc, out, err] = Logs({"talker"});
  EXPECT_EQ(rc, 0);
  EXPECT_NE(err.find("Defaulted container \"main\" out of: main, side"), std::string::npos) << err;
  EXPECT_EQ(std::get<1>(Logs({"pod/talker", "-c", "side"})), "side\n");
  EXPECT_EQ(std::get<1>(Logs({"talker", "--tail", "1", "-c", "main"})), "three\n");
  EXPECT_EQ(std::get<1>(Logs({"talker", "--limit-bytes", "4", "-c", "main"})), "one\n");
  auto [prc, pout, perr] = Logs({"talker", "--previous", "-c", "main"});
  EXPECT_EQ(prc, 1);
  EXPECT_NE(perr.find("previous terminated container \"main\" in pod \"talker\" not found"),
            std::string::npos)
      << perr;
  auto [mrc, mout, merr] = Logs({"nobody"});
  EXPECT_EQ(mrc, 1);
  EXPECT_NE(merr.find("pods \"nobody\" not found"), std::string::npos) << merr;
  auto [brc, bout, berr] = Logs({"talker", "-c", "ghost"});
  EXPECT_EQ(brc, 1);
  EXPECT_NE(berr.find("container ghost is not valid for pod talker"), std::string::npos) << berr;
  auto [trc, tout, terr] = Logs({"talker", "--token", "wrong"});
  EXPECT_EQ(trc, 1);
  EXPECT_NE(terr.find("Unauthorized"), std::string::npos) << terr;
}

TEST_F(NetctlLogsTest, FollowEndsWhenTheContainerExits) {
  api::Pod pod = MakePod("short", {"sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.3; done"});
  pod.mutable_spec()->set_restart_policy("Never");
  Create(pod);
  ASSERT_TRUE(Eventually([&] {
    auto p = Get("short");
    return p && !p->status().container_statuses().empty() &&
           (p->status().container_statuses(0).state().has_running() ||
            p->status().container_statuses(0).state().has_terminated());
  }));
  auto [rc, out, err] = Logs({"short", "-f"});
  EXPECT_EQ(rc, 0) << err << out;
  EXPECT_EQ(out, "line 1\nline 2\nline 3\n");
}

}  // namespace
}  // namespace skiff::node::testing
