// skiff-agent end to end on one node: pods get IPs and run, restart,
// terminate cleanly, report probes, survive an agent restart, and report
// bad input (missing command, CNI failure, oversized requests) precisely.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
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
  EXPECT_EQ(p->status().host_ip(), kNodeIp);
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

api::Probe* AddProbe(api::Pod* pod, const std::string& kind) {
  auto* c = pod->mutable_spec()->mutable_containers(0);
  api::Probe* p = kind == "readiness"  ? c->mutable_readiness_probe()
                  : kind == "liveness" ? c->mutable_liveness_probe()
                                       : c->mutable_startup_probe();
  p->set_period_seconds(1);
  p->set_timeout_seconds(1);
  p->set_failure_threshold(1);
  p->set_success_threshold(1);
  return p;
}

bool ContainerReady(const api::Pod& p) {
  return p.status().container_statuses_size() > 0 && p.status().container_statuses(0).ready();
}

TEST_F(AgentTest, ReadinessProbeDrivesReadyBothWays) {
  std::string flag = work_ + "/ready";
  api::Pod pod = MakePod("ready", {"sleep", "3600"});
  AddProbe(&pod, "readiness")->mutable_exec()->add_command("cat");
  pod.mutable_spec()->mutable_containers(0)->mutable_readiness_probe()->mutable_exec()->add_command(
      flag);
  Create(pod);
  auto p = WaitFor("ready", Running);
  ASSERT_TRUE(p && Running(*p));
  EXPECT_FALSE(ContainerReady(*p));
  EXPECT_EQ(Condition(*p, "Ready"), "False");
  ASSERT_TRUE(WriteFileAtomic(flag, "yes").ok());
  p = WaitFor("ready", [](const api::Pod& x) { return Condition(x, "Ready") == "True"; });
  ASSERT_TRUE(p);
  EXPECT_TRUE(ContainerReady(*p));
  EXPECT_EQ(Condition(*p, "ContainersReady"), "True");
  ASSERT_EQ(unlink(flag.c_str()), 0);
  p = WaitFor("ready", [](const api::Pod& x) { return Condition(x, "Ready") == "False"; });
  ASSERT_TRUE(p);
  EXPECT_FALSE(ContainerReady(*p));
  EXPECT_EQ(p->status().container_statuses(0).restart_count(), 0) << "readiness never restarts";
  EXPECT_TRUE(Eventually([&] { return HasEvent("ready", "Unhealthy", "Readiness probe failed"); }));
}

TEST_F(AgentTest, HttpReadinessAgainstThePodIp) {
  const char* bin = std::getenv("SKIFF_BIN_DIR");
  std::string hello = std::string(bin ? bin : "build/bin") + "/skiff-hello";
  api::Pod pod = MakePod("hello", {hello, "--listen", ":8080"});
  auto* port = pod.mutable_spec()->mutable_containers(0)->add_ports();
  port->set_name("http");
  port->set_container_port(8080);
  api::Probe* probe = AddProbe(&pod, "readiness");
  probe->mutable_http_get()->set_path("/healthz");
  probe->mutable_http_get()->mutable_port()->set_string_value("http");
  Create(pod);
  auto p = WaitFor("hello", [](const api::Pod& x) { return Condition(x, "Ready") == "True"; });
  ASSERT_TRUE(p);
  ASSERT_TRUE(ContainerReady(*p));
  // A liveness probe on a closed port fails and restarts the container.
  api::Pod bad = MakePod("hello-bad", {hello, "--listen", ":8080"});
  api::Probe* live = AddProbe(&bad, "liveness");
  live->mutable_tcp_socket()->mutable_port()->set_number_value(9);
  live->set_failure_threshold(2);
  Create(bad);
  p = WaitFor("hello-bad", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).restart_count() >= 1;
  });
  ASSERT_TRUE(p) << "never restarted";
  EXPECT_TRUE(HasEvent("hello-bad", "Unhealthy", "Liveness probe failed: dial tcp"));
  EXPECT_TRUE(HasEvent("hello-bad", "Killing", "failed liveness probe, will be restarted"));
}

