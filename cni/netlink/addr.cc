#include "cni/netlink/addr.h"

#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace skiff::cni::nl {
namespace {

int AfOf(int family) {
  return family == 6 ? AF_INET6 : AF_INET;
}

void PutIp(Request& req, uint16_t type, const IpAddr& ip) {
  req.Put(type, ip.bytes.data(), static_cast<size_t>(ip.byte_len()));
}

std::optional<IpAddr> IpFromAttr(const Attr& a, int af) {
  IpAddr ip;
  ip.family = af == AF_INET6 ? 6 : 4;
  if (a.len != static_cast<size_t>(ip.byte_len())) return std::nullopt;
  std::memcpy(ip.bytes.data(), a.data, a.len);
  return ip;
}

template <typename Hdr>
std::pair<const uint8_t*, size_t> Payload(const nlmsghdr* h) {
  const auto* base = static_cast<const uint8_t*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(Hdr));
  return {base, h->nlmsg_len - NLMSG_LENGTH(sizeof(Hdr))};
}

void FillRoute(Request& req, const RouteSpec& r) {
  auto* rt = req.Header<rtmsg>();
  rt->rtm_family = static_cast<uint8_t>(AfOf(r.dst.addr.family));
  rt->rtm_dst_len = static_cast<uint8_t>(r.dst.len);
  rt->rtm_table =
      r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = r.scope;
  rt->rtm_type = RTN_UNICAST;
  if (r.onlink) rt->rtm_flags |= RTNH_F_ONLINK;
  PutIp(req, RTA_DST, IpPrefix{r.dst.Network(), r.dst.len}.addr);
  if (r.table >= 256) req.PutU32(RTA_TABLE, r.table);
  if (r.gw) PutIp(req, RTA_GATEWAY, *r.gw);
  if (r.oif) req.PutU32(RTA_OIF, static_cast<uint32_t>(r.oif));
  if (r.priority) req.PutU32(RTA_PRIORITY, r.priority);
  if (r.mtu || r.advmss) {
    size_t m = req.BeginNest(RTA_METRICS);
    if (r.mtu) req.PutU32(RTAX_MTU, r.mtu);
    if (r.advmss) req.PutU32(RTAX_ADVMSS, r.advmss);
    req.EndNest(m);
  }
}

std::string RouteText(const RouteSpec& r) {
  std::string t = r.dst.ToString();
  if (r.gw) t += " via " + r.gw->ToString();
  if (!r.ifname.empty()) t += " dev " + r.ifname;
  return t;
}

}  // namespace

Request AddAddrRequest(int index, std::string_view ifname, const IpPrefix& prefix, bool nodad) {
  Request req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
              "add address " + prefix.ToString() + " on " + std::string(ifname));
  auto* ifa = req.Header<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(AfOf(prefix.addr.family));
  ifa->ifa_prefixlen = static_cast<uint8_t>(prefix.len);
  ifa->ifa_index = static_cast<uint32_t>(index);
  ifa->ifa_scope = prefix.addr.is_link_local() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  PutIp(req, IFA_LOCAL, prefix.addr);
  PutIp(req, IFA_ADDRESS, prefix.addr);
  if (prefix.addr.is_v4() && prefix.len < 31) {
    PutIp(req, IFA_BROADCAST, prefix.Last());
  }
  if (nodad && !prefix.addr.is_v4()) req.PutU32(IFA_FLAGS, IFA_F_NODAD);
  return req;
}

Result<std::vector<IpPrefix>> ListAddrs(Socket& s, int index, int family) {
  Request req(RTM_GETADDR, 0, "list addresses");
  auto* ifa = req.Header<ifaddrmsg>();
  ifa->ifa_family = family == 0 ? AF_UNSPEC : static_cast<uint8_t>(AfOf(family));
  std::vector<IpPrefix> out;
  SKIFF_RETURN_IF_ERROR(s.Dump(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    const auto* m = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (static_cast<int>(m->ifa_index) != index) return;
    auto [data, len] = Payload<ifaddrmsg>(h);
    std::optional<IpAddr> local, address;
    ForEachAttr(data, len, [&](const Attr& a) {
      if (a.type == IFA_LOCAL) local = IpFromAttr(a, m->ifa_family);
      if (a.type == IFA_ADDRESS) address = IpFromAttr(a, m->ifa_family);
    });
    std::optional<IpAddr> ip = local ? local : address;
    if (ip) out.push_back(IpPrefix{*ip, m->ifa_prefixlen});
  }));
  return out;
}

