// The engine's neighbor table (IP -> MAC per port), kept by the control
// thread. Workers report senders of ARP/NDP traffic (Learn); Tick() works
// out which next hops the current tables need (each port's gateways and
// every on-link backend), asks for the unresolved ones with ARP requests /
// neighbor solicitations (once a second until answered, then a refresh
// every 30 s), forgets unused entries after 10 minutes, and publishes a new
// NetTables generation whenever a MAC appears or changes.
// Not thread-safe: the control thread owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "dataplane/dpdk/tables.h"

namespace skiff::dataplane::dpdk {

class NeighborManager {
 public:
  // Sends one ARP request (IPv4) / neighbor solicitation (IPv6) for
  // `target` from `src` out of port index `port`; false when it could not.
  using Prober =
      std::function<bool(uint16_t port, uint8_t family, const RawAddr& src, const RawAddr& target)>;
  using ServicesFn = std::function<std::shared_ptr<const ServiceTables>()>;
  using PublishFn = std::function<void(std::shared_ptr<const NetTables>)>;

  NeighborManager(std::vector<PortInfo> ports, ServicesFn services, PublishFn publish, Prober probe,
                  size_t max_entries = 16384);

  void Learn(const Learned* l, size_t n, uint64_t now_ms);
  void Tick(uint64_t now_ms);

  size_t resolved() const;
  size_t wanted_unresolved() const;
  uint64_t probes_sent() const { return probes_; }
  const std::vector<PortInfo>& ports() const { return ports_; }

 private:
  struct Entry {
    Mac mac;
    bool resolved = false;
    uint64_t learned_ms = 0;
    uint64_t used_ms = 0;  // last time it was wanted
    uint64_t probed_ms = 0;
    bool probed = false;
  };
  void Publish();
  std::set<NeighborKey> Wanted();

  NetTables routes_;  // ports only: routing decisions
  std::vector<PortInfo> ports_;
  ServicesFn services_;
  PublishFn publish_;
  Prober probe_;
  size_t max_entries_;
  std::map<NeighborKey, Entry> table_;
  std::set<NeighborKey> wanted_;
  const ServiceTables* wanted_for_ = nullptr;
  std::shared_ptr<const ServiceTables> hold_;  // keeps wanted_for_ valid
  bool dirty_ = true;
  uint64_t probes_ = 0;
};

}  // namespace skiff::dataplane::dpdk
