#include "tests/e2e/cluster.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/net.h"
#include "node/runtime/cgroups.h"
#include "node/runtime/fs.h"
#include "node/runtime/netns.h"

namespace skiff::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::atomic<int> g_clusters{0};
bool g_private_netns = false;

// The agent names pod namespaces "skiff-<node>-<uid>" in --netns-dir and
// removes the ones with its prefix that it does not know as orphans. Each
// cluster still gets a private netns dir, so a leak check sees only its own.
constexpr const char* kNetnsPrefix = "skiff-";
// The CNI network name in both configurations, and so the IPAM sub-directory.
constexpr const char* kNetworkName = "e2e";

Status RunOk(const std::vector<std::string>& argv, milliseconds timeout = seconds(30)) {
  RunResult r = Run(argv, timeout);
  if (r.ok()) return Status::Ok();
  std::string cmd;
  for (const auto& a : argv)
    cmd += (cmd.empty() ? "" : " ") + a;
  return Internal("`" + cmd + "` failed (" +
                  (r.timed_out ? "timed out" : "exit " + std::to_string(r.code)) + "): " + r.out);
}

bool Eventually(const std::function<bool()>& pred, milliseconds timeout,
                milliseconds interval = milliseconds(200)) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// admin.conf with its token line replaced.
Result<std::string> WithToken(const std::string& conf, const std::string& token) {
  if (token.empty() || token.find_first_of(" \n") != std::string::npos) {
    return InvalidArgument("netctl create token: unexpected output \"" + token + "\"");
  }
  std::istringstream in(conf);
  std::string out;
  bool replaced = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("token:", 0) == 0) {
      line = "token: " + token;
      replaced = true;
    }
    out += line + "\n";
  }
  if (!replaced) return InvalidArgument("admin.conf: no \"token:\" line");
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

}  // namespace

