#include "tests/node/fixture.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/client/config.h"
#include "api/client/typed.h"
#include "node/pod/handlers.h"
#include "node/runtime/cgroups.h"
#include "node/runtime/fs.h"
#include "node/runtime/netns.h"

namespace skiff::node::testing {
namespace {

std::atomic<int> g_counter{0};
bool g_private_netns = false;

// Moves the process (its main thread, and every thread started later) into
// a network namespace of its own, before any test creates threads.
class PrivateNetns : public ::testing::Environment {
 public:
  void SetUp() override {
    if (geteuid() != 0) return;
    if (unshare(CLONE_NEWNET) != 0) return;
    // A routable node address: sources for the agent's probes to pods.
    g_private_netns =
        Sh("ip link set lo up && ip addr add " + std::string(kNodeIp) + "/32 dev lo").code == 0;
  }
};

[[maybe_unused]] const auto* g_env = ::testing::AddGlobalTestEnvironment(new PrivateNetns);

std::string BinDir() {
  const char* d = std::getenv("SKIFF_BIN_DIR");
  return d ? d : "build/bin";
}

}  // namespace

bool InPrivateNetns() {
  return g_private_netns;
}

ShResult Sh(const std::string& cmd) {
  ShResult r;
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void NodeTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, cgroups)";
  if (!InPrivateNetns()) GTEST_SKIP() << "cannot create a network namespace for the test";
  if (access((BinDir() + "/skiff-cni").c_str(), X_OK) != 0 ||
      access((BinDir() + "/skiff-shim").c_str(), X_OK) != 0) {
    FAIL() << "build skiff-cni and skiff-shim first (" << BinDir() << ")";
  }
  ApiServerTest::SetUp();
  if (HasFatalFailure()) return;
  char tmpl[] = "/tmp/sknode-XXXXXX";
  work_ = mkdtemp(tmpl);
  int n = g_counter++;
  prefix_ = "sknode-" + std::to_string(getpid()) + "-" + std::to_string(n) + "-";
  cgroup_parent_ = "sknode-" + std::to_string(getpid()) + "-" + std::to_string(n);
  cni_bin_dir_ = work_ + "/cni/bin";
  cni_conf_dir_ = work_ + "/cni/net.d";
  ASSERT_TRUE(MakeDirs(cni_bin_dir_).ok());
  ASSERT_TRUE(MakeDirs(cni_conf_dir_).ok());
  ASSERT_EQ(symlink((BinDir() + "/skiff-cni").c_str(), (cni_bin_dir_ + "/skiff-cni").c_str()), 0);
  std::string conf = R"({"cniVersion": "1.0.0", "name": "sknode",
    "plugins": [{"type": "skiff-cni", "mode": "routed", "ipMasq": false,
                 "capabilities": {"ipRanges": true},
                 "ipam": {"type": "skiff", "dataDir": ")" +
                     work_ + R"(/ipam"}}]})";
  ASSERT_TRUE(WriteFileAtomic(cni_conf_dir_ + "/10-sknode.conflist", conf).ok());
  auto cfg = api::LoadClientConfig(server_->admin_config_path());
  ASSERT_TRUE(cfg.ok());
  token_ = cfg->token;
  StartAgent();
}

AgentOptions NodeTest::Options() {
  AgentOptions o;
  o.node_name = node_;
  o.node_ip = kNodeIp;
  o.listen = std::string(kNodeIp) + ":0";
  o.root_dir = work_ + "/agent";
  o.network.conf_dir = cni_conf_dir_;
  o.network.bin_dirs = {cni_bin_dir_};
  o.network.cache_dir = work_ + "/cni/cache";
  o.network.netns_prefix = prefix_;
  o.cgroup_parent = cgroup_parent_;
  o.shim_path = BinDir() + "/skiff-shim";
  o.backoff_base = std::chrono::milliseconds(1000);
  o.backoff_max = std::chrono::milliseconds(4000);
  o.resync = std::chrono::seconds(2);
  o.heartbeat = std::chrono::seconds(2);
  o.housekeeping = std::chrono::seconds(2);
  o.minimum_grace = std::chrono::milliseconds(500);
  auto cfg = api::LoadClientConfig(server_->admin_config_path());
  if (cfg.ok()) o.client_config = *cfg;
  return o;
}

void NodeTest::StartAgent() {
  auto a = Agent::Start(*client_, Options());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  agent_ = std::move(*a);
}

void NodeTest::StopAgent() {
  agent_.reset();
}

