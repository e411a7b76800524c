// skiff-agent end to end on one node: pods get IPs and run, restart,
// terminate cleanly, report probes, survive an agent restart, and report
// bad input (missing command, CNI failure, oversized requests) precisely.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/client/typed.h"
#include "node/runtime/fs.h"
#include "node/runtime/netns.h"
#include "tests/node/fixture.h"

namespace skiff::node::testing {
namespace {

using namespace std::chrono_literals;

bool Running(const api::Pod& p) {
  if (p.status().phase() != "Running") return false;
  for (const auto& c : p.status().container_statuses()) {
    if (!c.state().has_running()) return false;
  }
  return p.status().container_statuses_size() > 0;
}

std::string Condition(const api::Pod& p, const std::string& type) {
  for (const auto& c : p.status().conditions()) {
    if (c.type() == type) return c.status();
  }
  return "";
}

class AgentTest : public NodeTest {};

TEST_F(AgentTest, RegistersTheNodeWithCapacityAndHeartbeat) {
  auto node = api::GetObject<api::Node>(*client_, "", node_);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ(node->metadata().labels().at("kubernetes.io/hostname"), node_);
  EXPECT_EQ(node->metadata().labels().at("kubernetes.io/os"), "linux");
  EXPECT_FALSE(node->spec().pod_cidrs().empty());
  EXPECT_TRUE(node->status().capacity().contains("cpu"));
  EXPECT_TRUE(node->status().allocatable().contains("memory"));
  EXPECT_EQ(node->status().capacity().at("pods"), "110");
  EXPECT_EQ(node->status().daemon_endpoints().kubelet_endpoint().port(), agent_->port());
  bool internal = false;
  for (const auto& a : node->status().addresses())
    internal |= a.type() == "InternalIP";
  EXPECT_TRUE(internal);
  std::string ready;
  int64_t beat = 0;
  for (const auto& c : node->status().conditions()) {
    if (c.type() == "Ready") {
      ready = c.status();
      beat = c.last_heartbeat_time().seconds();
    }
  }
  EXPECT_EQ(ready, "True");
  EXPECT_TRUE(Eventually(
      [&] {
        auto n = api::GetObject<api::Node>(*client_, "", node_);
        for (const auto& c : n->status().conditions()) {
          if (c.type() == "Ready" && c.last_heartbeat_time().seconds() > beat) return true;
        }
        return false;
      },
      10s));
}

TEST_F(AgentTest, RunsAPodWithAnIpEnvAndLogs) {
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name("settings");
  cm.mutable_metadata()->set_namespace_("default");
  (*cm.mutable_data())["GREETING"] = "hello";
  ASSERT_TRUE(api::CreateObject(*client_, cm).ok());
  api::Pod pod =
      MakePod("web", {"sh", "-c",
                      "echo greeting=$GREETING; echo from=$(cat /proc/sys/kernel/hostname); "
                      "echo pid=$$$$; cat /etc/resolv.conf; exec sleep 3600"});
  auto* env = pod.mutable_spec()->mutable_containers(0)->add_env();
  env->set_name("GREETING");
  env->mutable_value_from()->mutable_config_map_key_ref()->set_name("settings");
  env->mutable_value_from()->mutable_config_map_key_ref()->set_key("GREETING");
  Create(pod);
  auto p = WaitFor("web", Running);
  ASSERT_TRUE(p && Running(*p)) << (p ? p->status().DebugString() : "no pod");
  EXPECT_FALSE(p->status().pod_ip().empty());
  EXPECT_EQ(Condition(*p, "Ready"), "True");
  EXPECT_EQ(Condition(*p, "PodScheduled"), "True");
  EXPECT_EQ(p->status().host_ip(), "127.0.0.1");
  EXPECT_NE(Container(*p)->container_id().find("://"), std::string::npos);
  EXPECT_TRUE(IsNetnsMounted(NetnsPath(p->metadata().uid())));
  EXPECT_TRUE(CgroupExists(PodCgroup(p->metadata().uid())));
  // The pod's address is on eth0 inside its namespace.
  ShResult addr = Sh("ip netns exec " + prefix_ + p->metadata().uid() + " ip -o addr show eth0");
  EXPECT_NE(addr.out.find(p->status().pod_ip()), std::string::npos) << addr.out;

  std::string logs;
  ASSERT_TRUE(Eventually([&] {
    auto r = AgentGet("/containerLogs/default/web/main");
    logs = r.second;
    return r.first == 200 && logs.find("search") != std::string::npos;
  }));
  EXPECT_NE(logs.find("greeting=hello"), std::string::npos) << logs;
  EXPECT_NE(logs.find("from=web"), std::string::npos) << logs;
  EXPECT_NE(logs.find("pid=1"), std::string::npos) << logs;
  EXPECT_NE(logs.find("search default.svc.cluster.local svc.cluster.local cluster.local"),
            std::string::npos)
      << logs;
  EXPECT_NE(logs.find("nameserver 10.96.0.10"), std::string::npos) << logs;
  EXPECT_NE(logs.find("options ndots:5"), std::string::npos) << logs;
  auto tail = AgentGet("/containerLogs/default/web/main?tailLines=1");
  EXPECT_EQ(tail.first, 200);
  EXPECT_EQ(std::count(tail.second.begin(), tail.second.end(), '\n'), 1) << tail.second;
  std::string bad = "not-the-token";
  EXPECT_EQ(AgentGet("/containerLogs/default/web/main", &bad).first, 401);
  EXPECT_EQ(AgentGet("/containerLogs/default/web/nope").first, 400);
  EXPECT_EQ(AgentGet("/containerLogs/default/missing/main").first, 404);
  EXPECT_TRUE(Eventually([&] { return HasEvent("web", "Started", "main"); }));
}

TEST_F(AgentTest, AKilledProcessRestartsAndCountsIt) {
  Create(MakePod("crashy", {"sleep", "3600"}));
  auto p = WaitFor("crashy", Running);
  ASSERT_TRUE(p && Running(*p));
  auto pids = ContainerPids(*p);
  ASSERT_EQ(pids.size(), 1u);
  ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  p = WaitFor("crashy", [](const api::Pod& x) {
    return Running(x) && x.status().container_statuses(0).restart_count() == 1;
  });
  ASSERT_TRUE(p && Running(*p)) << (p ? p->status().DebugString() : "");
  const auto& last = p->status().container_statuses(0).last_state().terminated();
  EXPECT_EQ(last.exit_code(), 137);
  EXPECT_EQ(last.reason(), "Error");
  auto prev = AgentGet("/containerLogs/default/crashy/main?previous=true");
  EXPECT_EQ(prev.first, 200);
}

TEST_F(AgentTest, MissingCommandShowsRunContainerError) {
  Create(MakePod("nocmd", {"definitely-not-a-command-xyz"}));
  auto p = WaitFor("nocmd", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).state().waiting().reason() == "RunContainerError";
  });
  ASSERT_TRUE(p) << "no pod";
  const auto& w = p->status().container_statuses(0).state().waiting();
  EXPECT_EQ(w.reason(), "RunContainerError") << p->status().DebugString();
  EXPECT_NE(w.message().find(
                "exec: \"definitely-not-a-command-xyz\": executable file not found in $PATH"),
            std::string::npos)
      << w.message();
  EXPECT_EQ(p->status().phase(), "Pending");
  EXPECT_TRUE(Eventually([&] { return HasEvent("nocmd", "Failed", "executable file not found"); }));
}

