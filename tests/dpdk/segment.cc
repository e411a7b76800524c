#include "tests/dpdk/segment.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace skiff::dpdktest {

Segment::Segment(int backends, bool dsr, const std::string& tag) : backends_(backends), dsr_(dsr) {
  prefix_ = "dk" + tag + std::to_string(getpid());
  dir_ = "/tmp/skiff-dpdktest-" + std::to_string(getpid()) + tag;
  Sh("rm -rf " + dir_ + " && mkdir -p " + dir_);
  const std::string s = switch_ns(), c = client_ns(), l = lb_ns();
  std::ostringstream sh;
  sh << "set -e\n"
     << "ip netns add " << s << "\nip netns add " << c << "\nip netns add " << l
     << "\n"
     // A plain switch: bridged frames skip netfilter (which would drop
     // malformed IP that the bad-input tests send on purpose).
     << "ip netns exec " << s
     << " sysctl -qw net.bridge.bridge-nf-call-iptables=0 "
        "net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 "
        "2>/dev/null || true\n"
     << "ip -n " << s << " link add br0 type bridge\n"
     << "ip -n " << s << " link set br0 up\n";
  // One veth per member: "<p>x" in the member's namespace, "<p>x-s" on the bridge.
  auto member = [&](const std::string& ns, const std::string& dev) {
    sh << "ip -n " << s << " link add " << dev << "s type veth peer name " << dev << " netns " << ns
       << "\n"
       << "ip -n " << s << " link set " << dev << "s master br0 up\n"
       << "ip -n " << ns << " link set lo up\n"
       << "ip netns exec " << ns << " ethtool -K " << dev << " tx off >/dev/null\n";
  };
  member(c, client_dev());
  sh << "ip -n " << c << " addr add 10.77.0.2/24 dev " << client_dev() << "\n"
     << "ip -n " << c << " addr add fd00:77::2/64 dev " << client_dev() << " nodad\n"
     << "ip -n " << c << " link set " << client_dev() << " up\n"
     << "ip -n " << c << " route add 10.78.0.0/24 via 10.77.0.1\n";
  member(l, lb_dev());
  // The engine owns this device: the kernel must not talk on it.
  sh << "ip netns exec " << l << " sysctl -qw net.ipv6.conf." << lb_dev() << ".disable_ipv6=1\n"
     << "ip netns exec " << l << " ethtool -K " << lb_dev() << " gro off >/dev/null\n"
     << "ip -n " << l << " link set " << lb_dev() << " up\n";
  for (int i = 0; i < backends; ++i) {
    std::string b = backend_ns(i), dev = prefix_ + "b" + std::to_string(i);
    sh << "ip netns add " << b << "\n";
    member(b, dev);
    sh << "ip -n " << b << " addr add " << backend_ip(i) << "/24 dev " << dev << "\n"
       << "ip -n " << b << " addr add " << backend_ip6(i) << "/64 dev " << dev << " nodad\n"
       << "ip -n " << b << " link set " << dev << " up\n";
    if (dsr) {
      sh << "ip netns exec " << b << " sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
         << "net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 "
         << "net.ipv4.conf." << dev << ".rp_filter=0\n";
      for (const std::string& vip : {vip4() + "/32", routed_vip() + "/32"})
        sh << "ip -n " << b << " addr add " << vip << " dev lo\n";
      sh << "ip -n " << b << " addr add " << vip6() << "/128 dev lo nodad\n"
         << "ip -n " << b << " link set dev " << dev << " xdpgeneric obj "
         << bin("skiff_decap.bpf.o") << " sec xdp\n";
    }
  }
  std::string script = dir_ + "/setup.sh";
  std::ofstream(script) << sh.str();
  std::string out;
  if (Sh("bash " + script, &out) != 0) {
    error_ = "segment setup failed: " + out;
    return;
  }
  ok_ = true;
}

Segment::~Segment() {
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) {
    kill(*it, SIGKILL);
    waitpid(*it, nullptr, 0);
  }
  for (const std::string& ns : {client_ns(), lb_ns(), switch_ns()})
    Sh("ip netns del " + ns);
  for (int i = 0; i < backends_; ++i)
    Sh("ip netns del " + backend_ns(i));
  if (!getenv("SKIFF_KEEP_TEST_DIR")) Sh("rm -rf " + dir_);
}

