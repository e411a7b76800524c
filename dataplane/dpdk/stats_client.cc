#include "dataplane/dpdk/stats_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "common/net.h"

namespace skiff::dataplane::dpdk {
namespace {

std::string U(double v) {
  if (!std::isfinite(v) || v < 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

std::string Pct(double part, double whole) {
  if (whole <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * part / whole);
  return buf;
}

// Sum of the samples of `name` whose labels include every pair of `want`.
double Sum(const PromFamilies& m, const std::string& name,
           const std::map<std::string, std::string>& want) {
  auto it = m.find(name);
  if (it == m.end()) return 0;
  double total = 0;
  for (const auto& s : it->second) {
    bool match = true;
    for (const auto& [k, v] : want) {
      auto l = s.labels.find(k);
      if (l == s.labels.end() || l->second != v) {
        match = false;
        break;
      }
    }
    if (match) total += s.value;
  }
  return total;
}

// Distinct values of `label` in family `name`, in first-seen order.
std::vector<std::string> Values(const PromFamilies& m, const std::string& name,
                                const std::string& label) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto it = m.find(name);
  if (it == m.end()) return out;
  for (const auto& s : it->second) {
    auto l = s.labels.find(label);
    if (l != s.labels.end() && seen.insert(l->second).second) out.push_back(l->second);
  }
  return out;
}

Status WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline,
               const std::string& addr) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return Unavailable("skiff-proxy at " + addr + ": timed out");
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(left));
    if (rc > 0) return Status::Ok();
    if (rc < 0 && errno != EINTR)
      return Unavailable("skiff-proxy at " + addr + ": " + std::strerror(errno));
  }
}

}  // namespace

Result<std::string> FetchMetricsText(const std::string& addr, int timeout_ms) {
  auto hp = net::ParseHostPort(addr);
  if (!hp.ok()) return hp.status();
  if (hp->host.empty()) hp->host = "127.0.0.1";
  sockaddr_storage ss;
  auto len = net::ToSockaddr(*hp, &ss);
  if (!len.ok()) return len.status();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), *len) != 0 && errno != EINPROGRESS)
    return Unavailable("skiff-proxy at " + addr + ": " + std::strerror(errno) +
                       " (is it running with --engine=dpdk --listen " + addr + "?)");
  SKIFF_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, addr));
  int err = 0;
  socklen_t elen = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err)
    return Unavailable("skiff-proxy at " + addr + ": " + std::strerror(err) +
                       " (is it running with --engine=dpdk --listen " + addr + "?)");
  std::string req = "GET /metrics HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < req.size()) {
    SKIFF_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, addr));
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return Unavailable("skiff-proxy at " + addr + ": " + std::strerror(errno));
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[16384];
  while (true) {
    SKIFF_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline, addr));
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Unavailable("skiff-proxy at " + addr + ": " + std::strerror(errno));
    }
    resp.append(buf, static_cast<size_t>(n));
    if (resp.size() > (64u << 20))
      return Unavailable("skiff-proxy at " + addr + ": reply too large");
  }
  size_t hdr_end = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.", 0) != 0 || hdr_end == std::string::npos)
    return Unavailable("skiff-proxy at " + addr + ": not an HTTP reply");
  int code = std::atoi(resp.c_str() + resp.find(' ') + 1);
  if (code != 200)
    return Unavailable("skiff-proxy at " + addr + ": /metrics answered HTTP " +
                       std::to_string(code));
  return resp.substr(hdr_end + 4);
}

