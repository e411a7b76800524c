#include "cni/netlink/link.h"

#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace skiff::cni::nl {

std::string MacToString(const Mac& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return buf;
}

Result<Mac> ParseMac(std::string_view text) {
  Mac mac{};
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 17)
    return InvalidArgument("invalid MAC address \"" + std::string(text) + "\"");
  for (int i = 0; i < 6; ++i) {
    int hi = hex(text[i * 3]), lo = hex(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
      return InvalidArgument("invalid MAC address \"" + std::string(text) + "\"");
    }
    mac[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

Mac RandomMac() {
  Mac mac{};
  if (getrandom(mac.data(), mac.size(), 0) != static_cast<ssize_t>(mac.size())) {
    // getrandom never fails for 6 bytes once the pool is initialised; fall back
    // to a clock-derived value rather than failing the ADD.
    uint64_t t = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&mac)) ^ 0x9e3779b97f4a7c15ull;
    std::memcpy(mac.data(), &t, mac.size());
  }
  mac[0] = static_cast<uint8_t>((mac[0] & 0xfe) | 0x02);  // unicast, locally administered
  return mac;
}

bool LinkInfo::up() const {
  return (flags & IFF_UP) != 0;
}

namespace {

void ParseLink(const nlmsghdr* h, LinkInfo* out) {
  const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  out->index = ifi->ifi_index;
  out->flags = ifi->ifi_flags;
  const auto* attrs = reinterpret_cast<const uint8_t*>(ifi) + NLMSG_ALIGN(sizeof(ifinfomsg));
  size_t len = h->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg));
  ForEachAttr(attrs, len, [&](const Attr& a) {
    switch (a.type) {
      case IFLA_IFNAME:
        out->name = std::string(a.str());
        break;
      case IFLA_ADDRESS:
        if (a.len == 6) std::memcpy(out->mac.data(), a.data, 6);
        break;
      case IFLA_MTU:
        out->mtu = a.u32();
        break;
      case IFLA_MASTER:
        out->master = static_cast<int>(a.u32());
        break;
      case IFLA_LINK:
        out->peer_index = static_cast<int>(a.u32());
        break;
      case IFLA_LINKINFO:
        ForEachAttr(a.data, a.len, [&](const Attr& li) {
          if (li.type == IFLA_INFO_KIND) out->kind = std::string(li.str());
        });
        break;
      default:
        break;
    }
  });
}

Result<LinkInfo> GetLinkImpl(Socket& s, std::string_view name, int index) {
  Request req(RTM_GETLINK, 0,
              index ? "get link #" + std::to_string(index) : "get link " + std::string(name));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  if (!index) req.PutString(IFLA_IFNAME, name);
  // Skip statistics and VF info: smaller replies.
  req.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  LinkInfo info;
  bool got = false;
  SKIFF_RETURN_IF_ERROR(s.Get(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return;
    ParseLink(h, &info);
    got = true;
  }));
  if (!got) return NotFound(req.what() + ": no reply");
  return info;
}

}  // namespace

Result<LinkInfo> GetLink(Socket& s, std::string_view name) {
  return GetLinkImpl(s, name, 0);
}
Result<LinkInfo> GetLinkByIndex(Socket& s, int index) {
  return GetLinkImpl(s, {}, index);
}

Status CreateVeth(Socket& s, const VethSpec& spec) {
  Request req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
              "create veth " + spec.host_name + " <-> " + spec.peer_name);
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  if (spec.up) {
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
  }
  req.PutString(IFLA_IFNAME, spec.host_name);
  if (spec.mtu) req.PutU32(IFLA_MTU, spec.mtu);
  if (spec.host_mac) req.Put(IFLA_ADDRESS, spec.host_mac->data(), 6);
  if (spec.master) req.PutU32(IFLA_MASTER, static_cast<uint32_t>(spec.master));
  size_t linkinfo = req.BeginNest(IFLA_LINKINFO);
  req.PutString(IFLA_INFO_KIND, "veth");
  size_t data = req.BeginNest(IFLA_INFO_DATA);
  size_t peer = req.BeginNest(VETH_INFO_PEER);
  // The peer's own ifinfomsg. It cannot carry IFF_UP: the kernel configures
  // the peer before linking the pair, and opening an unpaired veth fails with
  // ENOTCONN. The caller brings the peer up from inside its namespace.
  ifinfomsg peer_ifi{};
  peer_ifi.ifi_family = AF_UNSPEC;
  req.AppendRaw(&peer_ifi, sizeof peer_ifi);
  req.PutString(IFLA_IFNAME, spec.peer_name);
  if (spec.mtu) req.PutU32(IFLA_MTU, spec.mtu);
  if (spec.peer_mac) req.Put(IFLA_ADDRESS, spec.peer_mac->data(), 6);
  if (spec.peer_netns_fd >= 0)
    req.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peer_netns_fd));
  req.EndNest(peer);
  req.EndNest(data);
  req.EndNest(linkinfo);
  return s.Do(req);
}

