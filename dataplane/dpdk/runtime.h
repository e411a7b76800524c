// The running DPDK engine: EAL, mbuf pool, ports, worker lcores and the
// control thread.
//
//   worker lcore i (run to completion, one RX/TX queue pair per port):
//     loop { snapshot = publisher.Current()
//            for each port: rx_burst -> Pipeline -> tx_burst
//            NAT replies owned by another worker: its handoff ring
//            worker 0 also: control-thread packets (ARP/NS probes) and
//            the exception port (kernel -> port 0)
//            flow expiry (bounded), RCU quiescent report }
//   control thread: neighbor learning/resolution (neighbors.h), reclaiming
//                   old table generations, every 100 ms.
//
// Table updates (engine().Apply) never stop the workers (publisher.h).
// Start() initialises EAL unless the process already did (tests create
// ring ports first). Thread-safety: engine() is driven by one caller;
// CollectMetrics/Status may run concurrently from the metrics thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/dpdk/counters.h"
#include "dataplane/dpdk/engine.h"
#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {

class Runtime {
 public:
  // Errors name the option to change (FAILED_PRECONDITION / INVALID_ARGUMENT
  // / UNAVAILABLE / RESOURCE_EXHAUSTED). Nothing is left running on error.
  static Result<std::unique_ptr<Runtime>> Start(const DpdkOptions& options, EngineLimits limits);
  // Stops the workers and the control thread, closes the ports. EAL stays
  // initialised (it cannot be initialised twice in a process).
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  DpdkEngine& engine();
  const CounterSet& counters() const;
  // Warnings from start-up (no hugepages, no RSS, ...), already logged.
  const std::vector<std::string>& warnings() const;
  // Prometheus exposition lines for ports, lcores, flow tables, neighbors
  // and per-service counters.
  void CollectMetrics(std::string& out) const;
  // One line per port and worker for /healthz.
  std::string HealthText() const;
  size_t workers() const;
  // Waits until every needed next hop (gateways, on-link backends) has a
  // MAC, up to `timeout_ms`; false on timeout.
  bool WaitNeighbors(uint32_t timeout_ms) const;

  struct Impl;  // runtime_impl.h (internal)

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::dataplane::dpdk