Result<DpdkStats> StatsFromMetrics(const PromFamilies& m) {
  if (!m.count("skiff_dpdk_lcore_packets_total"))
    return NotFound(
        "no DPDK engine counters in the metrics (is skiff-proxy running with --engine=dpdk?)");
  DpdkStats s;
  s.ports.columns = {"PORT",      "RX PACKETS", "TX PACKETS", "RX BYTES", "TX BYTES",
                     "RX MISSED", "RX ERRORS",  "RX NO MBUF", "TX ERRORS"};
  for (const auto& port : Values(m, "skiff_dpdk_port_packets_total", "port")) {
    auto drops = [&](const char* reason) {
      return U(Sum(m, "skiff_dpdk_port_drops_total", {{"port", port}, {"reason", reason}}));
    };
    s.ports.rows.push_back(
        {port, U(Sum(m, "skiff_dpdk_port_packets_total", {{"port", port}, {"direction", "rx"}})),
         U(Sum(m, "skiff_dpdk_port_packets_total", {{"port", port}, {"direction", "tx"}})),
         U(Sum(m, "skiff_dpdk_port_bytes_total", {{"port", port}, {"direction", "rx"}})),
         U(Sum(m, "skiff_dpdk_port_bytes_total", {{"port", port}, {"direction", "tx"}})),
         drops("rx_missed"), drops("rx_errors"), drops("rx_nombuf"), drops("tx_errors")});
  }
  s.lcores.columns = {"LCORE",      "RX",         "TX",        "DROPPED", "NEW FLOWS",
                      "FLOWS IPV4", "FLOWS IPV6", "OCCUPANCY", "BUSY"};
  for (const auto& lc : Values(m, "skiff_dpdk_lcore_packets_total", "lcore")) {
    double f4 = Sum(m, "skiff_dpdk_flow_entries", {{"lcore", lc}, {"family", "ipv4"}});
    double f6 = Sum(m, "skiff_dpdk_flow_entries", {{"lcore", lc}, {"family", "ipv6"}});
    double cap = Sum(m, "skiff_dpdk_flow_capacity", {{"lcore", lc}});
    s.lcores.rows.push_back(
        {lc, U(Sum(m, "skiff_dpdk_lcore_packets_total", {{"lcore", lc}, {"direction", "rx"}})),
         U(Sum(m, "skiff_dpdk_lcore_packets_total", {{"lcore", lc}, {"direction", "tx"}})),
         U(Sum(m, "skiff_dpdk_lcore_drops_total", {{"lcore", lc}})),
         U(Sum(m, "skiff_dpdk_lcore_new_flows_total", {{"lcore", lc}})), U(f4), U(f6),
         Pct(f4 + f6, cap),
         Pct(Sum(m, "skiff_dpdk_lcore_busy_polls_total", {{"lcore", lc}}),
             Sum(m, "skiff_dpdk_lcore_polls_total", {{"lcore", lc}}))});
  }
  s.drops.columns = {"LCORE", "REASON", "PACKETS"};
  if (auto it = m.find("skiff_dpdk_lcore_drops_total"); it != m.end())
    for (const auto& x : it->second)
      if (x.value > 0 && x.labels.count("lcore") && x.labels.count("reason"))
        s.drops.rows.push_back({x.labels.at("lcore"), x.labels.at("reason"), U(x.value)});
  if (auto it = m.find("skiff_dpdk_lcore_bad_packets_total"); it != m.end())
    for (const auto& x : it->second)
      if (x.value > 0 && x.labels.count("lcore") && x.labels.count("class") &&
          x.labels.count("action"))
        s.drops.rows.push_back({x.labels.at("lcore"),
                                x.labels.at("class") + " (" + x.labels.at("action") + ")",
                                U(x.value)});
  s.services.columns = {"SERVICE", "PACKETS", "BYTES", "NEW FLOWS", "REJECTS"};
  for (const auto& svc : Values(m, "skiff_proxy_service_packets_total", "service"))
    s.services.rows.push_back({svc,
                               U(Sum(m, "skiff_proxy_service_packets_total", {{"service", svc}})),
                               U(Sum(m, "skiff_proxy_service_bytes_total", {{"service", svc}})),
                               U(Sum(m, "skiff_proxy_service_new_flows_total", {{"service", svc}})),
                               U(Sum(m, "skiff_proxy_service_rejects_total", {{"service", svc}}))});
  return s;
}

Result<DpdkStats> FetchStats(const std::string& addr, int timeout_ms) {
  auto text = FetchMetricsText(addr, timeout_ms);
  if (!text.ok()) return text.status();
  auto m = ParsePromText(*text);
  if (!m.ok()) return m.status().WithContext("skiff-proxy at " + addr);
  return StatsFromMetrics(*m);
}

std::string RenderText(const DpdkStats& s) {
  return "PORTS\n" + s.ports.ToText() + "\nLCORES\n" + s.lcores.ToText() + "\nDROPS\n" +
         (s.drops.rows.empty() ? std::string("(none)\n") : s.drops.ToText()) + "\nSERVICES\n" +
         s.services.ToText();
}

json::Value ToJson(const DpdkStats& s) {
  json::Object o;
  o.Set("ports", s.ports.ToJson());
  o.Set("lcores", s.lcores.ToJson());
  o.Set("drops", s.drops.ToJson());
  o.Set("services", s.services.ToJson());
  return json::Value(std::move(o));
}

}  // namespace skiff::dataplane::dpdk
