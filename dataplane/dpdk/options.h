// Configuration of the DPDK engine, as skiff-proxy's --dpdk-* flags set it,
// and the parsers for its compound values. No DPDK header: the proxy and
// tests include this freely. Value types, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataplane/core/ip.h"

namespace skiff::dataplane::dpdk {

// Address family codes as the tables and the pipeline store them.
inline constexpr uint8_t kFamily4 = 4, kFamily6 = 6;

// How a new flow reaches its backend.
enum class ForwardingMode : uint8_t {
  // Katran-style direct server return: the client's packet is encapsulated
  // unchanged (IPv4-in-IPv4 / IPv6-in-IPv6) towards the backend, which
  // decapsulates it and answers the client directly. The backend serves on
  // the Service port (targetPort cannot apply: its reply bypasses us).
  kDsr,
  // Full NAT: destination := backend, source := this port's address with a
  // port from the lcore's SNAT range; replies come back through us and get
  // the reverse translation.
  kNat,
};
std::string_view ForwardingModeName(ForwardingMode m);  // "dsr", "nat"

// Packet classes the pipeline cannot balance; each is counted and then
// dropped or passed to the exception port (a TAP into the kernel).
enum class BadClass : uint8_t {
  kRunt = 0,        // shorter than an Ethernet header
  kTruncated = 1,   // IP/L4 header cut short or lengths that do not add up
  kFragment = 2,    // IPv4 fragment or IPv6 fragment header
  kIpOptions = 3,   // IPv4 options or IPv6 extension headers
  kNonIp = 4,       // neither IPv4, IPv6 nor ARP (VLAN tags included)
  kNotService = 5,  // IP but for no VIP, no flow and not ours
};
inline constexpr int kBadClassCount = 6;
std::string_view BadClassName(BadClass c);  // "runt", "truncated", ... "not-service"
// "runt,fragment" -> classes; INVALID_ARGUMENT names the unknown item.
Result<std::vector<BadClass>> ParseBadClasses(std::string_view list, std::string_view flag);

// An address of a port with its prefix length ("10.0.0.1/24").
struct PortAddress {
  IpAddr addr;
  uint8_t prefix_len = 0;
  bool Contains(const IpAddr& ip) const;  // same family and inside the prefix
};

struct PortOptions {
  // DPDK device: a vdev with its arguments ("net_af_packet0,iface=eth1",
  // "net_tap0,iface=lb0", "net_af_xdp0,iface=eth1") or a PCI/bus address
  // ("0000:03:00.0"). The port name is the text before the first comma.
  std::string devargs;
  std::vector<PortAddress> addresses;  // answered for ARP/NDP/ping; SNAT and IPIP source
  std::optional<IpAddr> gateway4, gateway6;
  std::string name() const;
};

// Parses "DEVARGS;addr=CIDR;addr=CIDR;gw=IP" (';'-separated, devargs
// first). INVALID_ARGUMENT names `flag` and the bad field.
Result<PortOptions> ParsePortSpec(std::string_view spec, std::string_view flag);
// Parses "a-b" (host order, 1..65535, a <= b).
Result<std::pair<uint16_t, uint16_t>> ParsePortRange(std::string_view text, std::string_view flag);
// Parses a CPU list "1,3-5" into sorted distinct ids.
Result<std::vector<int>> ParseCpuList(std::string_view text, std::string_view flag);

enum class HugepageMode : uint8_t { kAuto, kOn, kOff };

struct DpdkOptions {
  std::vector<PortOptions> ports;
  ForwardingMode mode = ForwardingMode::kNat;
  // CPUs of the worker lcores (one RX/TX queue pair per port each). Empty:
  // the last CPU this process may run on.
  std::vector<int> worker_cpus;
  HugepageMode hugepages = HugepageMode::kAuto;
  uint32_t memory_mb = 512;  // EAL memory (-m)
  uint32_t mbufs = 16383;    // mbuf pool size (all lcores)
  uint16_t rx_desc = 1024, tx_desc = 1024;
  uint32_t flows_per_lcore = 262144;  // per family (IPv4 and IPv6 tables)
  uint32_t affinity_entries = 65536;  // ClientIP affinity, shared by all lcores
  std::pair<uint16_t, uint16_t> snat_ports = {33000, 60999};
  uint32_t tcp_timeout_s = 900, tcp_closing_timeout_s = 10, udp_timeout_s = 120;
  // Classes passed to the exception port instead of dropped.
  std::vector<BadClass> pass;
  // Kernel exception path: a TAP vdev ("net_tap0,iface=skiff0") that gets
  // the passed classes, and whose kernel output leaves through port 0.
  std::string exception_port;
  uint32_t maglev_size = 16381;   // prime; the same as the eBPF engine's default
  uint32_t max_services = 65536;  // svc_id space: per-lcore counter arrays
  uint32_t max_frontends = 524288;
  std::vector<std::string> extra_eal_args;
  // ICMP errors (fragmentation needed, port unreachable) sent per second and
  // lcore at most.
  uint32_t icmp_rate = 1000;
  // A worker that found no packet in 1000 polls sleeps this long before
  // polling again (0: pure busy polling). Bounds the cost of idle lcores on
  // shared machines; under load no worker sleeps.
  uint32_t idle_sleep_us = 50;
};

// Checks cross-field constraints (at least one port, addresses for the
// mode, prime Maglev size, pass classes need an exception port, ...).
// FAILED_PRECONDITION/INVALID_ARGUMENT naming the flag to change.
Status Validate(const DpdkOptions& o);

}  // namespace skiff::dataplane::dpdk
