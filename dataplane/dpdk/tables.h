// The read-only tables the lcores balance with, built by the control side
// from dataplane/core's State and swapped in whole (see publisher.h):
//
//   ServiceTables: frontend (VIP, port, protocol) -> service port and its
//                  backend set; a set is a Maglev table built by
//                  dataplane/core's BuildMaglevTable over the set's members,
//                  so both engines pick the same backend for a 5-tuple.
//   NetTables:     the ports (MAC, addresses, gateways, MTU, offloads) and
//                  the neighbors (IP -> MAC) learnt through ARP/NDP.
//
// Addresses are kept as packets carry them (network order, IPv4 in the
// first four bytes, rest zero) so lookups take pointers into packets.
// Objects are immutable once built and shared between generations with
// shared_ptr: a table swap after a change of one Service copies the
// frontend index but reuses every unchanged Maglev table.
// Thread-safety: const methods are safe from any number of threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/status.h"
#include "dataplane/core/state.h"
#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {

// 16 address bytes as the packet carries them.
struct RawAddr {
  uint8_t b[16];
  static RawAddr From(const IpAddr& ip) {
    RawAddr r;
    std::memcpy(r.b, ip.bytes.data(), 16);
    return r;
  }
  bool operator==(const RawAddr& o) const { return std::memcmp(b, o.b, 16) == 0; }
};

struct BackendRef {
  RawAddr addr;
  uint16_t port_be = 0;  // backend port, network order
  uint8_t family = kFamily4;
  uint8_t local = 1;
  Protocol proto = Protocol::kTCP;
  uint32_t backend_id = 0;
};

// One backend set: Maglev slot -> member, and the active members for
// session-affinity checks.
class SetTable {
 public:
  // Builds the table of `set` whose members are looked up in `backends`.
  // INTERNAL when a member is unknown. `maglev_size` must be prime.
  static Result<std::shared_ptr<const SetTable>> Build(uint32_t id, const BackendSet& set,
                                                       const std::map<uint32_t, Backend>& backends,
                                                       uint32_t maglev_size);

  uint32_t id() const { return id_; }
  uint32_t size() const { return static_cast<uint32_t>(slots_.size()); }
  // The member for flow hash `hash`, null when the set has no active member.
  const BackendRef* Pick(uint32_t hash) const {
    uint16_t i = slots_[hash % slots_.size()];
    return i ? &members_[i - 1] : nullptr;
  }
  // The backend id in Maglev slot `slot` (0 = empty), for inspection/tests.
  uint32_t SlotBackend(uint32_t slot) const {
    uint16_t i = slots_[slot];
    return i ? members_[i - 1].backend_id : 0;
  }
  // The member with this id when it is active (weight > 0, not terminating).
  const BackendRef* FindActive(uint32_t backend_id) const;
  const std::vector<BackendRef>& members() const { return members_; }

 private:
  uint32_t id_ = 0;
  std::vector<uint16_t> slots_;      // index + 1 into members_
  std::vector<BackendRef> members_;  // sorted by backend_id
  std::vector<uint8_t> active_;      // per member
};

struct FrontendEntry {
  RawAddr addr;  // zero for NodePort frontends
  uint16_t port_be = 0;
  uint8_t proto = 0;
  uint8_t family = kFamily4;
  uint32_t svc_id = 0;
  uint32_t affinity_timeout_s = 0;
  uint8_t flags = 0;  // kSvc*
  Scope scope = Scope::kCluster;
  const SetTable* set = nullptr;  // null: no ready backend, reject
};

// Frontends plus the addresses they use (answered for ARP/NDP/ICMP echo).
class ServiceTables {
 public:
  // Builds from `state` with the Maglev tables in `sets` (every set a
  // frontend references must be there: INTERNAL otherwise).
  static Result<std::shared_ptr<const ServiceTables>> Build(
      const State& state, const std::map<uint32_t, std::shared_ptr<const SetTable>>& sets);