TEST_F(AgentTest, CrashingContainerBacksOff) {
  api::Pod pod = MakePod("crashloop", {"sh", "-c", "echo crashing; exit 2"});
  Create(pod);
  auto p = WaitFor("crashloop", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).state().waiting().reason() == "CrashLoopBackOff";
  });
  ASSERT_TRUE(p) << "no CrashLoopBackOff";
  const auto& s = p->status().container_statuses(0);
  EXPECT_NE(s.state().waiting().message().find("back-off"), std::string::npos);
  EXPECT_EQ(s.last_state().terminated().exit_code(), 2);
  EXPECT_EQ(s.last_state().terminated().reason(), "Error");
  EXPECT_EQ(p->status().phase(), "Running");
  EXPECT_TRUE(Eventually([&] { return HasEvent("crashloop", "BackOff", "Back-off restarting"); }));
  // Restarts keep coming, spaced by the back-off.
  p = WaitFor("crashloop", [](const api::Pod& x) {
    return x.status().container_statuses(0).restart_count() >= 2;
  });
  ASSERT_TRUE(p);
}

TEST_F(AgentTest, CompletedPodSucceedsAndReleasesItsSandbox) {
  api::Pod pod = MakePod("job", {"sh", "-c", "echo done"});
  pod.mutable_spec()->set_restart_policy("Never");
  Create(pod);
  auto p = WaitFor("job", [](const api::Pod& x) { return x.status().phase() == "Succeeded"; });
  ASSERT_TRUE(p) << "not Succeeded";
  const auto& t = p->status().container_statuses(0).state().terminated();
  EXPECT_EQ(t.exit_code(), 0);
  EXPECT_EQ(t.reason(), "Completed");
  EXPECT_EQ(Condition(*p, "Ready"), "False");
  std::string uid = p->metadata().uid();
  EXPECT_TRUE(Eventually([&] { return !PathExists(NetnsPath(uid)); }));
  EXPECT_TRUE(Eventually([&] { return !CgroupExists(PodCgroup(uid)); }));
  auto logs = AgentGet("/containerLogs/default/job/main");
  EXPECT_EQ(logs.first, 200);
  EXPECT_EQ(logs.second, "done\n");

  api::Pod failing = MakePod("job-fail", {"sh", "-c", "exit 3"});
  failing.mutable_spec()->set_restart_policy("Never");
  Create(failing);
  p = WaitFor("job-fail", [](const api::Pod& x) { return x.status().phase() == "Failed"; });
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status().container_statuses(0).state().terminated().exit_code(), 3);
}

TEST_F(AgentTest, OomKilledContainer) {
  api::Pod pod = MakePod("hog", {"sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"});
  pod.mutable_spec()->set_restart_policy("Never");
  auto& limits = *pod.mutable_spec()->mutable_containers(0)->mutable_resources()->mutable_limits();
  limits["memory"] = "32Mi";
  limits["cpu"] = "500m";
  Create(pod);
  auto p = WaitFor("hog", [](const api::Pod& x) { return x.status().phase() == "Failed"; });
  ASSERT_TRUE(p) << "not Failed";
  const auto& t = p->status().container_statuses(0).state().terminated();
  EXPECT_EQ(t.reason(), "OOMKilled");
  EXPECT_EQ(t.exit_code(), 137);
}

TEST_F(AgentTest, InitContainersRunFirstInOrder) {
  std::string marker = work_ + "/init-order";
  api::Pod pod = MakePod("inits", {"sh", "-c", "echo main >> " + marker + "; sleep 3600"});
  for (const char* name : {"first", "second"}) {
    auto* c = pod.mutable_spec()->add_init_containers();
    c->set_name(name);
    c->set_image("node-filesystem");
    c->add_command("sh");
    c->add_command("-c");
    c->add_command(std::string("echo ") + name + " >> " + marker);
  }
  Create(pod);
  auto p = WaitFor("inits", Running);
  ASSERT_TRUE(p && Running(*p)) << (p ? p->status().DebugString() : "");
  EXPECT_EQ(Condition(*p, "Initialized"), "True");
  ASSERT_EQ(p->status().init_container_statuses_size(), 2);
  EXPECT_EQ(p->status().init_container_statuses(0).state().terminated().reason(), "Completed");
  EXPECT_TRUE(Eventually([&] {
    auto text = ReadFile(marker);
    return text.ok() && *text == "first\nsecond\nmain\n";
  }));
}

