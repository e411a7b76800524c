#include "dataplane/dpdk/ports.h"

#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cstring>

namespace skiff::dataplane::dpdk {
namespace {

Status PortError(const std::string& flag, const std::string& devargs, const std::string& what,
                 int rc) {
  return FailedPrecondition(flag + " " + devargs + ": " + what + ": " +
                            rte_strerror(rc < 0 ? -rc : rc));
}

}  // namespace

Result<OpenedPort> OpenPort(const std::string& devargs, const std::string& flag,
                            const PortSetup& setup) {
  OpenedPort out;
  out.name = devargs.substr(0, devargs.find(','));
  uint16_t port_id = 0;
  if (rte_eth_dev_get_port_by_name(out.name.c_str(), &port_id) != 0)
    return FailedPrecondition(
        flag + " " + devargs + ": DPDK did not create device " + out.name +
        " (for a vdev check its arguments, e.g. the iface= interface exists and is up; for a "
        "PCI device check it is bound to vfio-pci/uio; DPDK's log above says why)");
  rte_eth_dev_info dev;
  int rc = rte_eth_dev_info_get(port_id, &dev);
  if (rc != 0) return PortError(flag, devargs, "reading device info", rc);
  out.driver = dev.driver_name ? dev.driver_name : "";
  if (setup.rx_queues > dev.max_rx_queues || setup.tx_queues > dev.max_tx_queues) {
    std::string hint = out.driver.find("af_packet") != std::string::npos
                           ? " (add qpairs=" + std::to_string(setup.rx_queues) + " to the devargs)"
                           : "";
    return FailedPrecondition(
        flag + " " + devargs + ": device has " + std::to_string(dev.max_rx_queues) + " RX / " +
        std::to_string(dev.max_tx_queues) + " TX queues, " + std::to_string(setup.rx_queues) +
        " needed (one per --dpdk-lcores worker)" + hint);
  }
  rte_eth_conf conf;
  std::memset(&conf, 0, sizeof(conf));
  uint64_t rss_hf =
      (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & dev.flow_type_rss_offloads;
  if (setup.rx_queues > 1) {
    if (rss_hf) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
      out.rss = true;
    } else {
      out.warnings.push_back(out.name + ": no RSS; the driver spreads packets over the " +
                             std::to_string(setup.rx_queues) + " queues its own way");
    }
  }
  if (setup.want_offloads) {
    const uint64_t tx_want =
        RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    conf.txmode.offloads = dev.tx_offload_capa & tx_want;
    conf.rxmode.offloads = dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;
  }
  out.info.tx_ipv4_cksum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
  out.info.tx_l4_cksum = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
                         (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
  if (!out.info.tx_l4_cksum)
    conf.txmode.offloads &= ~(RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);

  rc = rte_eth_dev_configure(port_id, setup.rx_queues, setup.tx_queues, &conf);
  if (rc != 0) return PortError(flag, devargs, "configuring the device", rc);
  uint16_t rxd = setup.rx_desc, txd = setup.tx_desc;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
  if (rc != 0) return PortError(flag, devargs, "adjusting descriptor counts", rc);
  int socket = rte_eth_dev_socket_id(port_id);
  if (socket < 0) socket = 0;
  for (uint16_t q = 0; q < setup.rx_queues; ++q) {
    rte_eth_rxconf rxq = dev.default_rxconf;
    rxq.offloads = conf.rxmode.offloads;
    rc = rte_eth_rx_queue_setup(port_id, q, rxd, static_cast<unsigned>(socket), &rxq, setup.pool);
    if (rc != 0)
      return PortError(flag, devargs,
                       "RX queue " + std::to_string(q) + " (--dpdk-rx-desc, --dpdk-mbufs)", rc);
  }
  for (uint16_t q = 0; q < setup.tx_queues; ++q) {
    rte_eth_txconf txq = dev.default_txconf;
    txq.offloads = conf.txmode.offloads;
    rc = rte_eth_tx_queue_setup(port_id, q, txd, static_cast<unsigned>(socket), &txq);
    if (rc != 0)
      return PortError(flag, devargs, "TX queue " + std::to_string(q) + " (--dpdk-tx-desc)", rc);
  }
  rc = rte_eth_dev_start(port_id);
  if (rc != 0) return PortError(flag, devargs, "starting the device", rc);
  rte_eth_allmulticast_enable(port_id);  // NDP solicited-node groups; best effort
  rte_ether_addr mac;
  rte_eth_macaddr_get(port_id, &mac);
  std::memcpy(out.info.mac, mac.addr_bytes, 6);
  uint16_t mtu = 1500;
  if (rte_eth_dev_get_mtu(port_id, &mtu) == 0 && mtu >= 1280) out.info.mtu = mtu;
  out.info.port_id = port_id;
  return out;
}

void ClosePort(uint16_t port_id) {
  rte_eth_dev_stop(port_id);
  rte_eth_dev_close(port_id);
}

}  // namespace skiff::dataplane::dpdk
