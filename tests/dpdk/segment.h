// A one-arm load-balancer topology for the DPDK engine's integration tests
// and benchmarks: one L2 segment (a bridge in its own namespace) joining
//
//   client ns   10.77.0.2    fd00:77::2      (VIPs on link: ARP/NDP answered by the engine;
//                                             10.78.0.0/24 routed via 10.77.0.1)
//   lb ns       veth "<p>l" opened by skiff-proxy --engine=dpdk as net_af_packet0,
//               port addresses 10.77.0.1/24, fd00:77::1/64
//   backend i   10.77.0.(11+i) fd00:77::(11+i)  (DSR: VIPs on lo, XDP decapsulation)
//
// The client's and backends' veths compute their checksums in software
// (ethtool tx off): af_packet hands DPDK frames as the sender's kernel left
// them, and a partial checksum would reach the peer unfinished.
// Names carry the prefix "dk" and the pid. The destructor kills every
// process it spawned and deletes every namespace (their veths and the
// bridge go with them), also after failures.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/proxy/topology.h"

namespace skiff::dpdktest {

using proxytest::Sh;

class Segment {
 public:
  // `dsr`: also prepare the backends for DSR (VIPs on lo, no ARP for them,
  // decapsulation program attached).
  explicit Segment(int backends = 3, bool dsr = false, const std::string& tag = "");
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  std::string client_ns() const { return prefix_ + "c"; }
  std::string lb_ns() const { return prefix_ + "l"; }
  std::string switch_ns() const { return prefix_ + "s"; }
  std::string backend_ns(int i) const { return prefix_ + "b" + std::to_string(i); }
  std::string lb_dev() const { return prefix_ + "l"; }
  std::string client_dev() const { return prefix_ + "c"; }
  std::string backend_ip(int i) const { return "10.77.0." + std::to_string(11 + i); }
  std::string backend_ip6(int i) const { return "fd00:77::" + std::to_string(11 + i); }
  static std::string vip4() { return "10.77.0.100"; }
  static std::string vip6() { return "fd00:77::100"; }
  static std::string routed_vip() { return "10.78.0.10"; }
  int backends() const { return backends_; }
  const std::string& dir() const { return dir_; }
  std::string bin(const std::string& name) const;

  // The engine's --dpdk-port value for this segment (`extra` devargs such
  // as ",qpairs=2" are appended to the device arguments).
  std::string PortSpec(const std::string& extra = "") const;

  pid_t Spawn(const std::string& ns, const std::vector<std::string>& argv, const std::string& log);
  // SIGTERM (unless `signal` is false: just wait), then SIGKILL after
  // `grace_ms`; reaps. Only pids spawned here. Returns the exit status (-1
  // when killed by a signal).
  int Stop(pid_t pid, int grace_ms = 3000, bool signal = true);
  bool WaitForLog(const std::string& log, const std::string& needle, int timeout_ms);

  // skiff-lbtest-server in every backend namespace (TCP `tcp_port`, UDP 5353).
  bool StartBackends(int tcp_port = 8080);
  // skiff-proxy --engine=dpdk in the lb namespace; waits for the first sync
  // and for every backend's MAC. Returns the pid or -1 (see proxy_log()).
  // `port_spec` replaces PortSpec() when not empty.
  pid_t StartProxy(const std::string& services_file, const std::vector<std::string>& extra = {},
                   const std::string& port_spec = "");
  std::string proxy_log() const { return dir_ + "/proxy.log"; }
  // GET /metrics of the proxy (listening on 127.0.0.1:10250 in the lb ns).
  std::string Metrics() const;
  // Sum of the samples of `name` whose label text contains `labels`.
  static uint64_t Sample(const std::string& metrics, const std::string& name,
                         const std::string& labels = "");

 private:
  int backends_;
  bool dsr_;
  std::string prefix_;
  std::string dir_;
  std::vector<pid_t> pids_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace skiff::dpdktest
