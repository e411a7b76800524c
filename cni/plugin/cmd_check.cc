// CHECK: compare the attachment described by prevResult with the kernel and
// the IPAM store; any difference (interface, address, route, host side,
// reservation) is a kCheckFailed error naming it.
#include <linux/if.h>

#include "cni/ipam/delegate.h"
#include "cni/ipam/store.h"
#include "cni/netlink/addr.h"
#include "cni/netlink/link.h"
#include "cni/plugin/commands.h"
#include "cni/plugin/names.h"
#include "cni/plugin/support.h"

namespace skiff::cni::plugin {
namespace {

Error Failed(std::string msg) {
  return Error(kCheckFailed, std::move(msg));
}

bool SameDst(const IpPrefix& a, const IpPrefix& b) {
  return a.len == b.len && a.Network() == b.Network();
}

Error CheckRoutes(nl::Socket& s, const std::vector<Route>& want, int oif,
                  const std::string& where) {
  for (int family : {4, 6}) {
    bool any = false;
    for (const Route& r : want)
      any = any || r.dst.addr.family == family;
    if (!any) continue;
    auto have = nl::ListRoutes(s, family, 0);
    if (!have.ok()) return NetlinkError(have.status());
    for (const Route& r : want) {
      if (r.dst.addr.family != family) continue;
      bool found = false;
      for (const nl::RouteEntry& e : *have) {
        if (!SameDst(e.dst, r.dst) || (oif && e.oif != oif)) continue;
        if (r.gw && (!e.gw || *e.gw != *r.gw)) continue;
        found = true;
        break;
      }
      if (!found) {
        return Failed("route " + r.dst.ToString() + (r.gw ? " via " + r.gw->ToString() : "") +
                      " is missing " + where);
      }
    }
  }
  return OkError();
}

}  // namespace

Expected<std::string> CmdCheck(const Env& env, const NetConf& conf, std::string_view stdin_data) {
  if (!conf.prev_result) {
    return Error(kInvalidConfig, "missing required field prevResult for CHECK");
  }
  const CniResult& prev = *conf.prev_result;
  auto ns = OpenContainerNetns(env.netns);
  if (!ns.ok()) return ns.error();
  auto host = nl::Socket::Open();
  if (!host.ok()) return FromStatus(host.status(), kInternal);
  auto pod = OpenSocketIn(*ns);
  if (!pod.ok()) return pod.error();
  const std::string host_name = HostVethName(env.container_id, env.ifname);

  int pod_idx = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i) {
    if (prev.interfaces[i].name == env.ifname && !prev.interfaces[i].sandbox.empty()) {
      pod_idx = static_cast<int>(i);
    }
  }
  if (pod_idx < 0) return Failed("prevResult has no interface " + env.ifname + " in a sandbox");
  const Interface& want = prev.interfaces[pod_idx];

  // Pod end.
  auto link = nl::GetLink(*pod, env.ifname);
  if (!link.ok()) return Failed("interface " + env.ifname + " not found in netns " + env.netns);
  if (link->kind != "veth") {
    return Failed("interface " + env.ifname + " is a " + link->kind + ", expected veth");
  }
  if (!want.mac.empty() && nl::MacToString(link->mac) != want.mac) {
    return Failed("interface " + env.ifname + " has MAC " + nl::MacToString(link->mac) +
                  ", prevResult says " + want.mac);
  }
  if (!(link->flags & IFF_UP)) return Failed("interface " + env.ifname + " is down");
  auto addrs = nl::ListAddrs(*pod, link->index);
  if (!addrs.ok()) return NetlinkError(addrs.status());
  std::vector<IpAddr> ips;
  for (const IpConfig& ip : prev.ips) {
    if (!ip.interface || *ip.interface != pod_idx) continue;
    ips.push_back(ip.address.addr);
    bool found = false;
    for (const IpPrefix& a : *addrs)
      found = found || a == ip.address;
    if (!found) {
      return Failed("address " + ip.address.ToString() + " is missing on " + env.ifname);
    }
  }
  CNI_RETURN_IF_ERROR(CheckRoutes(*pod, prev.routes, link->index, "in the pod"));

  // Host end.
  auto hl = nl::GetLink(*host, host_name);
  if (!hl.ok()) return Failed("host interface " + host_name + " not found");
  if (!(hl->flags & IFF_UP)) return Failed("host interface " + host_name + " is down");
  if (hl->peer_index != link->index) {
    return Failed("host interface " + host_name + " is not the peer of " + env.ifname);
  }
  if (conf.mode == Mode::kRouted) {
    std::vector<Route> host_routes;
    for (const IpAddr& ip : ips)
      host_routes.push_back(MakeRoute(IpPrefix{ip, ip.bit_len()}));
    CNI_RETURN_IF_ERROR(CheckRoutes(*host, host_routes, hl->index, "on the host"));
  } else {
    auto br = nl::GetLink(*host, conf.bridge);
    if (!br.ok()) return Failed("bridge " + conf.bridge + " not found");
    if (hl->master != br->index) {
      return Failed("host interface " + host_name + " is not attached to bridge " + conf.bridge);
    }
    if (conf.hairpin) {
      auto hp = nl::GetHairpin(*host, hl->index);
      if (hp.ok() && !*hp) return Failed("hairpin mode is off on " + host_name);
    }
  }

  // Addresses are still reserved for this attachment.
  if (conf.ipam.built_in()) {
    auto store = ipam::Store::Open(conf.ipam.data_dir, conf.name);
    if (!store.ok()) return store.error();
    for (const IpAddr& ip : ips) {
      auto owner = store->Get(ip);
      if (!owner.ok()) return owner.error();
      if (!owner->has_value() || (*owner)->container_id != env.container_id) {
        return Failed("IPAM reservation of " + ip.ToString() + " for container " +
                      env.container_id + " is missing");
      }
    }
  } else {
    ipam::DelegateCall call{conf.ipam.type, env.path, "CHECK", std::string(stdin_data),
                            conf.cni_version};
    auto r = ipam::RunDelegate(call);
    if (!r.ok()) return r.error();
  }
  return std::string();
}

}  // namespace skiff::cni::plugin
