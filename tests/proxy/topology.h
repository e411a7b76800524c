// A network-namespace topology for proxy integration tests and benchmarks:
//
//   client ns (10.210.0.2) --veth-- node ns (10.210.0.1 | 10.211.i.1) --veth-- backend ns i
//                                                                           (10.211.i.2)
//
// The node namespace forwards; skiff-proxy runs inside it (nsenter --net, so
// it still sees the host's bpffs and cgroup2). Names carry the part prefix
// "sp" and the pid. Everything created (namespaces, veths, processes, pin
// root, cgroup, files) is removed by the destructor, also after failures.
#pragma once

#include <map>

#include <sys/types.h>

#include <string>
#include <vector>

namespace skiff::proxytest {

// Starts `argv` (PATH lookup) with stdout and stderr appended to `log`;
// returns its pid (the caller reaps it), or -1.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log);

// Runs a shell command; returns its exit status and (optionally) stdout.
int Sh(const std::string& cmd, std::string* out = nullptr);

// Connections per backend, as skiff-lbtest-client counts them.
struct Counts {
  std::map<std::string, int> by_backend;
  int errors = 0;
  int refused = 0;
  int exit_code = 0;  // of skiff-lbtest-client
  int total() const {
    int t = 0;
    for (const auto& [_, n] : by_backend)
      t += n;
    return t;
  }
};

class Topology {
 public:
  explicit Topology(int backends = 3, const std::string& tag = "");
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  std::string client_ns() const { return prefix_ + "c"; }
  std::string node_ns() const { return prefix_ + "n"; }
  std::string backend_ns(int i) const { return prefix_ + "b" + std::to_string(i); }
  std::string backend_ip(int i) const { return "10.211." + std::to_string(i) + ".2"; }
  std::string client_ip() const { return "10.210.0.2"; }
  int backends() const { return backends_; }
  const std::string& pin_root() const { return pin_root_; }
  const std::string& cgroup() const { return cgroup_; }  // empty when no cgroup2
  const std::string& dir() const { return dir_; }        // scratch directory
  std::string bin(const std::string& name) const;

  // Starts a process inside namespace `ns` ("" = current); output to `log`.
  pid_t Spawn(const std::string& ns, const std::vector<std::string>& argv, const std::string& log);
  // SIGKILL + reap. Only pids this topology spawned.
  void Kill(pid_t pid);

  // One skiff-lbtest-server per backend namespace (TCP 8080, UDP 5353).
  bool StartBackends();
  // skiff-proxy in the node namespace on `services_file`; waits until the
  // first sync is logged. Returns the pid or -1.
  pid_t StartProxy(const std::string& services_file, const std::vector<std::string>& extra = {});
  // The same with another source of Services (e.g. {"--config", FILE}).
  pid_t StartProxyWith(const std::vector<std::string>& source,
                       const std::vector<std::string>& extra = {});
  // `n` new connections from the client namespace to vip:port (through the
  // socket LB when `socket_lb`, else the TC path).
  Counts Count(const std::string& vip, int port, int n, bool socket_lb = false, bool udp = false);
  bool WaitForLog(const std::string& log, const std::string& needle, int timeout_ms);
  std::string proxy_log() const { return dir_ + "/proxy.log"; }

 private:
  int backends_;
  std::string prefix_;
  std::string pin_root_;
  std::string cgroup_;
  std::string dir_;
  std::vector<pid_t> pids_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace skiff::proxytest