Status EnterPrivateNetns() {
  if (g_private_netns) return Status::Ok();
  if (geteuid() != 0) return FailedPrecondition("needs root (network namespaces, cgroups)");
  if (unshare(CLONE_NEWNET) != 0) {
    return FailedPrecondition(std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
  }
  SKIFF_RETURN_IF_ERROR(RunOk({"ip", "link", "set", "lo", "up"}));
  SKIFF_RETURN_IF_ERROR(RunOk({"ip", "addr", "add", std::string(kNodeIp) + "/32", "dev", "lo"}));
  g_private_netns = true;
  return Status::Ok();
}

bool InPrivateNetns() {
  return g_private_netns;
}

std::string_view CniModeName(CniMode mode) {
  return mode == CniMode::kSkiff ? "skiff-cni" : "bridge+host-local";
}

std::string BinPath(const ClusterOptions& options, const std::string& name) {
  return options.bin_dir + "/" + name;
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Cluster>> Cluster::Start(ClusterOptions options) {
  if (!InPrivateNetns()) {
    return FailedPrecondition("Cluster::Start: call EnterPrivateNetns() first (isolation)");
  }
  if (options.bin_dir.empty()) {
    const char* d = std::getenv("SKIFF_BIN_DIR");
    options.bin_dir = d && *d ? d : "build/bin";
  }
  for (const char* b :
       {"skiff-server", "skiff-agent", "skiff-shim", "skiff-cni", "netctl", "skiff-hello"}) {
    if (access(BinPath(options, b).c_str(), X_OK) != 0) {
      return FailedPrecondition(BinPath(options, b) + " not found: build it first");
    }
  }
  std::unique_ptr<Cluster> c(new Cluster(std::move(options)));
  Status st = c->Init();
  if (!st.ok()) {
    std::string diag = c->Diagnostics();
    return Status(st.code(), st.message() + "\n" + diag);
  }
  return c;
}

Status Cluster::Init() {
  int n = g_clusters++;
  std::string id = std::to_string(getpid()) + "-" + std::to_string(n);
  node_ = options_.tag + "-" + id;
  cgroup_parent_ = node_;
  bridge_ = "e2b" + id;  // IFNAMSIZ: at most 15 characters
  if (bridge_.size() > 15) bridge_ = bridge_.substr(bridge_.size() - 15);
  char tmpl[] = "/tmp/skiff-e2e-XXXXXX";
  if (!mkdtemp(tmpl)) return Internal(std::string("mkdtemp: ") + std::strerror(errno));
  work_ = tmpl;
  cni_conf_dir_ = work_ + "/cni/net.d";
  cni_bin_dir_ = work_ + "/cni/bin";
  // A node's /run is a tmpfs: the netns mounts and the agent's volatile
  // runtime records go there, as on a real node, not on the shared disk.
  run_dir_ = work_ + "/run";
  SKIFF_RETURN_IF_ERROR(node::MakeDirs(run_dir_));
  if (mount("tmpfs", run_dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256m") != 0) {
    return Internal("mount tmpfs on " + run_dir_ + ": " + std::strerror(errno));
  }
  netns_dir_ = run_dir_ + "/netns";
  SKIFF_RETURN_IF_ERROR(node::MakeDirs(cni_conf_dir_));
  SKIFF_RETURN_IF_ERROR(node::MakeDirs(cni_bin_dir_));
  SKIFF_RETURN_IF_ERROR(WriteCniConfig());
  SKIFF_RETURN_IF_ERROR(StartServer());
  return StartAgent();
}

Status Cluster::WriteCniConfig() {
  std::string ipam_dir = work_ + "/ipam";
  std::string conf;
  if (options_.cni == CniMode::kSkiff) {
    // As cni/install.sh installs it (routed mode, ranges from the node's
    // podCIDR through the ipRanges capability); portmap/bandwidth are left
    // out: no test uses hostPorts or bandwidth annotations.
    if (symlink(BinPath(options_, "skiff-cni").c_str(), (cni_bin_dir_ + "/skiff-cni").c_str()) !=
        0) {
      return Internal(std::string("symlink skiff-cni: ") + std::strerror(errno));
    }
    conf = R"({"cniVersion": "1.0.0", "name": ")" + std::string(kNetworkName) + R"(",
  "plugins": [{"type": "skiff-cni", "mode": "routed", "ipMasq": false,
               "capabilities": {"ipRanges": true},
               "ipam": {"type": "skiff", "dataDir": ")" +
           ipam_dir + R"("}}]})";
  } else {
    // The reference plugins: a Linux bridge with the gateway address on it
    // (so the host routes the pod subnet) and host-local IPAM.
    for (const char* p : {"bridge", "host-local", "loopback"}) {
      std::string src = options_.reference_cni_dir + "/" + p;
      if (access(src.c_str(), X_OK) != 0) {
        return FailedPrecondition(src + " not found (Debian containernetworking-plugins)");
      }
      if (symlink(src.c_str(), (cni_bin_dir_ + "/" + p).c_str()) != 0) {
        return Internal("symlink " + src + ": " + std::strerror(errno));
      }
    }
    conf = R"({"cniVersion": "1.0.0", "name": ")" + std::string(kNetworkName) + R"(",
  "plugins": [{"type": "bridge", "bridge": ")" +
           bridge_ + R"(", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": ")" +
           kPodCidr + R"("}]], "dataDir": ")" + ipam_dir + R"("}}]})";
  }
  return node::WriteFileAtomic(cni_conf_dir_ + "/10-e2e.conflist", conf);
}

Status Cluster::StartServer() {
  std::string data = work_ + "/server";
  admin_conf_ = data + "/admin.conf";
  std::string listen = "127.0.0.1:" + std::to_string(net::FreeLoopbackPort());
  SKIFF_RETURN_IF_ERROR(server_.Start(
      {BinPath(options_, "skiff-server"), "--data-dir", data, "--listen", listen,
       "--metrics-listen", "", "--cluster-cidr", "10.244.0.0/16", "--node-cidr-mask-size-ipv4",
       std::to_string(options_.node_cidr_mask_v4), "--log-level", options_.log_level},
      work_ + "/server.log", options_.daemon_cpus));
  bool up = Eventually(
      [&] {
        if (!server_.Running()) return true;  // reported below
        return access(admin_conf_.c_str(), R_OK) == 0 && Netctl({"version"}, seconds(5)).ok();
      },
      seconds(30));
  if (!server_.Running()) return Internal("skiff-server exited during start-up");
  if (!up) return Unavailable("skiff-server did not answer `netctl version` within 30 s");
  return Status::Ok();
}

