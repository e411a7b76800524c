// `netctl lb stats --engine=dpdk`: fetches skiff-proxy's /metrics over
// HTTP and renders the DPDK engine's counters as the tables netctl prints
// (the dataplane/inspect Table shape: aligned text or JSON).
//
//   auto s = dpdk::FetchStats("127.0.0.1:10249");   // skiff-proxy --listen
//   if (!s.ok()) { print s.status().message(); exit 1; }
//   std::cout << dpdk::RenderText(*s);               // or dpdk::ToJson(*s)
//
// No DPDK header, no DPDK library: netctl links skiff_dpdk_stats_client.
// Thread-safe (no state).
#pragma once

#include <string>

#include "common/json/json.h"
#include "common/status.h"
#include "dataplane/dpdk/prom_text.h"
#include "dataplane/inspect/inspect.h"

namespace skiff::dataplane::dpdk {

struct DpdkStats {
  inspect::Table ports;     // PORT, RX PACKETS, TX PACKETS, RX BYTES, TX BYTES, RX MISSED, ...
  inspect::Table lcores;    // LCORE, RX, TX, DROPPED, NEW FLOWS, FLOWS IPV4/IPV6, OCCUPANCY, BUSY
  inspect::Table drops;     // LCORE, REASON, PACKETS (non-zero only; bad classes included)
  inspect::Table services;  // SERVICE, PACKETS, BYTES, NEW FLOWS, REJECTS
};

// NOT_FOUND when the metrics carry no DPDK engine counters (e.g. the
// proxy runs the eBPF engine).
Result<DpdkStats> StatsFromMetrics(const PromFamilies& m);

// GET http://`addr`/metrics ("host:port", "[v6]:port"); UNAVAILABLE naming
// the address when it cannot be reached within `timeout_ms`.
Result<std::string> FetchMetricsText(const std::string& addr, int timeout_ms = 3000);

Result<DpdkStats> FetchStats(const std::string& addr, int timeout_ms = 3000);

// The four tables with a heading each, aligned.
std::string RenderText(const DpdkStats& s);
// {"ports": [...], "lcores": [...], "drops": [...], "services": [...]}
json::Value ToJson(const DpdkStats& s);

}  // namespace skiff::dataplane::dpdk