TEST_F(AgentTest, ServiceVariablesAndFieldRefs) {
  api::Service svc;
  svc.mutable_metadata()->set_name("redis-primary");
  svc.mutable_metadata()->set_namespace_("default");
  auto* port = svc.mutable_spec()->add_ports();
  port->set_name("redis");
  port->set_port(6379);
  port->set_protocol("TCP");
  (*svc.mutable_spec()->mutable_selector())["app"] = "redis";
  auto created = api::CreateObject(*client_, svc);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string ip = created->spec().cluster_ip();
  api::Pod pod = MakePod("envs", {"sh", "-c", "env | sort; sleep 3600"});
  auto* e = pod.mutable_spec()->mutable_containers(0)->add_env();
  e->set_name("MY_POD_IP");
  e->mutable_value_from()->mutable_field_ref()->set_field_path("status.podIP");
  auto* e2 = pod.mutable_spec()->mutable_containers(0)->add_env();
  e2->set_name("MY_NODE");
  e2->mutable_value_from()->mutable_field_ref()->set_field_path("spec.nodeName");
  Create(pod);
  auto p = WaitFor("envs", Running);
  ASSERT_TRUE(p && Running(*p));
  std::string logs;
  ASSERT_TRUE(Eventually([&] {
    logs = AgentGet("/containerLogs/default/envs/main").second;
    return logs.find("MY_NODE") != std::string::npos;
  }));
  EXPECT_NE(logs.find("REDIS_PRIMARY_SERVICE_HOST=" + ip + "\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("REDIS_PRIMARY_SERVICE_PORT=6379\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("REDIS_PRIMARY_SERVICE_PORT_REDIS=6379\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("REDIS_PRIMARY_PORT=tcp://" + ip + ":6379\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("MY_POD_IP=" + p->status().pod_ip() + "\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("MY_NODE=" + node_ + "\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("HOSTNAME=envs\n"), std::string::npos) << logs;
}

TEST_F(AgentTest, MissingConfigMapIsAConfigErrorUntilItAppears) {
  api::Pod pod = MakePod("cfg", {"sh", "-c", "echo value=$V; sleep 3600"});
  auto* e = pod.mutable_spec()->mutable_containers(0)->add_env();
  e->set_name("V");
  e->mutable_value_from()->mutable_config_map_key_ref()->set_name("later");
  e->mutable_value_from()->mutable_config_map_key_ref()->set_key("v");
  Create(pod);
  auto p = WaitFor("cfg", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).state().waiting().reason() ==
               "CreateContainerConfigError";
  });
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status().container_statuses(0).state().waiting().message(),
            "configmap \"later\" not found");
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name("later");
  cm.mutable_metadata()->set_namespace_("default");
  (*cm.mutable_data())["v"] = "42";
  ASSERT_TRUE(api::CreateObject(*client_, cm).ok());
  p = WaitFor("cfg", Running);
  ASSERT_TRUE(p && Running(*p));
  EXPECT_TRUE(Eventually(
      [&] { return AgentGet("/containerLogs/default/cfg/main").second == "value=42\n"; }));
}

