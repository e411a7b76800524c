// Interop with a real container runtime: Debian's containerd + runc run two
// containers with `ctr run --cni` and our conflist in the CNI conf dir. The
// second container must reach the first one and the host.
//
// Isolation: containerd gets its own root/state/socket under a temp dir and is
// stopped by PID; `ctr` (which is what calls CNI for --cni) runs inside a
// test-created "node" network namespace and a private mount namespace where
// /etc/cni/net.d, /opt/cni/bin, /usr/lib/cni and /var/lib/cni are overlaid
// with temp dirs, so nothing on the host is read or written. The container
// image is a directory holding one static binary (cni-probe).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/cni/fixture.h"

#ifndef CNI_PROBE_PATH
#error "CNI_PROBE_PATH must point at the cni-probe binary"
#endif

namespace skiff::cni::testing {
namespace {

namespace fs = std::filesystem;

const char* kEnvPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Makes `target` show `source` inside the calling mount namespace only; when
// `target` does not exist, its nearest existing parent is overlaid first so
// the directory can be created without touching the real filesystem.
const char* kPrivateDirs = R"(set -e
private_dir() {
  if [ -d "$1" ]; then mount --bind "$2" "$1"; return; fi
  p="$1"; while [ ! -d "$p" ]; do p=$(dirname "$p"); done
  k=$(echo "$p" | tr / _)
  mkdir -p "$T/ov/$k/up" "$T/ov/$k/work"
  mount -t overlay overlay -o "lowerdir=$p,upperdir=$T/ov/$k/up,workdir=$T/ov/$k/work" "$p"
  mkdir -p "$1"
  mount --bind "$2" "$1"
}
private_dir /etc/cni/net.d "$T/netd"
private_dir /opt/cni/bin "$T/bin"
private_dir /usr/lib/cni "$T/bin"
private_dir /var/lib/cni "$T/cache"
exec "$@"
)";

bool Exists(const std::string& p) {
  return access(p.c_str(), F_OK) == 0;
}

class Containerd : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {"/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc",
                            "/usr/bin/containerd-shim-runc-v2", "/usr/bin/unshare"}) {
      if (!Exists(bin)) GTEST_SKIP() << bin << " not installed (containerd/runc packages)";
    }
    ASSERT_TRUE(Exists(PluginPath())) << PluginPath();
    t_ = data_.path();
    ns_ = "skcni-" + std::to_string(getpid());
    had_run_dir_ = Exists("/run/containerd");
    had_shim_dir_ = Exists("/run/containerd/s");
    for (const char* d : {"rootfs", "netd", "bin", "ipam", "cache", "root", "state", "runc"}) {
      fs::create_directories(t_ + "/" + d);
    }
    fs::copy_file(CNI_PROBE_PATH, t_ + "/rootfs/cni-probe");
    fs::copy_file(PluginPath(), t_ + "/bin/skiff-cni");
    std::ofstream(t_ + "/netd/10-skiff.conflist")
        << R"({"cniVersion": "1.0.0", "name": "skcni-ctrd", "plugins": [{"type": "skiff-cni",
              "ipam": {"ranges": [[{"subnet": "10.66.0.0/24"}]], "dataDir": ")"
        << t_ << R"(/ipam"}}]})";
    std::ofstream(t_ + "/ctr.sh") << kPrivateDirs;
    std::ofstream(t_ + "/config.toml")
        << "version = 2\nroot = \"" << t_ << "/root\"\nstate = \"" << t_
        << "/state\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \""
        << Sock() << "\"\n[ttrpc]\n  address = \"" << Sock() << ".ttrpc\"\n";
    node_ = std::make_unique<TestNetns>("n");
    ASSERT_TRUE(node_->ok());
    ASSERT_EQ(Sh(node_->path(), "ip addr add 10.99.0.1/32 dev lo").exit_code, 0);

    containerd_ = SpawnIn("", {"/usr/bin/containerd", "--config", t_ + "/config.toml"}, {kEnvPath},
                          t_ + "/containerd.log");
    ASSERT_GT(containerd_, 0);
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      up = Ctr({"version"}).exit_code == 0;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(up) << "containerd did not come up; see " << t_ << "/containerd.log";
  }

  void TearDown() override {
    for (const char* id : {"skcni-a", "skcni-b"}) {
      Ctr({"task", "kill", "-s", "SIGKILL", id});
    }
    if (server_a_.joinable()) server_a_.join();
    for (const char* id : {"skcni-a", "skcni-b"}) {
      Ctr({"task", "delete", "-f", id});
      Ctr({"container", "delete", id});
    }
    if (containerd_ > 0) StopProcess(containerd_);
    // The shim insists on /run/containerd/s; remove what we caused if empty.
    if (!had_shim_dir_) rmdir("/run/containerd/s");
    if (!had_run_dir_) rmdir("/run/containerd");
  }

  std::string Sock() const { return t_ + "/containerd.sock"; }

  CommandResult Ctr(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/ctr", "-a", Sock(), "-n", ns_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunIn("", argv, {kEnvPath}, "", std::chrono::seconds(60));
  }

  // `ctr run --cni` in the node netns with the private CNI directories.
  CommandResult CtrRun(const std::string& id, std::vector<std::string> cmd) {
    std::vector<std::string> argv = {"/usr/bin/unshare",
                                     "-m",
                                     "--propagation",
                                     "private",
                                     "/bin/sh",
                                     t_ + "/ctr.sh",
                                     "/usr/bin/ctr",
                                     "-a",
                                     Sock(),
                                     "-n",
                                     ns_,
                                     "run",
                                     "--rm",
                                     "--null-io",
                                     "--cni",
                                     "--runc-root",
                                     t_ + "/runc",
                                     "--rootfs",
                                     t_ + "/rootfs",
                                     id};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    return RunIn(node_->path(), argv, {kEnvPath, "T=" + t_}, "", std::chrono::seconds(120));
  }

  std::vector<std::string> Reservations() {
    std::vector<std::string> out;
    for (const std::string& n : ListDir(t_ + "/ipam/skcni-ctrd")) {
      if (n.rfind("last_reserved_ip", 0) != 0) out.push_back(n);
    }
    return out;
  }

  TempDir data_;
  std::string t_;
  std::string ns_;
  bool had_run_dir_ = false;
  bool had_shim_dir_ = false;
  std::unique_ptr<TestNetns> node_;
  int containerd_ = -1;
  std::thread server_a_;
};