Result<LinkInfo> EnsureBridge(Socket& s, std::string_view name, uint32_t mtu, bool* created) {
  *created = false;
  auto existing = GetLink(s, name);
  if (existing.ok()) {
    if (existing->kind != "bridge") {
      return FailedPrecondition(
          "link \"" + std::string(name) + "\" exists and is a " +
          (existing->kind.empty() ? std::string("non-virtual device") : existing->kind) +
          ", not a bridge");
    }
    if (!existing->up()) {
      Request up = SetLinkUpRequest(existing->index, name);
      SKIFF_RETURN_IF_ERROR(s.Do(up));
      existing->flags |= IFF_UP;
    }
    return existing;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  Request req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "create bridge " + std::string(name));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  req.PutString(IFLA_IFNAME, name);
  if (mtu) req.PutU32(IFLA_MTU, mtu);
  Mac mac = RandomMac();
  req.Put(IFLA_ADDRESS, mac.data(), mac.size());
  size_t linkinfo = req.BeginNest(IFLA_LINKINFO);
  req.PutString(IFLA_INFO_KIND, "bridge");
  req.EndNest(linkinfo);
  Status st = s.Do(req);
  // Another plugin process may have created it concurrently: that is fine.
  if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return st;
  *created = st.ok();
  auto info = GetLink(s, name);
  if (info.ok() && !info->up()) {
    Request up = SetLinkUpRequest(info->index, name);
    SKIFF_RETURN_IF_ERROR(s.Do(up));
    info->flags |= IFF_UP;
  }
  return info;
}

Result<int> CountPorts(Socket& s, int master) {
  Request req(RTM_GETLINK, 0, "list ports of link #" + std::to_string(master));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  req.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  int count = 0;
  SKIFF_RETURN_IF_ERROR(s.Dump(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return;
    LinkInfo info;
    ParseLink(h, &info);
    if (info.master == master) ++count;
  }));
  return count;
}

Status DeleteLink(Socket& s, std::string_view name) {
  Request req(RTM_DELLINK, 0, "delete link " + std::string(name));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  req.PutString(IFLA_IFNAME, name);
  return s.Do(req);
}

Status DeleteLinkByIndex(Socket& s, int index) {
  Request req(RTM_DELLINK, 0, "delete link #" + std::to_string(index));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return s.Do(req);
}

Request SetLinkUpRequest(int index, std::string_view name) {
  Request req(RTM_NEWLINK, 0, "set link " + std::string(name) + " up");
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return req;
}

Request SetNoIpv6LinkLocalRequest(int index, std::string_view name) {
  Request req(RTM_NEWLINK, 0, "disable IPv6 link-local on " + std::string(name));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  size_t spec = req.BeginNest(IFLA_AF_SPEC);
  size_t inet6 = req.BeginNest(AF_INET6);
  req.PutU8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  req.EndNest(inet6);
  req.EndNest(spec);
  return req;
}

Request SetHairpinRequest(int index, std::string_view name, bool on) {
  Request req(RTM_SETLINK, 0,
              std::string("set hairpin ") + (on ? "on" : "off") + " on " + std::string(name));
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  size_t prot = req.BeginNest(IFLA_PROTINFO);
  req.PutU8(IFLA_BRPORT_MODE, on ? 1 : 0);
  req.EndNest(prot);
  return req;
}

Result<bool> GetHairpin(Socket& s, int index) {
  Request req(RTM_GETLINK, 0, "dump bridge ports");
  auto* ifi = req.Header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  bool hairpin = false;
  SKIFF_RETURN_IF_ERROR(s.Dump(req, [&](const nlmsghdr* h) {
    const auto* m = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    if (m->ifi_index != index) return;
    const auto* attrs = reinterpret_cast<const uint8_t*>(m) + NLMSG_ALIGN(sizeof(ifinfomsg));
    ForEachAttr(attrs, h->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)), [&](const Attr& a) {
      if (a.type != IFLA_PROTINFO) return;
      ForEachAttr(a.data, a.len, [&](const Attr& p) {
        if (p.type == IFLA_BRPORT_MODE) hairpin = p.u8() != 0;
      });
    });
  }));
  return hairpin;
}

}  // namespace skiff::cni::nl
