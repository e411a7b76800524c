// Address, route and neighbour operations over a netlink socket. The *Request
// builders return requests for Socket::DoBatch; the List* functions dump.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/netlink/link.h"
#include "cni/netlink/socket.h"
#include "cni/spec/ip.h"
#include "common/status.h"

namespace skiff::cni::nl {

// Adds `prefix` (address + prefix length) to link `index`. `nodad` skips IPv6
// duplicate address detection so the address is usable immediately (the
// allocator already guarantees uniqueness). `ifname` only names it in errors.
Request AddAddrRequest(int index, std::string_view ifname, const IpPrefix& prefix, bool nodad);

// Addresses on link `index` (family 4, 6 or 0 for both).
Result<std::vector<IpPrefix>> ListAddrs(Socket& s, int index, int family = 0);

struct RouteSpec {
  IpPrefix dst;
  std::optional<IpAddr> gw;
  int oif = 0;
  std::string ifname;     // for messages
  uint8_t scope = 0;      // RT_SCOPE_UNIVERSE (0) or RT_SCOPE_LINK (253)
  uint32_t table = 254;   // RT_TABLE_MAIN
  uint32_t priority = 0;  // metric
  uint32_t mtu = 0;       // RTAX_MTU, 0 = unset
  uint32_t advmss = 0;    // RTAX_ADVMSS, 0 = unset
  bool onlink = false;    // RTNH_F_ONLINK: gateway need not be on a connected subnet
};

// NLM_F_CREATE|NLM_F_EXCL: fails with ALREADY_EXISTS when present.
Request AddRouteRequest(const RouteSpec& r);
Request DelRouteRequest(const RouteSpec& r);

struct RouteEntry {
  IpPrefix dst;
  std::optional<IpAddr> gw;
  int oif = 0;
  uint32_t table = 0;
  uint8_t scope = 0;
  uint32_t priority = 0;
};

// Unicast routes of `family` (4 or 6) in `table` (0 = every table).
Result<std::vector<RouteEntry>> ListRoutes(Socket& s, int family, uint32_t table = 254);

// A permanent neighbour entry (static ARP/NDP): NLM_F_CREATE|NLM_F_REPLACE.
Request AddNeighRequest(int index, std::string_view ifname, const IpAddr& ip, const Mac& mac);

struct NeighEntry {
  IpAddr ip;
  Mac mac{};
  int index = 0;
  uint16_t state = 0;  // NUD_*
};
Result<std::vector<NeighEntry>> ListNeighbors(Socket& s, int index, int family);

}  // namespace skiff::cni::nl
