#include "dataplane/dpdk/options.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "dataplane/core/maglev.h"

namespace skiff::dataplane::dpdk {
namespace {

constexpr std::string_view kBadNames[kBadClassCount] = {"runt",       "truncated", "fragment",
                                                        "ip-options", "non-ip",    "not-service"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(Trim(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start)));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

template <typename T>
bool ParseUnsigned(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Status Bad(std::string_view flag, const std::string& what) {
  return InvalidArgument(std::string(flag) + ": " + what);
}

Result<PortAddress> ParseCidr(std::string_view text, std::string_view flag) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return Bad(flag, "addr=" + std::string(text) + ": expected ADDRESS/PREFIX, e.g. 10.0.0.1/24");
  auto ip = IpAddr::Parse(text.substr(0, slash));
  if (!ip.ok()) return Bad(flag, "addr=" + std::string(text) + ": " + ip.status().message());
  unsigned len = 0;
  unsigned max = ip->is_v4() ? 32 : 128;
  if (!ParseUnsigned(text.substr(slash + 1), &len) || len > max)
    return Bad(flag,
               "addr=" + std::string(text) + ": prefix length must be 0.." + std::to_string(max));
  if (ip->IsZero()) return Bad(flag, "addr=" + std::string(text) + ": the zero address");
  return PortAddress{*ip, static_cast<uint8_t>(len)};
}

}  // namespace

std::string_view ForwardingModeName(ForwardingMode m) {
  return m == ForwardingMode::kDsr ? "dsr" : "nat";
}

std::string_view BadClassName(BadClass c) {
  return kBadNames[static_cast<int>(c)];
}

Result<std::vector<BadClass>> ParseBadClasses(std::string_view list, std::string_view flag) {
  std::vector<BadClass> out;
  if (Trim(list).empty()) return out;
  for (std::string_view item : Split(list, ',')) {
    auto it = std::find(std::begin(kBadNames), std::end(kBadNames), item);
    if (it == std::end(kBadNames))
      return Bad(flag, "unknown packet class \"" + std::string(item) +
                           "\" (runt, truncated, fragment, ip-options, non-ip, not-service)");
    auto c = static_cast<BadClass>(it - std::begin(kBadNames));
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

bool PortAddress::Contains(const IpAddr& ip) const {
  if (ip.family != addr.family) return false;
  unsigned full = prefix_len / 8, rem = prefix_len % 8;
  if (std::memcmp(ip.bytes.data(), addr.bytes.data(), full) != 0) return false;
  if (rem == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rem));
  return (ip.bytes[full] & mask) == (addr.bytes[full] & mask);
}

std::string PortOptions::name() const {
  return devargs.substr(0, devargs.find(','));
}

Result<PortOptions> ParsePortSpec(std::string_view spec, std::string_view flag) {
  auto parts = Split(spec, ';');
  PortOptions p;
  p.devargs = std::string(parts[0]);
  if (p.devargs.empty() || p.devargs.front() == ',')
    return Bad(flag, "\"" + std::string(spec) + "\": starts with the DPDK device (devargs)");
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view f = parts[i];
    if (f.empty()) continue;
    size_t eq = f.find('=');
    std::string_view key = eq == f.npos ? f : f.substr(0, eq);
    std::string_view val = eq == f.npos ? std::string_view() : f.substr(eq + 1);
    if (key == "addr") {
      auto a = ParseCidr(val, flag);
      if (!a.ok()) return a.status();
      p.addresses.push_back(*a);
    } else if (key == "gw") {
      auto ip = IpAddr::Parse(val);
      if (!ip.ok()) return Bad(flag, "gw=" + std::string(val) + ": " + ip.status().message());
      auto& slot = ip->is_v4() ? p.gateway4 : p.gateway6;
      if (slot) return Bad(flag, "gw=" + std::string(val) + ": a second gateway of that family");
      slot = *ip;
    } else {
      return Bad(flag, "unknown field \"" + std::string(key) + "\" (expected addr=CIDR or gw=IP)");
    }
  }
  return p;
}

Result<std::pair<uint16_t, uint16_t>> ParsePortRange(std::string_view text, std::string_view flag) {
  size_t dash = text.find('-');
  unsigned lo = 0, hi = 0;
  if (dash == text.npos || !ParseUnsigned(text.substr(0, dash), &lo) ||
      !ParseUnsigned(text.substr(dash + 1), &hi) || lo < 1 || hi > 65535 || lo > hi)
    return Bad(flag, "\"" + std::string(text) + "\": expected LOW-HIGH within 1-65535");
  return std::make_pair(static_cast<uint16_t>(lo), static_cast<uint16_t>(hi));
}

Result<std::vector<int>> ParseCpuList(std::string_view text, std::string_view flag) {
  std::vector<int> out;
  for (std::string_view item : Split(text, ',')) {
    size_t dash = item.find('-');
    unsigned lo = 0, hi = 0;
    bool ok = dash == item.npos ? ParseUnsigned(item, &lo) && (hi = lo, true)
                                : ParseUnsigned(item.substr(0, dash), &lo) &&
                                      ParseUnsigned(item.substr(dash + 1), &hi);
    if (!ok || lo > hi || hi >= 1024)
      return Bad(flag, "\"" + std::string(item) + "\": expected CPU ids like 1,3-5");
    for (unsigned c = lo; c <= hi; ++c)
      out.push_back(static_cast<int>(c));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status Validate(const DpdkOptions& o) {
  if (o.ports.empty())
    return InvalidArgument(
        "--dpdk-port: at least one port is needed, e.g. "
        "--dpdk-port='net_af_packet0,iface=eth1;addr=10.0.0.1/24'");
  std::vector<std::string> names;
  for (const auto& p : o.ports) {
    if (std::find(names.begin(), names.end(), p.name()) != names.end())
      return InvalidArgument("--dpdk-port " + p.devargs + ": device " + p.name() +
                             " is given twice");
    names.push_back(p.name());
    if (p.addresses.empty())
      return InvalidArgument(
          "--dpdk-port " + p.devargs + ": needs addr=CIDR (answers ARP/NDP for it; " +
          (o.mode == ForwardingMode::kNat ? "SNAT source" : "IPIP source") + ")");
    for (const auto* gw : {&p.gateway4, &p.gateway6}) {
      if (!*gw) continue;
      bool onlink = std::any_of(p.addresses.begin(), p.addresses.end(),
                                [&](const PortAddress& a) { return a.Contains(**gw); });
      if (!onlink)
        return InvalidArgument("--dpdk-port " + p.devargs + ": gw=" + (*gw)->ToString() +
                               " is not inside any addr= prefix of the port");
    }
  }
  if (!o.exception_port.empty() &&
      std::find(names.begin(), names.end(),
                o.exception_port.substr(0, o.exception_port.find(','))) != names.end())
    return InvalidArgument("--dpdk-exception-port " + o.exception_port +
                           ": the same device as a --dpdk-port");
  if (!o.pass.empty() && o.exception_port.empty())
    return InvalidArgument(
        "--dpdk-pass needs --dpdk-exception-port (a TAP vdev such as "
        "net_tap0,iface=skiff0) to pass packets to");
  if (!IsPrime(o.maglev_size) || o.maglev_size < 7 || o.maglev_size > 65521)
    return InvalidArgument("--maglev-table-size " + std::to_string(o.maglev_size) +
                           ": must be a prime in 7..65521 for the DPDK engine");
  if (o.mbufs < 1023)
    return InvalidArgument("--dpdk-mbufs " + std::to_string(o.mbufs) + ": at least 1023");
  if (o.memory_mb < 64)
    return InvalidArgument("--dpdk-memory-mb " + std::to_string(o.memory_mb) + ": at least 64");
  for (uint16_t d : {o.rx_desc, o.tx_desc})
    if (d < 64 || d > 16384 || (d & (d - 1)))
      return InvalidArgument("--dpdk-rx-desc/--dpdk-tx-desc " + std::to_string(d) +
                             ": a power of two in 64..16384");
  if (o.flows_per_lcore < 1024)
    return InvalidArgument("--dpdk-flows " + std::to_string(o.flows_per_lcore) + ": at least 1024");
  uint32_t workers = o.worker_cpus.empty() ? 1 : static_cast<uint32_t>(o.worker_cpus.size());
  uint32_t range = o.snat_ports.second - o.snat_ports.first + 1u;
  if (o.mode == ForwardingMode::kNat && range < workers * 64)
    return InvalidArgument("--dpdk-snat-ports " + std::to_string(o.snat_ports.first) + "-" +
                           std::to_string(o.snat_ports.second) +
                           ": needs at least 64 ports per "
                           "worker lcore (" +
                           std::to_string(workers) + " lcores)");
  if (workers > 64) return InvalidArgument("--dpdk-lcores: at most 64 worker lcores");
  if (o.max_services < 16 || o.max_services > (1u << 22))
    return InvalidArgument("--max-services " + std::to_string(o.max_services) +
                           ": 16..4194304 for the DPDK engine (per-lcore counters)");
  return Status::Ok();
}

}  // namespace skiff::dataplane::dpdk