Status Cluster::StartAgent() {
  // The agent gets its own credentials, as on a real node: admin.conf's
  // server and CA with a node token (system:node:<name>, node authorizer).
  RunResult tok = Netctl({"create", "token", "--node", node_});
  if (!tok.ok()) return Internal("netctl create token --node " + node_ + ": " + tok.out);
  auto conf = WithToken(ReadFile(admin_conf_), Trim(tok.out));
  if (!conf.ok()) return conf.status();
  node_conf_ = work_ + "/node.conf";
  SKIFF_RETURN_IF_ERROR(node::WriteFileAtomic(node_conf_, *conf, 0600));
  std::string bin_dir = cni_bin_dir_;
  SKIFF_RETURN_IF_ERROR(agent_.Start(
      {BinPath(options_, "skiff-agent"), "--config", node_conf_, "--node-name", node_, "--node-ip",
       kNodeIp, "--listen", std::string(kNodeIp) + ":0", "--root-dir", work_ + "/agent",
       "--cni-conf-dir", cni_conf_dir_, "--cni-bin-dir", bin_dir, "--cni-cache-dir",
       work_ + "/cni/cache", "--netns-dir", netns_dir_, "--run-dir", run_dir_ + "/agent",
       "--cgroup-parent", cgroup_parent_, "--shim", BinPath(options_, "skiff-shim"),
       // Crash-loop back-off short enough for a bounded test; the rest are
       // the agent's defaults.
       "--backoff-base", "1s", "--backoff-max", "5s", "--log-level", options_.log_level},
      work_ + "/agent.log", options_.daemon_cpus));
  std::string last;
  bool ready = Eventually(
      [&] {
        if (!agent_.Running()) return true;
        RunResult r = Netctl({"get", "node", node_, "--no-headers"}, seconds(10));
        last = r.out;
        return r.ok() && r.out.find(" Ready") != std::string::npos;
      },
      seconds(30));
  if (!agent_.Running()) return Internal("skiff-agent exited during start-up");
  if (!ready) return Unavailable("node " + node_ + " not Ready within 30 s: " + last);
  return Status::Ok();
}

RunResult Cluster::Netctl(const std::vector<std::string>& args, milliseconds timeout) {
  std::vector<std::string> argv = {BinPath(options_, "netctl"), "--config", admin_conf_};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, timeout);
}

Status Cluster::Apply(const std::string& yaml) {
  std::string path = work_ + "/manifest-" + std::to_string(manifest_count_++) + ".yaml";
  SKIFF_RETURN_IF_ERROR(node::WriteFileAtomic(path, yaml));
  RunResult r = Netctl({"apply", "-f", path});
  if (!r.ok()) return Internal("netctl apply -f " + path + ": " + r.out);
  return Status::Ok();
}

Result<std::vector<PodInfo>> Cluster::Pods(const std::string& selector) {
  std::vector<std::string> args = {"get", "pods", "-o", "json"};
  if (!selector.empty()) args.insert(args.end(), {"-l", selector});
  RunResult r = Netctl(args, seconds(20));
  if (!r.ok()) return Unavailable("netctl get pods -o json: " + r.out);
  auto pods = ParsePods(r.out);
  if (pods.ok()) {
    for (const auto& p : *pods)
      uids_.insert(p.uid);
  }
  return pods;
}

Result<std::vector<EndpointInfo>> Cluster::Endpoints(const std::string& service) {
  RunResult r =
      Netctl({"get", "endpointslices", "-l", "kubernetes.io/service-name=" + service, "-o", "json"},
             seconds(20));
  if (!r.ok()) return Unavailable("netctl get endpointslices: " + r.out);
  return ParseEndpoints(r.out);
}