Request AddRouteRequest(const RouteSpec& r) {
  Request req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "add route " + RouteText(r));
  FillRoute(req, r);
  return req;
}

Request DelRouteRequest(const RouteSpec& r) {
  Request req(RTM_DELROUTE, 0, "delete route " + RouteText(r));
  FillRoute(req, r);
  req.HeaderAt<rtmsg>()->rtm_scope = RT_SCOPE_NOWHERE;  // match any scope
  return req;
}

Result<std::vector<RouteEntry>> ListRoutes(Socket& s, int family, uint32_t table) {
  Request req(RTM_GETROUTE, 0, "list routes");
  auto* rt = req.Header<rtmsg>();
  rt->rtm_family = static_cast<uint8_t>(AfOf(family));
  std::vector<RouteEntry> out;
  SKIFF_RETURN_IF_ERROR(s.Dump(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    const auto* m = static_cast<const rtmsg*>(NLMSG_DATA(h));
    if (m->rtm_type != RTN_UNICAST) return;
    RouteEntry e;
    e.table = m->rtm_table;
    e.scope = m->rtm_scope;
    e.dst.addr.family = family == 6 ? 6 : 4;
    e.dst.len = m->rtm_dst_len;
    auto [data, len] = Payload<rtmsg>(h);
    ForEachAttr(data, len, [&](const Attr& a) {
      switch (a.type) {
        case RTA_DST:
          if (auto ip = IpFromAttr(a, m->rtm_family)) e.dst.addr = *ip;
          break;
        case RTA_GATEWAY:
          e.gw = IpFromAttr(a, m->rtm_family);
          break;
        case RTA_OIF:
          e.oif = static_cast<int>(a.u32());
          break;
        case RTA_TABLE:
          e.table = a.u32();
          break;
        case RTA_PRIORITY:
          e.priority = a.u32();
          break;
        default:
          break;
      }
    });
    if (table != 0 && e.table != table) return;
    out.push_back(e);
  }));
  return out;
}

Request AddNeighRequest(int index, std::string_view ifname, const IpAddr& ip, const Mac& mac) {
  Request req(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
              "add neighbour " + ip.ToString() + " lladdr " + MacToString(mac) + " on " +
                  std::string(ifname));
  auto* nd = req.Header<ndmsg>();
  nd->ndm_family = static_cast<uint8_t>(AfOf(ip.family));
  nd->ndm_ifindex = index;
  nd->ndm_state = NUD_PERMANENT;
  nd->ndm_type = RTN_UNICAST;
  PutIp(req, NDA_DST, ip);
  req.Put(NDA_LLADDR, mac.data(), mac.size());
  return req;
}

Result<std::vector<NeighEntry>> ListNeighbors(Socket& s, int index, int family) {
  Request req(RTM_GETNEIGH, 0, "list neighbours");
  auto* nd = req.Header<ndmsg>();
  nd->ndm_family = static_cast<uint8_t>(AfOf(family));
  nd->ndm_ifindex = index;
  std::vector<NeighEntry> out;
  SKIFF_RETURN_IF_ERROR(s.Dump(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWNEIGH) return;
    const auto* m = static_cast<const ndmsg*>(NLMSG_DATA(h));
    if (m->ndm_ifindex != index) return;
    NeighEntry e;
    e.index = m->ndm_ifindex;
    e.state = m->ndm_state;
    bool have_ip = false;
    auto [data, len] = Payload<ndmsg>(h);
    ForEachAttr(data, len, [&](const Attr& a) {
      if (a.type == NDA_DST) {
        if (auto ip = IpFromAttr(a, m->ndm_family)) {
          e.ip = *ip;
          have_ip = true;
        }
      }
      if (a.type == NDA_LLADDR && a.len == 6) std::memcpy(e.mac.data(), a.data, 6);
    });
    if (have_ip) out.push_back(e);
  }));
  return out;
}

}  // namespace skiff::cni::nl