TEST_F(AgentTest, DeletingAPodRemovesEverything) {
  int veths_before = HostVethCount();
  api::Pod pod = MakePod(
      "gone", {"sh", "-c", "trap 'echo stopping; exit 0' TERM; while true; do sleep 0.2; done"});
  Create(pod);
  auto p = WaitFor("gone", Running);
  ASSERT_TRUE(p && Running(*p));
  std::string uid = p->metadata().uid();
  auto pids = ContainerPids(*p);
  ASSERT_FALSE(pids.empty());
  EXPECT_EQ(HostVethCount(), veths_before + 1);
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "gone").ok());
  EXPECT_TRUE(WaitGone("gone"));
  EXPECT_FALSE(IsNetnsMounted(NetnsPath(uid)));
  EXPECT_FALSE(PathExists(NetnsPath(uid)));
  EXPECT_FALSE(CgroupExists(PodCgroup(uid)));
  for (int pid : pids)
    EXPECT_NE(kill(pid, 0), 0) << "pid " << pid << " still alive";
  EXPECT_EQ(HostVethCount(), veths_before);
  EXPECT_TRUE(HasEvent("gone", "Killing", "main"));
  // The address went back to the pool.
  ShResult leases = Sh("grep -rl " + uid + " " + work_ + "/ipam 2>/dev/null | wc -l");
  EXPECT_EQ(std::atoi(leases.out.c_str()), 0) << leases.out;
}

}  // namespace
}  // namespace skiff::node::testing