Status Cluster::WaitPods(const std::string& what,
                         const std::function<bool(const std::vector<PodInfo>&)>& pred,
                         milliseconds timeout, const std::string& selector) {
  std::string last;
  bool ok = Eventually(
      [&] {
        auto pods = Pods(selector);
        if (!pods.ok()) {
          last = pods.status().message();
          return false;
        }
        last.clear();
        for (const auto& p : *pods)
          last += "  " + p.Summary() + "\n";
        return pred(*pods);
      },
      timeout, milliseconds(250));
  if (ok) return Status::Ok();
  return Unavailable("timed out after " + std::to_string(timeout.count()) + " ms waiting for " +
                     what + "; last pods:\n" + last);
}

Status Cluster::WaitEndpoints(const std::string& service, const std::string& what,
                              const std::function<bool(const std::vector<EndpointInfo>&)>& pred,
                              milliseconds timeout) {
  std::string last;
  bool ok = Eventually(
      [&] {
        auto eps = Endpoints(service);
        if (!eps.ok()) {
          last = eps.status().message();
          return false;
        }
        last.clear();
        for (const auto& e : *eps) {
          last += "  " + e.address + " pod=" + e.target_pod + " ready=" + (e.ready ? "1" : "0") +
                  " serving=" + (e.serving ? "1" : "0") +
                  " terminating=" + (e.terminating ? "1" : "0") + "\n";
        }
        return pred(*eps);
      },
      timeout, milliseconds(250));
  if (ok) return Status::Ok();
  return Unavailable("timed out after " + std::to_string(timeout.count()) + " ms waiting for " +
                     what + "; last endpoints of " + service + ":\n" + last);
}

RunResult Cluster::HttpGet(const std::string& ip, int port, const std::string& path) {
  return Run({"curl", "-sS", "-m", "2", "http://" + ip + ":" + std::to_string(port) + path},
             seconds(5));
}