TEST_F(AgentTest, GracePeriodEndsWithSigkill) {
  // sleep is PID 1 of its namespace and ignores SIGTERM: only SIGKILL ends it.
  api::Pod pod = MakePod("stubborn", {"sleep", "3600"});
  pod.mutable_spec()->set_termination_grace_period_seconds(1);
  auto* pre = pod.mutable_spec()->mutable_containers(0)->mutable_lifecycle()->mutable_pre_stop();
  pre->mutable_exec()->add_command("sh");
  pre->mutable_exec()->add_command("-c");
  pre->mutable_exec()->add_command("echo prestop > " + work_ + "/prestop");
  Create(pod);
  auto p = WaitFor("stubborn", Running);
  ASSERT_TRUE(p && Running(*p));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "stubborn").ok());
  EXPECT_TRUE(WaitGone("stubborn"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  auto text = ReadFile(work_ + "/prestop");
  ASSERT_TRUE(text.ok()) << "preStop did not run";
  EXPECT_EQ(*text, "prestop\n");
}

TEST_F(AgentTest, CniFailureIsReportedAndLeavesNothing) {
  // A chain whose second plugin does not exist: ADD fails after skiff-cni ran.
  std::string conf = R"({"cniVersion": "1.0.0", "name": "sknode",
    "plugins": [{"type": "skiff-cni", "capabilities": {"ipRanges": true},
                 "ipam": {"type": "skiff", "dataDir": ")" +
                     work_ + R"(/ipam"}},
                {"type": "no-such-plugin"}]})";
  ASSERT_TRUE(WriteFileAtomic(cni_conf_dir_ + "/10-sknode.conflist", conf).ok());
  int veths_before = HostVethCount();
  Create(MakePod("nonet", {"sleep", "3600"}));
  auto p = WaitFor("nonet", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).state().waiting().message().find("sandbox") !=
               std::string::npos;
  });
  ASSERT_TRUE(p) << "status does not mention the sandbox failure";
  const auto& w = p->status().container_statuses(0).state().waiting();
  EXPECT_EQ(w.reason(), "ContainerCreating");
  EXPECT_NE(w.message().find("no-such-plugin"), std::string::npos) << w.message();
  EXPECT_EQ(p->status().phase(), "Pending");
  EXPECT_TRUE(HasEvent("nonet", "FailedCreatePodSandBox", "no-such-plugin"));
  std::string uid = p->metadata().uid();
  EXPECT_FALSE(PathExists(NetnsPath(uid)));
  // Namespaces (and the veth ends in them) are freed asynchronously.
  EXPECT_TRUE(Eventually([&] { return HostVethCount() == veths_before; }));
  EXPECT_FALSE(CgroupExists(PodCgroup(uid)));
  // The address skiff-cni reserved before the chain failed is released.
  ShResult leases = Sh("grep -rl " + uid + " " + work_ + "/ipam 2>/dev/null | wc -l");
  EXPECT_EQ(std::atoi(leases.out.c_str()), 0) << leases.out;
  // Fixing the configuration lets the pod start on the next retry.
  std::string good = R"({"cniVersion": "1.0.0", "name": "sknode",
    "plugins": [{"type": "skiff-cni", "capabilities": {"ipRanges": true},
                 "ipam": {"type": "skiff", "dataDir": ")" +
                     work_ + R"(/ipam"}}]})";
  ASSERT_TRUE(WriteFileAtomic(cni_conf_dir_ + "/10-sknode.conflist", good).ok());
  p = WaitFor("nonet", Running, 60s);
  EXPECT_TRUE(p && Running(*p));
}

TEST_F(AgentTest, PodAskingForMoreThanTheNodeHasIsRejected) {
  api::Pod pod = MakePod("huge", {"sleep", "3600"});
  (*pod.mutable_spec()->mutable_containers(0)->mutable_resources()->mutable_requests())["cpu"] =
      "1000";
  Create(pod);
  auto p = WaitFor("huge", [](const api::Pod& x) { return x.status().phase() == "Failed"; });
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status().reason(), "OutOfcpu");
  EXPECT_NE(p->status().message().find("Node didn't have enough resource: cpu, requested: 1000000"),
            std::string::npos)
      << p->status().message();
  EXPECT_TRUE(HasEvent("huge", "OutOfcpu"));
  EXPECT_FALSE(PathExists(NetnsPath(p->metadata().uid())));
}

TEST_F(AgentTest, AgentRestartAdoptsRunningPods) {
  Create(MakePod("survivor", {"sleep", "3600"}));
  auto p = WaitFor("survivor", Running);
  ASSERT_TRUE(p && Running(*p));
  auto pids = ContainerPids(*p);
  ASSERT_EQ(pids.size(), 1u);
  std::string ip = p->status().pod_ip();
  StopAgent();
  EXPECT_EQ(kill(pids[0], 0), 0) << "the container must outlive the agent";
  // Deleted while the agent is down: it must be torn down at start.
  Create(MakePod("orphan-to-be", {"sleep", "3600"}));
  StartAgent();
  auto orphan = WaitFor("orphan-to-be", Running);
  ASSERT_TRUE(orphan && Running(*orphan));
  std::string orphan_uid = orphan->metadata().uid();
  StopAgent();
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "orphan-to-be").ok());
  // Graceful deletion waits for the agent; force it gone as an admin would.
  api::DeleteRequest force;
  force.set_kind("Pod");
  force.set_namespace_("default");
  force.set_name("orphan-to-be");
  force.set_grace_period_seconds(0);
  (void)client_->Delete(force);
  StartAgent();
  p = Get("survivor");
  ASSERT_TRUE(p);
  EXPECT_TRUE(Running(*p));
  EXPECT_EQ(p->status().container_statuses(0).restart_count(), 0);
  EXPECT_EQ(p->status().pod_ip(), ip);
  auto now = ContainerPids(*p);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0], pids[0]) << "adopted, not restarted";
  EXPECT_TRUE(Eventually([&] { return !PathExists(NetnsPath(orphan_uid)); }));
  EXPECT_FALSE(CgroupExists(PodCgroup(orphan_uid)));
  // The adopted container is still watched: its exit is noticed and counted.
  ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  p = WaitFor("survivor", [](const api::Pod& x) {
    return Running(x) && x.status().container_statuses(0).restart_count() == 1;
  });
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status().container_statuses(0).last_state().terminated().exit_code(), 137);
}

