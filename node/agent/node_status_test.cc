#include "node/agent/node_status.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

NodeConfig Config() {
  NodeConfig c;
  c.name = "n1";
  c.internal_ips = {"192.168.1.10"};
  c.port = 10250;
  c.capacity = {4000, 8LL << 30, 100LL << 30};
  c.reserved = {500, 1LL << 30, 0};
  c.max_pods = 50;
  c.machine.hostname = "box";
  c.machine.architecture = "amd64";
  c.machine.kernel_version = "6.1.0";
  c.machine.os_image = "Debian GNU/Linux 12 (bookworm)";
  return c;
}

std::string Cond(const api::NodeStatus& s, const std::string& type, std::string* reason = nullptr) {
  for (const auto& c : s.conditions()) {
    if (c.type() == type) {
      if (reason) *reason = c.reason();
      return c.status();
    }
  }
  return "";
}

TEST(NodeStatusTest, CapacityAllocatableAndInfo) {
  Pressure p{4LL << 30, 50LL << 30, 100LL << 30, 100, 32768};
  api::NodeStatus s = BuildNodeStatus(Config(), p, Status::Ok(), {}, 1000LL * 1000000000LL);
  EXPECT_EQ(s.capacity().at("cpu"), "4");
  EXPECT_EQ(s.capacity().at("memory"), "8Gi");
  EXPECT_EQ(s.capacity().at("pods"), "50");
  EXPECT_EQ(s.allocatable().at("cpu"), "3500m");
  EXPECT_EQ(s.allocatable().at("memory"), "7068Mi");  // 8Gi - 1Gi - 100Mi
  EXPECT_EQ(s.addresses(0).type(), "InternalIP");
  EXPECT_EQ(s.addresses(0).address(), "192.168.1.10");
  EXPECT_EQ(s.addresses(1).type(), "Hostname");
  EXPECT_EQ(s.daemon_endpoints().kubelet_endpoint().port(), 10250);
  EXPECT_EQ(s.node_info().architecture(), "amd64");
  EXPECT_EQ(s.node_info().operating_system(), "linux");
  EXPECT_EQ(s.node_info().kubelet_version(), "v0.1.0-skiff");
  std::string reason;
  EXPECT_EQ(Cond(s, "Ready", &reason), "True");
  EXPECT_EQ(reason, "KubeletReady");
  EXPECT_EQ(Cond(s, "MemoryPressure"), "False");
  EXPECT_EQ(Cond(s, "DiskPressure"), "False");
  EXPECT_EQ(Cond(s, "PIDPressure"), "False");
}

TEST(NodeStatusTest, PressureAndNetworkNotReady) {
  Pressure p{50LL << 20, 5LL << 30, 100LL << 30, 32000, 32768};
  api::NodeStatus s = BuildNodeStatus(Config(), p, FailedPrecondition("no CNI config"), {}, 1);
  std::string reason;
  EXPECT_EQ(Cond(s, "Ready", &reason), "False");
  EXPECT_EQ(reason, "KubeletNotReady");
  EXPECT_EQ(Cond(s, "MemoryPressure"), "True");
  EXPECT_EQ(Cond(s, "DiskPressure"), "True");
  EXPECT_EQ(Cond(s, "PIDPressure"), "True");
  for (const auto& c : s.conditions()) {
    if (c.type() == "Ready") {
      EXPECT_NE(c.message().find("NetworkReady=false"), std::string::npos);
      EXPECT_NE(c.message().find("no CNI config"), std::string::npos);
    }
  }
}

TEST(NodeStatusTest, HeartbeatsMoveTransitionsStay) {
  Pressure p{4LL << 30, 50LL << 30, 100LL << 30, 100, 32768};
  api::NodeStatus first = BuildNodeStatus(Config(), p, Status::Ok(), {}, 10LL * 1000000000LL);
  api::NodeStatus second = BuildNodeStatus(Config(), p, Status::Ok(), first, 20LL * 1000000000LL);
  for (const auto& c : second.conditions()) {
    EXPECT_EQ(c.last_heartbeat_time().seconds(), 20);
    EXPECT_EQ(c.last_transition_time().seconds(), 10);
  }
  api::NodeStatus third =
      BuildNodeStatus(Config(), p, Unavailable("x"), second, 30LL * 1000000000LL);
  for (const auto& c : third.conditions()) {
    if (c.type() == "Ready") {
      EXPECT_EQ(c.last_transition_time().seconds(), 30);
    }
  }
}

TEST(NodeStatusTest, AllocatableNeverNegative) {
  NodeConfig c = Config();
  c.reserved = {8000, 16LL << 30, 0};
  ResourceAmounts a = Allocatable(c);
  EXPECT_EQ(a.cpu_milli, 0);
  EXPECT_EQ(a.memory_bytes, 0);
}

TEST(MachineTest, ReadsThisMachine) {
  MachineInfo m = ReadMachineInfo("/tmp");
  EXPECT_GT(m.cpu_milli, 0);
  EXPECT_GT(m.memory_bytes, 0);
  EXPECT_FALSE(m.kernel_version.empty());
  EXPECT_FALSE(m.architecture.empty());
  Pressure p = ReadPressure("/tmp");
  EXPECT_GT(p.memory_available_bytes, 0);
  EXPECT_GT(p.disk_total_bytes, 0);
}

}  // namespace
}  // namespace skiff::node