std::vector<pid_t> Cluster::ContainerPids(const std::string& uid, const std::string& binary) {
  std::vector<pid_t> out;
  std::string marker = "/pod" + uid + "/";
  for (const auto& e : node::ListDir("/proc")) {
    if (e.empty() || e.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cg = ReadFile("/proc/" + e + "/cgroup");
    if (cg.find(cgroup_parent_ + marker) == std::string::npos) continue;
    std::string cmd = ReadFile("/proc/" + e + "/cmdline");
    std::string argv0 = cmd.substr(0, cmd.find('\0'));
    std::string base = argv0.substr(argv0.rfind('/') + 1);
    if (base == binary) out.push_back(std::atoi(e.c_str()));
  }
  return out;
}

bool Cluster::NetnsExists(const std::string& uid) const {
  return access((netns_dir_ + "/" + kNetnsPrefix + node_ + "-" + uid).c_str(), F_OK) == 0;
}

int Cluster::HostVethCount() const {
  RunResult r = Run({"ip", "-o", "link", "show", "type", "veth"}, seconds(10));
  int n = 0;
  for (char ch : r.out)
    n += ch == '\n';
  return n;
}

Status Cluster::DeleteAllAndCheckNoLeaks(milliseconds timeout) {
  (void)Pods();  // record the UIDs of what is about to go
  // Workloads first, then pods. The garbage collector deletes pods of the
  // deleted workloads concurrently, hence --ignore-not-found.
  for (const char* kind : {"deployments", "statefulsets", "replicasets", "pods"}) {
    RunResult r = Netctl({"delete", kind, "--all", "--ignore-not-found", "--wait=false"});
    if (!r.ok()) return Internal(std::string("netctl delete ") + kind + " --all: " + r.out);
  }
  SKIFF_RETURN_IF_ERROR(WaitPods(
      "every pod to be gone", [](const std::vector<PodInfo>& pods) { return pods.empty(); },
      timeout));
  // The API object goes when the agent confirmed the pod stopped; network and
  // cgroup teardown finish right around then, so give them a moment.
  std::string leaks;
  auto cg = node::CgroupDriver::Detect();
  std::string ipam = work_ + "/ipam/" + kNetworkName;
  Eventually(
      [&] {
        leaks.clear();
        for (const auto& name : node::ListDir(netns_dir_))
          leaks += "  netns " + netns_dir_ + "/" + name + "\n";
        for (const auto& uid : uids_) {
          if (cg.ok() && cg->Exists(cgroup_parent_ + "/pod" + uid)) {
            leaks += "  cgroup " + cgroup_parent_ + "/pod" + uid + "\n";
          }
        }
        if (int v = HostVethCount(); v != 0) leaks += "  " + std::to_string(v) + " veth(s)\n";
        RunResult routes = Run({"ip", "-4", "route", "show"}, seconds(10));
        std::istringstream in(routes.out);
        for (std::string line; std::getline(in, line);) {
          // The bridge's own subnet route stays while the bridge exists.
          if (line.rfind("10.244.", 0) == 0 && line.find(bridge_) == std::string::npos) {
            leaks += "  route " + line + "\n";
          }
        }
        for (const auto& f : node::ListDir(ipam)) {
          if (f.rfind("last_reserved_ip", 0) != 0 && f != "lock") {
            leaks += "  IPAM reservation " + f + "\n";
          }
        }
        return leaks.empty();
      },
      seconds(15), milliseconds(250));
  if (!leaks.empty()) return Internal("resources left after every pod was deleted:\n" + leaks);
  return Status::Ok();
}

std::string Cluster::Diagnostics() {
  std::string out = "==== cluster " + node_ + " (work dir " + work_ + ")\n";
  if (server_.Running() && !admin_conf_.empty()) {
    out +=
        "---- netctl get pods -o wide\n" + Netctl({"get", "pods", "-o", "wide"}, seconds(15)).out;
    out += "---- netctl describe pods (tail)\n" + [&] {
      std::string d = Netctl({"describe", "pods"}, seconds(15)).out;
      return d.size() > 6000 ? d.substr(d.size() - 6000) : d;
    }();
    out += "---- netctl get events\n" + Netctl({"get", "events"}, seconds(15)).out;
  } else {
    out += "(skiff-server is not running)\n";
  }
  out += "---- host routes and veths\n" + Run({"ip", "-4", "route", "show"}, seconds(10)).out +
         Run({"ip", "-o", "link", "show", "type", "veth"}, seconds(10)).out;
  out += "---- agent log (tail)\n" + TailFile(work_ + "/agent.log", 40);
  out += "---- server log (tail)\n" + TailFile(work_ + "/server.log", 20);
  return out;
}

void Cluster::ForceCleanup() {
  auto cg = node::CgroupDriver::Detect();
  if (cg.ok() && cg->Exists(cgroup_parent_)) {
    (void)cg->KillAll(cgroup_parent_);
    Eventually([&] { return cg->Remove(cgroup_parent_).ok(); }, seconds(10));
  }
  for (const auto& name : node::ListDir(netns_dir_))
    (void)node::DeleteNetns(netns_dir_ + "/" + name);
  // The agent made the directory a (shared) bind mount of itself.
  for (int i = 0; i < 8 && umount2(netns_dir_.c_str(), MNT_DETACH) == 0; ++i) {
  }
  if (!run_dir_.empty()) (void)umount2(run_dir_.c_str(), MNT_DETACH);
  if (options_.cni == CniMode::kBridge) {
    (void)Run({"ip", "link", "del", bridge_}, seconds(10));
  }
}

Cluster::~Cluster() {
  // The agent leaves pods running when stopped (it adopts them on restart),
  // so a test that failed half-way leaves processes: ForceCleanup ends them.
  agent_.Stop(seconds(10));
  server_.Stop(seconds(10));
  if (!work_.empty()) {
    ForceCleanup();
    if (!std::getenv("SKIFF_E2E_KEEP")) (void)node::RemoveTree(work_);
  }
}

}  // namespace skiff::e2e