std::string Segment::bin(const std::string& name) const {
  const char* dir = getenv("SKIFF_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

std::string Segment::PortSpec(const std::string& extra) const {
  return "net_af_packet0,iface=" + lb_dev() + extra + ";addr=10.77.0.1/24;addr=fd00:77::1/64";
}

pid_t Segment::Spawn(const std::string& ns, const std::vector<std::string>& argv,
                     const std::string& log) {
  std::vector<std::string> full;
  if (!ns.empty()) full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  pid_t pid = proxytest::SpawnLogged(full, log);
  if (pid > 0) pids_.push_back(pid);
  return pid;
}

int Segment::Stop(pid_t pid, int grace_ms, bool signal) {
  if (pid <= 0) return -1;
  if (signal) kill(pid, SIGTERM);
  int status = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::erase(pids_, pid);
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::erase(pids_, pid);
  return -1;
}

bool Segment::WaitForLog(const std::string& log, const std::string& needle, int timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool Segment::StartBackends(int tcp_port) {
  for (int i = 0; i < backends_; ++i) {
    std::string id = "b" + std::to_string(i), tcp = std::to_string(tcp_port);
    std::vector<std::vector<std::string>> servers;
    if (!dsr_) {
      servers.push_back({"--tcp", tcp, "--udp", "5353"});
    } else {
      // A UDP reply must come from the VIP the client asked: in DSR nothing
      // rewrites it, so the UDP servers bind the VIPs (TCP replies carry the
      // accepted connection's address anyway).
      servers.push_back({"--tcp", tcp});
      servers.push_back({"--udp", "5353", "--bind", vip4()});
      servers.push_back({"--udp", "5353", "--bind", vip6()});
    }
    for (size_t k = 0; k < servers.size(); ++k) {
      std::string log = dir_ + "/backend" + std::to_string(i) + "-" + std::to_string(k) + ".log";
      std::vector<std::string> argv = {bin("skiff-lbtest-server"), "--id", id};
      argv.insert(argv.end(), servers[k].begin(), servers[k].end());
      Spawn(backend_ns(i), argv, log);
      if (!WaitForLog(log, "ready", 5000)) return false;
    }
  }
  return true;
}

pid_t Segment::StartProxy(const std::string& services_file, const std::vector<std::string>& extra,
                          const std::string& port_spec) {
  std::vector<std::string> argv = {bin("skiff-proxy"),
                                   "--engine=dpdk",
                                   "--static-services",
                                   services_file,
                                   "--listen",
                                   "127.0.0.1:10250",
                                   "--node-name",
                                   "node-a",
                                   "--dpdk-port=" + (port_spec.empty() ? PortSpec() : port_spec),
                                   "--dpdk-memory-mb=256",
                                   "--dpdk-mbufs=8191",
                                   "--dpdk-flows=16384"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_t pid = Spawn(lb_ns(), argv, proxy_log());
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::erase(pids_, pid);
      return -1;
    }
    // Synced, and every backend's MAC (IPv4 and IPv6) known.
    std::string m = Metrics();
    if (WaitForLog(proxy_log(), "msg=\"synced\"", 0) &&
        Sample(m, "skiff_dpdk_neighbors", "state=\"unresolved\"") == 0 &&
        Sample(m, "skiff_dpdk_neighbors", "state=\"resolved\"") >=
            static_cast<uint64_t>(2 * backends_))
      return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

std::string Segment::Metrics() const {
  std::string out;
  Sh("ip netns exec " + lb_ns() + " curl -s --max-time 2 http://127.0.0.1:10250/metrics", &out);
  return out;
}

uint64_t Segment::Sample(const std::string& metrics, const std::string& name,
                         const std::string& labels) {
  uint64_t sum = 0;
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    std::string key = line.substr(0, sp);
    std::string metric = key.substr(0, key.find('{'));
    if (metric != name || key.find(labels) == std::string::npos) continue;
    sum += std::strtoull(line.c_str() + sp + 1, nullptr, 10);
  }
  return sum;
}

}  // namespace skiff::dpdktest
