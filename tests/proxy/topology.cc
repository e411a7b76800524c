#include "tests/proxy/topology.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace skiff::proxytest {

int Sh(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::string s;
  while (size_t n = fread(buf, 1, sizeof(buf), p))
    s.append(buf, n);
  int rc = pclose(p);
  if (out) *out = s;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Topology::Topology(int backends, const std::string& tag) : backends_(backends) {
  prefix_ = "sp" + tag + std::to_string(getpid());
  pin_root_ = "/sys/fs/bpf/skiff-test-" + std::to_string(getpid()) + tag;
  dir_ = "/tmp/skiff-proxytest-" + std::to_string(getpid()) + tag;
  Sh("rm -rf " + dir_ + " && mkdir -p " + dir_);
  for (const char* root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    std::string out;
    if (Sh(std::string("stat -f -c %T ") + root, &out) == 0 && out.find("cgroup2") == 0) {
      cgroup_ = std::string(root) + "/skiff-proxytest-" + std::to_string(getpid()) + tag;
      mkdir(cgroup_.c_str(), 0755);
      break;
    }
  }
  std::string c = client_ns(), n = node_ns();
  std::ostringstream s;
  s << "set -e\n"
    << "ip netns add " << c << "\nip netns add " << n << "\n"
    << "ip -n " << c << " link set lo up\nip -n " << n << " link set lo up\n"
    << "ip netns exec " << n << " sysctl -qw net.ipv4.ip_forward=1\n"
    << "ip -n " << n << " link add " << prefix_ << "nc type veth peer name " << prefix_
    << "cn netns " << c << "\n"
    << "ip -n " << n << " addr add 10.210.0.1/24 dev " << prefix_ << "nc\n"
    << "ip -n " << n << " link set " << prefix_ << "nc up\n"
    << "ip -n " << c << " addr add 10.210.0.2/24 dev " << prefix_ << "cn\n"
    << "ip -n " << c << " link set " << prefix_ << "cn up\n"
    << "ip -n " << c << " route add default via 10.210.0.1\n";
  for (int i = 0; i < backends; ++i) {
    std::string b = backend_ns(i), in = prefix_ + "n" + std::to_string(i),
                ib = prefix_ + "b" + std::to_string(i) + "x";
    s << "ip netns add " << b << "\nip -n " << b << " link set lo up\n"
      << "ip -n " << n << " link add " << in << " type veth peer name " << ib << " netns " << b
      << "\n"
      << "ip -n " << n << " addr add 10.211." << i << ".1/24 dev " << in << "\n"
      << "ip -n " << n << " link set " << in << " up\n"
      << "ip -n " << b << " addr add 10.211." << i << ".2/24 dev " << ib << "\n"
      << "ip -n " << b << " link set " << ib << " up\n"
      << "ip -n " << b << " route add default via 10.211." << i << ".1\n";
  }
  std::string script = dir_ + "/setup.sh";
  std::ofstream(script) << s.str();
  std::string out;
  if (Sh("bash " + script, &out) != 0) {
    error_ = "topology setup failed: " + out;
    return;
  }
  ok_ = true;
}

Topology::~Topology() {
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it)
    Kill(*it);
  Sh("nsenter --net=/run/netns/" + node_ns() + " " + bin("skiff-proxy") + " --cleanup --bpf-root " +
     pin_root_);
  Sh("rm -rf " + pin_root_);
  Sh("ip netns del " + client_ns());
  Sh("ip netns del " + node_ns());
  for (int i = 0; i < backends_; ++i)
    Sh("ip netns del " + backend_ns(i));
  if (!cgroup_.empty()) rmdir(cgroup_.c_str());
  if (!getenv("SKIFF_KEEP_TEST_DIR")) Sh("rm -rf " + dir_);
}

std::string Topology::bin(const std::string& name) const {
  const char* dir = getenv("SKIFF_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = freopen(log.c_str(), "a", stdout);
    (void)f;
    dup2(fileno(stdout), 2);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

pid_t Topology::Spawn(const std::string& ns, const std::vector<std::string>& argv,
                      const std::string& log) {
  std::vector<std::string> full;
  if (!ns.empty()) {
    full = {"nsenter", "--net=/run/netns/" + ns};
  }
  full.insert(full.end(), argv.begin(), argv.end());
  pid_t pid = SpawnLogged(full, log);
  if (pid > 0) pids_.push_back(pid);
  return pid;
}

void Topology::Kill(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::erase(pids_, pid);
}

bool Topology::WaitForLog(const std::string& log, const std::string& needle, int timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool Topology::StartBackends() {
  for (int i = 0; i < backends_; ++i) {
    std::string log = dir_ + "/backend" + std::to_string(i) + ".log";
    Spawn(backend_ns(i),
          {bin("skiff-lbtest-server"), "--id", "b" + std::to_string(i), "--tcp", "8080", "--udp",
           "5353"},
          log);
    if (!WaitForLog(log, "ready", 5000)) return false;
  }
  return true;
}

pid_t Topology::StartProxy(const std::string& services_file,
                           const std::vector<std::string>& extra) {
  return StartProxyWith({"--static-services", services_file}, extra);
}

Counts Topology::Count(const std::string& vip, int port, int n, bool socket_lb, bool udp) {
  std::string cmd = bin("skiff-lbtest-client") + " --netns " + client_ns();
  if (socket_lb) cmd += " --cgroup " + cgroup();
  cmd +=
      " count " + vip + " " + std::to_string(port) + " " + std::to_string(n) + (udp ? " udp" : "");
  std::string out;
  Counts c;
  c.exit_code = Sh(cmd, &out);
  std::istringstream in(out);
  std::string key;
  int v;
  while (in >> key >> v) {
    if (key == "errors") {
      c.errors = v;
    } else if (key == "refused") {
      c.refused = v;
    } else {
      c.by_backend[key] = v;
    }
  }
  return c;
}

pid_t Topology::StartProxyWith(const std::vector<std::string>& source,
                               const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {bin("skiff-proxy"), "--bpf-root",       pin_root_,
                                   "--node-name",      "node-a",           "--listen",
                                   "127.0.0.1:10249",  "--ct-gc-interval", "5"};
  argv.insert(argv.begin() + 1, source.begin(), source.end());
  if (!cgroup_.empty()) {
    argv.push_back("--cgroup");
    argv.push_back(cgroup_);
  } else {
    argv.push_back("--no-socket-lb");
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  // Count earlier syncs so a restart waits for its own.
  std::string before;
  Sh("grep -c 'first sync complete' " + proxy_log(), &before);
  int n_before = std::atoi(before.c_str());
  pid_t pid = Spawn(node_ns(), argv, proxy_log());
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    std::string now;
    Sh("grep -c 'first sync complete' " + proxy_log(), &now);
    if (std::atoi(now.c_str()) > n_before) return pid;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::erase(pids_, pid);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

}  // namespace skiff::proxytest
