#include "node/agent/options.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

Result<CommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "skiff-agent");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(OptionsTest, Defaults) {
  auto cl = Parse({"--config", "/etc/skiff/admin.conf", "--node-name", "n1"});
  ASSERT_TRUE(cl.ok()) << cl.status().ToString();
  const AgentOptions& o = cl->options;
  EXPECT_EQ(cl->config, "/etc/skiff/admin.conf");
  EXPECT_EQ(o.node_name, "n1");
  EXPECT_EQ(o.listen, "0.0.0.0:10250");
  EXPECT_EQ(o.root_dir, "/var/lib/skiff/agent");
  EXPECT_EQ(o.network.conf_dir, "/etc/cni/net.d");
  EXPECT_EQ(o.network.bin_dirs, (std::vector<std::string>{"/opt/cni/bin"}));
  EXPECT_EQ(o.network.netns_prefix, "skiff-n1-");  // per node: agents sharing a dir
  EXPECT_EQ(o.cluster_dns, (std::vector<std::string>{"10.96.0.10"}));
  EXPECT_EQ(o.max_pods, 110);
  EXPECT_EQ(o.heartbeat, std::chrono::seconds(10));
  EXPECT_EQ(o.backoff_base, std::chrono::seconds(10));
  EXPECT_EQ(o.backoff_max, std::chrono::minutes(5));
}

TEST(OptionsTest, Overrides) {
  auto cl = Parse({"--config=c", "--cpu",
                   "3500m",      "--memory",
                   "8Gi",        "--reserved-cpu",
                   "500m",       "--reserved-memory",
                   "1Gi",        "--max-pods",
                   "20",         "--node-label",
                   "zone=a",     "--node-label",
                   "disk=ssd",   "--cni-bin-dir",
                   "/a,/b",      "--heartbeat-interval",
                   "3s",         "--backoff-base",
                   "1s",         "--cluster-dns",
                   "10.0.0.10"});
  ASSERT_TRUE(cl.ok()) << cl.status().ToString();
  const AgentOptions& o = cl->options;
  EXPECT_EQ(o.cpu_milli, 3500);
  EXPECT_EQ(o.memory_bytes, 8LL << 30);
  EXPECT_EQ(o.reserved_cpu_milli, 500);
  EXPECT_EQ(o.reserved_memory_bytes, 1LL << 30);
  EXPECT_EQ(o.max_pods, 20);
  EXPECT_EQ(o.node_labels.at("zone"), "a");
  EXPECT_EQ(o.node_labels.at("disk"), "ssd");
  EXPECT_EQ(o.network.bin_dirs, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(o.heartbeat, std::chrono::seconds(3));
  EXPECT_EQ(o.backoff_base, std::chrono::seconds(1));
  EXPECT_EQ(o.cluster_dns, (std::vector<std::string>{"10.0.0.10"}));
}

TEST(OptionsTest, ErrorsNameTheFlag) {
  auto msg = [](std::vector<std::string> args) {
    return Parse(std::move(args)).status().message();
  };
  EXPECT_NE(msg({}).find("--config is required"), std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--cpu", "lots"}).find("--cpu"), std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--memory", "-1Gi"}).find("--memory"), std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--max-pods", "0"}).find("--max-pods"), std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--node-label", "novalue"}).find("--node-label"),
            std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--backoff-base", "10m"}).find("--backoff-base"),
            std::string::npos);
  EXPECT_NE(msg({"--config", "c", "--bogus"}).find("bogus"), std::string::npos);
  EXPECT_NE(msg({"--config", "c", "extra"}).find("extra"), std::string::npos);
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->help);
  EXPECT_NE(help->help_text.find("--node-name"), std::string::npos);
}

}  // namespace
}  // namespace skiff::node
