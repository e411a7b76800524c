// Link (interface) operations over a netlink socket: query, veth pair and
// bridge creation, deletion, bridge-port hairpin. All operate in the socket's
// network namespace except where a target namespace fd is passed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cni/netlink/socket.h"
#include "common/status.h"

namespace skiff::cni::nl {

using Mac = std::array<uint8_t, 6>;

// "aa:bb:cc:dd:ee:ff".
std::string MacToString(const Mac& mac);
// Accepts "aa:bb:cc:dd:ee:ff" (any case). INVALID_ARGUMENT names the text.
Result<Mac> ParseMac(std::string_view text);
// A random locally administered unicast address.
Mac RandomMac();

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "veth", "bridge", ... ("" for physical/loopback)
  Mac mac{};
  uint32_t mtu = 0;
  uint32_t flags = 0;  // IFF_*
  int master = 0;      // bridge/bond ifindex, 0 if none
  int peer_index = 0;  // IFLA_LINK: for veth, the peer's ifindex in its netns
  bool up() const;
};

// NOT_FOUND when no such link.
Result<LinkInfo> GetLink(Socket& s, std::string_view name);
Result<LinkInfo> GetLinkByIndex(Socket& s, int index);

struct VethSpec {
  std::string host_name;
  std::optional<Mac> host_mac;  // kernel picks one when unset
  std::string peer_name;
  std::optional<Mac> peer_mac;
  int peer_netns_fd = -1;  // -1: same namespace as the socket
  uint32_t mtu = 0;        // 0: kernel default
  int master = 0;          // enslave the host end to this bridge at creation
  bool up = true;          // bring the host end up at creation
};

// Creates both ends in one request. ALREADY_EXISTS when either name is taken
// (the whole pair is then not created). The peer starts down (the kernel
// cannot open it before the pair is linked): bring it up with
// SetLinkUpRequest through a socket in its namespace.
Status CreateVeth(Socket& s, const VethSpec& spec);

// Creates a bridge if absent and brings it up. *created tells whether this
// call created it. A new bridge gets a fixed random MAC: without one the kernel
// would keep changing it to the lowest port MAC as pods come and go, breaking
// the pods' cached gateway entries. An existing link with that name that is
// not a bridge is FAILED_PRECONDITION.
Result<LinkInfo> EnsureBridge(Socket& s, std::string_view name, uint32_t mtu, bool* created);

// Number of links enslaved to `master` (e.g. ports of a bridge).
Result<int> CountPorts(Socket& s, int master);

// Deletes a link by name; NOT_FOUND when absent.
Status DeleteLink(Socket& s, std::string_view name);
Status DeleteLinkByIndex(Socket& s, int index);

// Request builders (for batching with other requests).
Request SetLinkUpRequest(int index, std::string_view name);
// Stops the kernel from giving the link an IPv6 link-local address (and from
// running DAD, router solicitation and MLD for it) when it comes up; used for
// IPv4-only attachments. Must precede bringing the link up.
Request SetNoIpv6LinkLocalRequest(int index, std::string_view name);
// Bridge port hairpin ("reflective relay") on/off.
Request SetHairpinRequest(int index, std::string_view name, bool on);

// Reads the hairpin flag of a bridge port (false when not a bridge port).
Result<bool> GetHairpin(Socket& s, int index);

}  // namespace skiff::cni::nl