  // Exact (address, port, protocol) match; null when none.
  const FrontendEntry* Find(const uint8_t* addr, uint8_t family, uint16_t port_be,
                            uint8_t proto) const;
  // Whether any frontend uses this (non-zero) address.
  bool IsVip(const uint8_t* addr, uint8_t family) const;
  size_t frontends() const { return entries_.size(); }
  // Every member of every backend set in use (a backend in several sets is
  // visited once per set).
  void ForEachBackend(const std::function<void(const BackendRef&)>& fn) const {
    for (const auto& s : sets_)
      for (const auto& b : s->members())
        fn(b);
  }
  // The service-port names by svc_id (for counters).
  const std::map<uint32_t, ServicePortInfo>& services() const { return services_; }

 private:
  static uint64_t Hash(const uint8_t* addr, uint8_t family, uint16_t port_be, uint8_t proto);
  std::vector<FrontendEntry> entries_;
  std::vector<uint32_t> slots_;  // index + 1 into entries_, open addressing
  uint64_t mask_ = 0;
  std::vector<uint32_t> vip_slots_;  // index + 1 into entries_ of a frontend with that address
  uint64_t vip_mask_ = 0;
  std::vector<std::shared_ptr<const SetTable>> sets_;  // keeps referenced tables alive
  std::map<uint32_t, ServicePortInfo> services_;
};

// One port as the lcores use it.
struct PortInfo {
  uint16_t port_id = 0;  // DPDK port id
  uint8_t mac[6] = {};
  uint16_t mtu = 1500;
  bool tx_ipv4_cksum = false;  // offloads enabled on the port
  bool tx_l4_cksum = false;    // TCP and UDP
  std::vector<PortAddress> addresses;
  // First address of each family (SNAT/IPIP source); NetTables fills them.
  std::optional<RawAddr> addr4, addr6;
  std::optional<RawAddr> gateway4, gateway6;
};

struct NextHop {
  uint16_t port = 0;  // index into NetTables::ports()
  uint8_t mac[6] = {};
};

struct NeighborKey {
  uint16_t port = 0;  // index into ports
  uint8_t family = kFamily4;
  RawAddr addr;
  auto operator<=>(const NeighborKey& o) const {
    if (port != o.port) return port <=> o.port;
    if (family != o.family) return family <=> o.family;
    return std::memcmp(addr.b, o.addr.b, 16) <=> 0;
  }
  bool operator==(const NeighborKey& o) const { return (*this <=> o) == 0; }
};
struct Mac {
  uint8_t b[6] = {};
  bool operator==(const Mac& o) const { return std::memcmp(b, o.b, 6) == 0; }
};

// A neighbor seen in ARP/NDP traffic (reported by workers to the control
// thread).
struct Learned {
  NeighborKey key;
  Mac mac;
  uint8_t pad[2] = {};
};

class NetTables {
 public:
  NetTables(std::vector<PortInfo> ports, std::map<NeighborKey, Mac> neighbors);

  const std::vector<PortInfo>& ports() const { return ports_; }
  // Index into ports() of DPDK port `port_id`, or -1.
  int PortIndex(uint16_t port_id) const {
    return port_id < index_by_id_.size() ? index_by_id_[port_id] : -1;
  }
  // Whether `addr` is inside one of port `port`'s prefixes (on link).
  bool OnLink(uint16_t port, const uint8_t* addr, uint8_t family) const;
  // Index of the port owning this address (one of its addr=), or -1.
  int SelfPort(const uint8_t* addr, uint8_t family) const;
  // The port and next-hop IP towards `dst`: a port whose prefix holds it
  // (on link), else a port with a gateway of the family. False when none.
  bool Route(const uint8_t* dst, uint8_t family, uint16_t* port, RawAddr* next_hop) const;
  // Route + neighbor MAC. False when there is no route or the neighbor is
  // not resolved yet.
  bool Resolve(const uint8_t* dst, uint8_t family, NextHop* out) const;
  const std::map<NeighborKey, Mac>& neighbors() const { return neighbors_; }

 private:
  std::vector<PortInfo> ports_;
  std::map<NeighborKey, Mac> neighbors_;
  struct Self {
    RawAddr addr;
    uint8_t family;
    uint16_t port;
  };
  std::vector<Self> self_;
  std::vector<int> index_by_id_;
};

// One generation of everything the lcores read.
struct Snapshot {
  uint64_t generation = 0;
  std::shared_ptr<const ServiceTables> services;
  std::shared_ptr<const NetTables> net;
};

}  // namespace skiff::dataplane::dpdk
