// Opening and configuring DPDK ports for the workers: one RX and one TX
// queue per worker lcore (RSS spreads flows over the RX queues when the
// device has it), TX checksum offloads when the device has them, RX
// checksum flags, all-multicast (NDP). Errors name the option to change.
// Call from the control thread before the workers start; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/dpdk/options.h"
#include "dataplane/dpdk/tables.h"

struct rte_mempool;

namespace skiff::dataplane::dpdk {

struct PortSetup {
  uint16_t rx_queues = 1, tx_queues = 1;
  uint16_t rx_desc = 1024, tx_desc = 1024;
  rte_mempool* pool = nullptr;
  bool want_offloads = true;
};

struct OpenedPort {
  PortInfo info;  // port_id, MAC, MTU, offloads (addresses filled by the caller)
  std::string name;
  std::string driver;
  bool rss = false;
  std::vector<std::string> warnings;
};

// `flag` names the option the device came from (for errors). The device
// must already be probed (EAL --vdev/--allow).
Result<OpenedPort> OpenPort(const std::string& devargs, const std::string& flag,
                            const PortSetup& setup);
// Stops and closes a port opened by OpenPort.
void ClosePort(uint16_t port_id);

}  // namespace skiff::dataplane::dpdk