TEST_F(Containerd, CtrRunCniReachesTheHostAndAnotherContainer) {
  CommandResult a_result;
  server_a_ = std::thread([&]() { a_result = CtrRun("skcni-a", {"/cni-probe", "serve", "8080"}); });
  std::string a_ip;
  for (int i = 0; i < 300 && a_ip.empty(); ++i) {
    auto r = Reservations();
    if (!r.empty()) a_ip = r[0];
    if (a_ip.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(a_ip.empty()) << "container A got no address; containerd log: " << t_
                             << "/containerd.log";
  EXPECT_EQ(a_ip.rfind("10.66.0.", 0), 0u) << a_ip;

  int host_fd = Listen(node_->path(), "10.99.0.1", 9090);
  ASSERT_GE(host_fd, 0);
  bool host_reached = false;
  std::thread host_server(
      [&]() { host_reached = AcceptEchoOnce(host_fd, std::chrono::seconds(60)); });
  CommandResult b = CtrRun("skcni-b", {"/cni-probe", "connect", a_ip, "8080", "10.99.0.1", "9090"});
  host_server.join();
  close(host_fd);
  EXPECT_EQ(b.exit_code, 0) << "container B: " << b.out << b.err;
  EXPECT_TRUE(host_reached);

  // Stopping A makes ctr run DEL for it; B's DEL already ran when it exited.
  EXPECT_EQ(Ctr({"task", "kill", "-s", "SIGKILL", "skcni-a"}).exit_code, 0);
  server_a_.join();
  EXPECT_NE(a_result.exit_code, 0);  // killed
  EXPECT_TRUE(Reservations().empty());
  std::string links = Sh(node_->path(), "ip -o link show | grep -v ' lo:' || true").out;
  EXPECT_EQ(links, "") << "interfaces left in the node namespace";
  EXPECT_EQ(Ctr({"containers", "list", "-q"}).out, "");
}

}  // namespace
}  // namespace skiff::cni::testing
