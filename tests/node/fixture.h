// Integration fixture for skiff-agent: a real skiff-server in-process, the
// agent library, the real skiff-cni installed into a private CNI bin/conf
// dir, and skiff-shim from the build. The whole test process runs in a
// network namespace of its own (entered before any test starts), so the CNI
// plugin's host-side routes and veths live and die with the test; pod
// namespaces are named "sknode-<pid>-<uid>" and cgroups sit under
// "sknode-<pid>-<n>", all removed in TearDown, also on failure.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/server/api_test_fixture.h"
#include "node/agent/agent.h"
#include "skiff/api/core.pb.h"

namespace skiff::node::testing {

// The node's address inside the test's network namespace.
inline constexpr const char* kNodeIp = "10.123.0.1";

// `sh -c cmd` with its output (stdout+stderr) and exit code.
struct ShResult {
  int code = -1;
  std::string out;
};
ShResult Sh(const std::string& cmd);

class NodeTest : public server::testing::ApiServerTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Agent options for this test (private dirs, fast back-off).
  virtual AgentOptions Options();
  void StartAgent();
  void StopAgent();

  // A pod bound to our node running `command` in one container "main".
  api::Pod MakePod(const std::string& name, std::vector<std::string> command);
  api::Pod Create(const api::Pod& pod);
  std::optional<api::Pod> Get(const std::string& name);
  // Polls the pod until `pred` holds; returns the last version seen.
  std::optional<api::Pod> WaitFor(const std::string& name,
                                  const std::function<bool(const api::Pod&)>& pred,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool WaitGone(const std::string& name,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::vector<api::Event> Events(const std::string& pod_name);
  bool HasEvent(const std::string& pod_name, const std::string& reason,
                const std::string& message_part = "");
  // GET http://127.0.0.1:<agent port><path> with the admin token (or `token`).
  std::pair<int, std::string> AgentGet(const std::string& path, const std::string* token = nullptr);
  const api::ContainerStatus* Container(const api::Pod& pod, const std::string& name = "main");
  // The pids in a container's current cgroup.
  std::vector<int> ContainerPids(const api::Pod& pod, const std::string& name = "main");
  std::string NetnsPath(const std::string& uid) const;
  std::string PodCgroup(const std::string& uid) const;
  bool CgroupExists(const std::string& rel) const;
  int HostVethCount() const;

  std::string work_;    // private root: agent state, CNI dirs
  std::string prefix_;  // netns name prefix
  std::string cgroup_parent_;
  std::string node_ = "sknode-test";
  std::string token_;
  std::unique_ptr<Agent> agent_;
  std::string cni_conf_dir_, cni_bin_dir_;
};

// True when the process could enter its private network namespace (root).
bool InPrivateNetns();

}  // namespace skiff::node::testing
