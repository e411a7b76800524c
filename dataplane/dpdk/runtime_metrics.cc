// Runtime::CollectMetrics: the engine's counters in Prometheus text.
// Metric names are listed in docs/dpdk.md; stats_client.cc parses them back
// for `netctl lb stats --engine=dpdk`.
#include <rte_ethdev.h>

#include <cstring>

#include "dataplane/dpdk/runtime_impl.h"

namespace skiff::dataplane::dpdk {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Line(const char* name, const std::vector<std::pair<std::string, std::string>>& labels,
            uint64_t v) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + std::to_string(v) + '\n';
  }

 private:
  std::string& out_;
};

}  // namespace

void Runtime::CollectMetrics(std::string& out) const {
  const Impl& rt = *impl_;
  Writer w(out);

  // Ports: the device's own counters.
  struct PortStats {
    std::string name;
    rte_eth_stats s;
  };
  std::vector<PortStats> ps;
  for (const auto& p : rt.ports) {
    PortStats x{p.name, {}};
    std::memset(&x.s, 0, sizeof(x.s));
    rte_eth_stats_get(p.info.port_id, &x.s);
    ps.push_back(x);
  }
  w.Family("skiff_dpdk_port_packets_total", "counter", "Packets received/sent by the port.");
  for (const auto& p : ps) {
    w.Line("skiff_dpdk_port_packets_total", {{"port", p.name}, {"direction", "rx"}}, p.s.ipackets);
    w.Line("skiff_dpdk_port_packets_total", {{"port", p.name}, {"direction", "tx"}}, p.s.opackets);
  }
  w.Family("skiff_dpdk_port_bytes_total", "counter", "Bytes received/sent by the port.");
  for (const auto& p : ps) {
    w.Line("skiff_dpdk_port_bytes_total", {{"port", p.name}, {"direction", "rx"}}, p.s.ibytes);
    w.Line("skiff_dpdk_port_bytes_total", {{"port", p.name}, {"direction", "tx"}}, p.s.obytes);
  }
  w.Family("skiff_dpdk_port_drops_total", "counter",
           "Packets the port dropped: rx_missed (queue full), rx_errors, rx_nombuf (no mbuf), "
           "tx_errors.");
  for (const auto& p : ps) {
    w.Line("skiff_dpdk_port_drops_total", {{"port", p.name}, {"reason", "rx_missed"}}, p.s.imissed);
    w.Line("skiff_dpdk_port_drops_total", {{"port", p.name}, {"reason", "rx_errors"}}, p.s.ierrors);
    w.Line("skiff_dpdk_port_drops_total", {{"port", p.name}, {"reason", "rx_nombuf"}},
           p.s.rx_nombuf);
    w.Line("skiff_dpdk_port_drops_total", {{"port", p.name}, {"reason", "tx_errors"}}, p.s.oerrors);
  }

  // Lcores: what each worker did.
  auto lcore = [&](size_t i) { return std::to_string(rt.workers[i]->lcore); };
  const size_t n = rt.workers.size();
  auto wc = [&](size_t i) -> const WorkerCounters& { return rt.counters->worker(i).worker(); };
  w.Family("skiff_dpdk_lcore_packets_total", "counter",
           "Packets a worker lcore received (rx, including handed-off) and sent (tx, per port).");
  for (size_t i = 0; i < n; ++i) {
    w.Line("skiff_dpdk_lcore_packets_total", {{"lcore", lcore(i)}, {"direction", "rx"}},
           Read(wc(i).rx_packets));
    uint64_t tx = 0;
    for (uint64_t t : wc(i).tx_packets)
      tx += Read(t);
    w.Line("skiff_dpdk_lcore_packets_total", {{"lcore", lcore(i)}, {"direction", "tx"}}, tx);
  }
  w.Family("skiff_dpdk_lcore_port_tx_packets_total", "counter",
           "Packets a worker lcore sent, per port (exception = the kernel exception port).");
  for (size_t i = 0; i < n; ++i) {
    for (size_t p = 0; p < rt.ports.size(); ++p)
      w.Line("skiff_dpdk_lcore_port_tx_packets_total",
             {{"lcore", lcore(i)}, {"port", rt.ports[p].name}}, Read(wc(i).tx_packets[p]));
    if (rt.exception_port >= 0)
      w.Line("skiff_dpdk_lcore_port_tx_packets_total", {{"lcore", lcore(i)}, {"port", "exception"}},
             Read(wc(i).tx_packets[kMaxPorts]));
  }
  w.Family("skiff_dpdk_lcore_drops_total", "counter", "Packets a worker lcore dropped, by reason.");
  for (size_t i = 0; i < n; ++i)
    for (int d = 0; d < kDropCount; ++d)
      w.Line("skiff_dpdk_lcore_drops_total",
             {{"lcore", lcore(i)}, {"reason", std::string(DropName(static_cast<Drop>(d)))}},
             Read(wc(i).drops[d]));
  w.Family("skiff_dpdk_lcore_bad_packets_total", "counter",
           "Packets the pipeline could not balance, by class and what was done with them.");
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < kBadClassCount; ++c) {
      std::string cls(BadClassName(static_cast<BadClass>(c)));
      uint64_t seen = Read(wc(i).bad[c]), passed = Read(wc(i).passed[c]);
      w.Line("skiff_dpdk_lcore_bad_packets_total",
             {{"lcore", lcore(i)}, {"class", cls}, {"action", "dropped"}}, seen - passed);
      w.Line("skiff_dpdk_lcore_bad_packets_total",
             {{"lcore", lcore(i)}, {"class", cls}, {"action", "passed"}}, passed);
    }
  struct Simple {
    const char* name;
    const char* help;
    uint64_t WorkerCounters::*field;
  };
  const Simple simple[] = {
      {"skiff_dpdk_lcore_new_flows_total", "Flows a worker lcore recorded.",
       &WorkerCounters::new_flows},
      {"skiff_dpdk_lcore_flow_hits_total", "Packets of established flows.",
       &WorkerCounters::flow_hits},
      {"skiff_dpdk_lcore_stateless_total",
       "DSR packets balanced without a flow entry (flow table full).", &WorkerCounters::stateless},
      {"skiff_dpdk_lcore_handoff_out_total",
       "NAT replies passed to the lcore owning their SNAT port.", &WorkerCounters::handoff_out},
      {"skiff_dpdk_lcore_handoff_in_total", "NAT replies received from other lcores.",
       &WorkerCounters::handoff_in},
      {"skiff_dpdk_lcore_arp_replies_total", "ARP replies sent.", &WorkerCounters::arp_replies},
      {"skiff_dpdk_lcore_nd_replies_total", "Neighbor advertisements sent.",
       &WorkerCounters::nd_replies},
      {"skiff_dpdk_lcore_echo_replies_total", "ICMP/ICMPv6 echo replies sent.",
       &WorkerCounters::echo_replies},
      {"skiff_dpdk_lcore_icmp_errors_total",
       "ICMP errors sent (port unreachable, fragmentation needed, packet too big).",
       &WorkerCounters::icmp_errors},
      {"skiff_dpdk_lcore_tcp_resets_total", "TCP resets sent for services without backends.",
       &WorkerCounters::resets},
      {"skiff_dpdk_lcore_polls_total", "Poll loop iterations.", &WorkerCounters::loops},
      {"skiff_dpdk_lcore_busy_polls_total", "Poll loop iterations that found packets.",
       &WorkerCounters::busy_loops},
  };
  for (const Simple& s : simple) {
    w.Family(s.name, "counter", s.help);
    for (size_t i = 0; i < n; ++i)
      w.Line(s.name, {{"lcore", lcore(i)}}, Read(wc(i).*s.field));
  }
  w.Family("skiff_dpdk_flow_entries", "gauge",
           "Entries in a worker lcore's flow table (forward and reply), by family.");
  for (size_t i = 0; i < n; ++i) {
    w.Line("skiff_dpdk_flow_entries", {{"lcore", lcore(i)}, {"family", "ipv4"}},
           Read(wc(i).flows[0]));
    w.Line("skiff_dpdk_flow_entries", {{"lcore", lcore(i)}, {"family", "ipv6"}},
           Read(wc(i).flows[1]));
  }
  w.Family("skiff_dpdk_flow_capacity", "gauge", "Capacity of a worker lcore's flow table.");
  for (size_t i = 0; i < n; ++i) {
    w.Line("skiff_dpdk_flow_capacity", {{"lcore", lcore(i)}, {"family", "ipv4"}},
           rt.workers[i]->flows4->capacity());
    w.Line("skiff_dpdk_flow_capacity", {{"lcore", lcore(i)}, {"family", "ipv6"}},
           rt.workers[i]->flows6->capacity());
  }
  {
    std::lock_guard<std::mutex> l(rt.neighbors_mu);
    w.Family("skiff_dpdk_neighbors", "gauge",
             "Neighbors (IP -> MAC) known, and next hops still unresolved.");
    w.Line("skiff_dpdk_neighbors", {{"state", "resolved"}}, rt.neighbors->resolved());
    w.Line("skiff_dpdk_neighbors", {{"state", "unresolved"}}, rt.neighbors->wanted_unresolved());
    w.Family("skiff_dpdk_neighbor_probes_total", "counter",
             "ARP requests and NDP solicitations sent.");
    w.Line("skiff_dpdk_neighbor_probes_total", {}, rt.neighbors->probes_sent());
  }
  Snapshot snap = rt.publisher->Latest();
  w.Family("skiff_dpdk_table_generation", "gauge", "Generation of the tables the lcores use.");
  w.Line("skiff_dpdk_table_generation", {}, snap.generation);
  w.Family("skiff_dpdk_frontends", "gauge", "Frontends (VIP, port, protocol) installed.");
  w.Line("skiff_dpdk_frontends", {}, snap.services->frontends());

  // Per service port and backend: the eBPF engine's metric names, so one
  // dashboard serves both engines.
  const char* names[] = {"packets", "bytes", "new_flows", "rejects"};
  const char* helps[] = {"Packets balanced (both directions).", "Bytes balanced (both directions).",
                         "New flows.", "Packets rejected because no backend was ready."};
  std::vector<std::pair<std::string, IdCounters>> rows;
  for (const auto& [id, info] : snap.services->services())
    rows.emplace_back(info.DisplayName(), rt.counters->Service(id));
  for (int i = 0; i < 4; ++i) {
    std::string metric = std::string("skiff_proxy_service_") + names[i] + "_total";
    w.Family(metric.c_str(), "counter", helps[i]);
    for (const auto& [name, c] : rows) {
      uint64_t v = i == 0 ? c.packets : i == 1 ? c.bytes : i == 2 ? c.new_flows : c.rejects;
      w.Line(metric.c_str(), {{"service", name}}, v);
    }
  }
  w.Family("skiff_proxy_backend_new_flows_total", "counter", "New flows sent to a backend.");
  std::map<uint32_t, std::string> backends;
  snap.services->ForEachBackend([&](const BackendRef& b) {
    if (backends.count(b.backend_id)) return;
    IpAddr a;
    a.family = b.family == kFamily4 ? Family::kV4 : Family::kV6;
    std::memcpy(a.bytes.data(), b.addr.b, 16);
    uint16_t port = static_cast<uint16_t>(b.port_be >> 8 | b.port_be << 8);
    std::string host = a.is_v4() ? a.ToString() : "[" + a.ToString() + "]";
    backends[b.backend_id] =
        host + ":" + std::to_string(port) + "/" + std::string(ProtocolName(b.proto));
  });
  for (const auto& [id, name] : backends)
    w.Line("skiff_proxy_backend_new_flows_total", {{"backend", name}},
           rt.counters->Backend(id).new_flows);
}

}  // namespace skiff::dataplane::dpdk