void NodeTest::TearDown() {
  if (work_.empty()) {
    ApiServerTest::TearDown();
    return;
  }
  agent_.reset();
  // Whatever the test left running: every process, cgroup and namespace.
  auto cg = CgroupDriver::Detect();
  if (cg.ok()) {
    (void)cg->KillAll(cgroup_parent_);
    EXPECT_TRUE(cg->Remove(cgroup_parent_).ok());
  }
  for (const auto& e : ListDir("/run/netns")) {
    if (e.rfind(prefix_, 0) == 0) (void)DeleteNetns("/run/netns/" + e);
  }
  // Pods' volume tmpfs mounts (left by pods still running at the end), deepest first.
  std::vector<std::string> mounts;
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point.rfind(work_ + "/", 0) == 0) mounts.push_back(point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const auto& m : mounts)
    EXPECT_EQ(umount2(m.c_str(), MNT_DETACH), 0) << m;
  // Shims of killed containers may still be writing their exit records: retry a little.
  Status removed = RemoveTree(work_);
  for (int i = 0; i < 50 && (!removed.ok() || PathExists(work_)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    removed = RemoveTree(work_);
  }
  EXPECT_TRUE(removed.ok() && !PathExists(work_)) << work_ << ": " << removed.ToString();
  ApiServerTest::TearDown();
}

api::Pod NodeTest::MakePod(const std::string& name, std::vector<std::string> command) {
  api::Pod p;
  p.mutable_metadata()->set_name(name);
  p.mutable_metadata()->set_namespace_("default");
  p.mutable_spec()->set_node_name(node_);
  p.mutable_spec()->set_termination_grace_period_seconds(3);
  auto* c = p.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("node-filesystem");
  for (auto& s : command)
    c->add_command(s);
  return p;
}

api::Pod NodeTest::Create(const api::Pod& pod) {
  auto r = api::CreateObject(*client_, pod);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : pod;
}

std::optional<api::Pod> NodeTest::Get(const std::string& name) {
  auto r = api::GetObject<api::Pod>(*client_, "default", name);
  if (!r.ok()) return std::nullopt;
  return *r;
}

std::optional<api::Pod> NodeTest::WaitFor(const std::string& name,
                                          const std::function<bool(const api::Pod&)>& pred,
                                          std::chrono::milliseconds timeout) {
  std::optional<api::Pod> last;
  Eventually(
      [&] {
        last = Get(name);
        return last && pred(*last);
      },
      timeout);
  return last;
}

bool NodeTest::WaitGone(const std::string& name, std::chrono::milliseconds timeout) {
  return Eventually([&] { return !Get(name).has_value(); }, timeout);
}

std::vector<api::Event> NodeTest::Events(const std::string& pod_name) {
  std::vector<api::Event> out;
  auto all = api::ListObjects<api::Event>(*client_, "default");
  if (!all.ok()) return out;
  for (auto& e : *all) {
    if (e.involved_object().name() == pod_name) out.push_back(e);
  }
  return out;
}

bool NodeTest::HasEvent(const std::string& pod_name, const std::string& reason,
                        const std::string& part) {
  for (const auto& e : Events(pod_name)) {
    if (e.reason() == reason && e.message().find(part) != std::string::npos) return true;
  }
  return false;
}

std::pair<int, std::string> NodeTest::AgentGet(const std::string& path, const std::string* token) {
  std::string cmd = "curl -s -m 10 -w '\\n%{http_code}' -H 'Authorization: Bearer " +
                    (token ? *token : token_) + "' 'http://" + std::string(kNodeIp) + ":" +
                    std::to_string(agent_->port()) + path + "'";
  ShResult r = Sh(cmd);
  size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return {0, r.out};
  return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
}

const api::ContainerStatus* NodeTest::Container(const api::Pod& pod, const std::string& name) {
  for (const auto& s : pod.status().container_statuses()) {
    if (s.name() == name) return &s;
  }
  for (const auto& s : pod.status().init_container_statuses()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

std::vector<int> NodeTest::ContainerPids(const api::Pod& pod, const std::string& name) {
  const api::ContainerStatus* s = Container(pod, name);
  if (!s) return {};
  auto cg = CgroupDriver::Detect();
  if (!cg.ok()) return {};
  auto pids = cg->Pids(PodCgroup(pod.metadata().uid()) + "/ctr-" + name + "-" +
                       std::to_string(s->restart_count()));
  return {pids.begin(), pids.end()};
}

std::string NodeTest::NetnsPath(const std::string& uid) const {
  return "/run/netns/" + prefix_ + uid;
}

std::string NodeTest::PodCgroup(const std::string& uid) const {
  return cgroup_parent_ + "/pod" + uid;
}

bool NodeTest::CgroupExists(const std::string& rel) const {
  auto cg = CgroupDriver::Detect();
  return cg.ok() && cg->Exists(rel);
}

int NodeTest::HostVethCount() const {
  return std::atoi(Sh("ip -o link show type veth | wc -l").out.c_str());
}

}  // namespace skiff::node::testing