TEST_F(AgentTest, HostNetworkPodUsesTheNodeAddress) {
  api::Pod pod = MakePod("hostnet", {"sleep", "3600"});
  pod.mutable_spec()->set_host_network(true);
  Create(pod);
  auto p = WaitFor("hostnet", Running);
  ASSERT_TRUE(p && Running(*p));
  EXPECT_EQ(p->status().pod_ip(), kNodeIp);
  EXPECT_FALSE(PathExists(NetnsPath(p->metadata().uid())));
}

TEST_F(AgentTest, FollowStreamsNewOutputAndStatsAreServed) {
  Create(MakePod("ticker",
                 {"sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"}));
  auto p = WaitFor("ticker", Running);
  ASSERT_TRUE(p && Running(*p));
  // curl gives up after 2 s; by then several new ticks must have streamed.
  ShResult r = Sh("curl -s -m 2 -H 'Authorization: Bearer " + token_ + "' 'http://" +
                  std::string(kNodeIp) + ":" + std::to_string(agent_->port()) +
                  "/containerLogs/default/ticker/main?follow=true&tailLines=1'");
  EXPECT_GE(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
  auto stats = AgentGet("/stats/summary");
  EXPECT_EQ(stats.first, 200);
  EXPECT_NE(stats.second.find("\"name\": \"ticker\""), std::string::npos) << stats.second;
  EXPECT_NE(stats.second.find("\"workingSetBytes\""), std::string::npos);
  EXPECT_NE(stats.second.find("\"usageCoreNanoSeconds\""), std::string::npos);
  std::string bad = "nope";
  EXPECT_EQ(AgentGet("/stats/summary", &bad).first, 401);
  EXPECT_EQ(AgentGet("/healthz").first, 200);
}

TEST_F(AgentTest, ProbeTimeoutsAreReportedAsSuch) {
  // A server that accepts and never answers: every probe times out.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 64), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  api::Pod pod = MakePod("slow", {"sleep", "3600"});
  api::Probe* ready = AddProbe(&pod, "readiness");
  ready->mutable_http_get()->set_host("127.0.0.1");
  ready->mutable_http_get()->set_path("/");
  ready->mutable_http_get()->mutable_port()->set_number_value(port);
  api::Probe* live = AddProbe(&pod, "liveness");
  live->mutable_exec()->add_command("sleep");
  live->mutable_exec()->add_command("5");
  live->set_failure_threshold(2);
  Create(pod);
  auto p = WaitFor("slow", [](const api::Pod& x) {
    return x.status().container_statuses_size() > 0 &&
           x.status().container_statuses(0).restart_count() >= 1;
  });
  ASSERT_TRUE(p) << "the liveness timeouts never restarted the container";
  EXPECT_FALSE(ContainerReady(*p));
  EXPECT_TRUE(HasEvent("slow", "Unhealthy", "Readiness probe failed: Get \"http://127.0.0.1:"));
  EXPECT_TRUE(HasEvent("slow", "Unhealthy", "Client.Timeout exceeded"));
  EXPECT_TRUE(
      HasEvent("slow", "Unhealthy", "Liveness probe failed: command \"sleep 5\" timed out"));
  close(fd);
}

}  // namespace
}  // namespace skiff::node::testing
