// ADD: address the pod (built-in IPAM or a delegate), create the veth pair with
// the pod end directly in the pod's namespace, configure both ends with two
// netlink batches, and print the result. Every step registers its undo, so a
// failure part-way leaves no interface, route, reservation or rule behind.
#include <linux/rtnetlink.h>

#include <optional>

#include "cni/ipam/allocator.h"
#include "cni/ipam/delegate.h"
#include "cni/ipam/store.h"
#include "cni/netlink/addr.h"
#include "cni/netlink/link.h"
#include "cni/plugin/commands.h"
#include "cni/plugin/masq.h"
#include "cni/plugin/names.h"
#include "cni/plugin/support.h"

namespace skiff::cni::plugin {
namespace {

// What IPAM handed out, before the mode decides how it is configured.
struct Addressing {
  std::vector<IpConfig> ips;  // address with the subnet's prefix length, gateway
  std::vector<Route> routes;
  Dns dns;
};

// The intended state of both ends, derived from the addressing and the mode.
struct Plan {
  std::vector<IpPrefix> pod_addrs;
  std::vector<nl::RouteSpec> pod_routes;  // oif filled in once the link exists
  std::vector<IpAddr> pod_gateway_neigh;  // routed: gateways answered statically
  std::vector<IpAddr> host_routes;        // routed: /32, /128 towards the pod
  std::vector<IpPrefix> bridge_gateways;  // bridge: gateway addresses on the bridge
  std::vector<IpConfig> result_ips;       // interface index relative to the pod link
  std::vector<Route> result_routes;
  bool v4 = false;
  bool v6 = false;
};

bool IsDefault(const IpPrefix& p) {
  return p.len == 0;
}

IpPrefix DefaultRoute(int family) {
  IpPrefix p;
  p.addr.family = family;
  return p;
}

Plan MakePlan(const NetConf& c, const Addressing& a) {
  Plan p;
  for (const IpConfig& ip : a.ips) {
    (ip.address.addr.is_v4() ? p.v4 : p.v6) = true;
  }
  for (int family : {4, 6}) {
    if ((family == 4 && !p.v4) || (family == 6 && !p.v6)) continue;
    std::vector<Route> routes;
    for (const Route& r : a.routes) {
      if (r.dst.addr.family == family) routes.push_back(r);
    }
    if (c.mode == Mode::kRouted) {
      IpAddr gw = RoutedGateway(family);
      for (const IpConfig& ip : a.ips) {
        if (ip.address.addr.family != family) continue;
        IpPrefix host{ip.address.addr, ip.address.addr.bit_len()};
        p.pod_addrs.push_back(host);
        p.host_routes.push_back(ip.address.addr);
        p.result_ips.push_back(IpConfig{std::nullopt, host, gw});
      }
      if (routes.empty()) routes.push_back(MakeRoute(DefaultRoute(family)));
      for (const Route& r : routes) {
        nl::RouteSpec spec;
        spec.dst = r.dst;
        spec.gw = gw;
        // The gateway is not in any subnet of the pod: "onlink" says it is
        // directly reachable on this link (no extra /32 route needed).
        spec.onlink = true;
        p.pod_routes.push_back(spec);
        Route out = r;
        out.gw = gw;
        p.result_routes.push_back(out);
      }
      p.pod_gateway_neigh.push_back(gw);
    } else {
      std::optional<IpAddr> gateway;
      for (const IpConfig& ip : a.ips) {
        if (ip.address.addr.family != family) continue;
        p.pod_addrs.push_back(ip.address);
        std::optional<IpAddr> gw = c.is_gateway ? ip.gateway : std::nullopt;
        p.result_ips.push_back(IpConfig{std::nullopt, ip.address, gw});
        if (gw) {
          p.bridge_gateways.push_back(IpPrefix{*gw, ip.address.len});
          if (!gateway) gateway = gw;
        }
      }
      bool has_default = false;
      for (const Route& r : routes)
        has_default = has_default || IsDefault(r.dst);
      if (c.is_default_gateway && gateway && !has_default) {
        routes.push_back(MakeRoute(DefaultRoute(family), gateway));
      }
      for (const Route& r : routes) {
        nl::RouteSpec spec;
        spec.dst = r.dst;
        spec.gw = r.gw ? r.gw : gateway;
        if (!spec.gw) spec.scope = RT_SCOPE_LINK;
        p.pod_routes.push_back(spec);
        Route out = r;
        out.gw = spec.gw;
        p.result_routes.push_back(out);
      }
    }
  }
  return p;
}

// Merges our part into the previous result of the chain (spec: a plugin that
// creates interfaces appends them and points its ips at them).
CniResult Merge(std::optional<CniResult> prev, CniResult ours) {
  if (!prev) return ours;
  CniResult out = std::move(*prev);
  int offset = static_cast<int>(out.interfaces.size());
  for (Interface& i : ours.interfaces)
    out.interfaces.push_back(std::move(i));
  for (IpConfig& ip : ours.ips) {
    if (ip.interface) *ip.interface += offset;
    out.ips.push_back(std::move(ip));
  }
  for (Route& r : ours.routes)
    out.routes.push_back(std::move(r));
  if (!ours.dns.empty()) out.dns = std::move(ours.dns);
  return out;
}

// Explains an EEXIST from veth creation: which of the two names is taken.
Error VethExistsError(nl::Socket& host, nl::Socket& pod, const std::string& host_name,
                      const Env& env, const Status& st) {
  if (GetLink(pod, env.ifname).ok()) {
    return Error(
        kInvalidEnvironment,
        "CNI_IFNAME: interface \"" + env.ifname + "\" already exists in netns " + env.netns,
        "pick another interface name or DEL the existing attachment first");
  }
  if (GetLink(host, host_name).ok()) {
    return Error(kNetlinkFailure, "host interface " + host_name + " for container " +
                                      env.container_id + "/" + env.ifname +
                                      " already exists (ADD repeated without DEL?)");
  }
  return NetlinkError(st);
}

}  // namespace

Expected<std::string> CmdAdd(const Env& env, const NetConf& conf, std::string_view stdin_data) {
  auto ns = OpenContainerNetns(env.netns);
  if (!ns.ok()) return ns.error();
  auto host_sock = nl::Socket::Open();
  if (!host_sock.ok()) return FromStatus(host_sock.status(), kInternal);
  nl::Socket& host = *host_sock;
  auto pod_sock = OpenSocketIn(*ns);
  if (!pod_sock.ok()) return pod_sock.error();
  nl::Socket& pod = *pod_sock;

  const bool bridge_mode = conf.mode == Mode::kBridge;
  const std::string host_name = HostVethName(env.container_id, env.ifname);
  // A repeated ADD (no DEL in between) must not touch the existing attachment.
  if (nl::GetLink(host, host_name).ok()) {
    return Error(kInvalidEnvironment,
                 "container " + env.container_id + " already has interface " + env.ifname +
                     " on network " + conf.name + " (host side " + host_name + ")",
                 "DEL the attachment before adding it again");
  }
  std::optional<ipam::Store> store;
  nl::LinkInfo bridge;
  bool bridge_created = false;
  Addressing addressing;
  Rollback rollback;  // declared after everything its steps reference

  auto ensure_bridge = [&]() -> Error {
    auto br = nl::EnsureBridge(host, conf.bridge, conf.mtu, &bridge_created);
    if (!br.ok()) return NetlinkError(br.status(), "bridge " + conf.bridge);
    bridge = *br;
    return OkError();
  };

  if (conf.ipam.built_in()) {
    auto st = ipam::Store::Open(conf.ipam.data_dir, conf.name);
    if (!st.ok()) return st.error();
    store.emplace(std::move(*st));
    CNI_RETURN_IF_ERROR(store->Lock());
    if (bridge_mode) {
      // Under the store lock: a failing ADD may only remove a bridge it created
      // when no other ADD holds a reservation, which this lock makes atomic.
      CNI_RETURN_IF_ERROR(ensure_bridge());
      if (bridge_created) {
        rollback.Add([&]() {
          if (!store->Lock().ok()) return;
          auto left = store->List();
          auto ports = nl::CountPorts(host, bridge.index);
          if (left.ok() && left->empty() && ports.ok() && *ports == 0) {
            (void)nl::DeleteLink(host, conf.bridge);
          }
          store->Unlock();
        });
      }
    }
    auto allocs = ipam::Allocate(*store, conf.ipam, env.container_id, env.ifname);
    store->Unlock();
    if (!allocs.ok()) return allocs.error().WithContext("ipam");
    // Only what this ADD reserved: never another ADD's addresses.
    rollback.Add([&store, taken = *allocs]() {
      if (!store->Lock().ok()) return;
      for (const ipam::Allocation& a : taken)
        (void)store->Release(a.address.addr);
      store->Unlock();
    });
    for (const ipam::Allocation& a : *allocs) {
      addressing.ips.push_back(IpConfig{std::nullopt, a.address, a.gateway});
    }
    addressing.routes = conf.ipam.routes;
  } else {
    ipam::DelegateCall call{conf.ipam.type, env.path, "ADD", std::string(stdin_data),
                            conf.cni_version};
    auto r = ipam::RunDelegate(call);
    if (!r.ok()) return r.error();
    rollback.Add([call]() {
      ipam::DelegateCall del = call;
      del.command = "DEL";
      (void)ipam::RunDelegate(del);
    });
    for (const IpConfig& ip : r->ips) {
      addressing.ips.push_back(IpConfig{std::nullopt, ip.address, ip.gateway});
    }
    addressing.routes = r->routes;
    addressing.dns = r->dns;
    if (bridge_mode) CNI_RETURN_IF_ERROR(ensure_bridge());
  }
  if (addressing.ips.empty()) {
    return Error(kInvalidConfig, "ipam: no addresses were allocated");
  }
  Plan plan = MakePlan(conf, addressing);

  nl::VethSpec veth;
  veth.host_name = host_name;
  veth.peer_name = env.ifname;
  veth.peer_mac = conf.mac ? *conf.mac : nl::RandomMac();
  veth.peer_netns_fd = ns->fd();
  veth.mtu = conf.mtu;
  veth.master = bridge_mode ? bridge.index : 0;
  // IPv4-only attachments skip IPv6 link-locals on both ends: the host end is
  // created down and brought up after that setting (saves addrconf, DAD, RS
  // and MLD work per pod).
  const bool v4_only = !plan.v6;
  veth.up = !v4_only;
  Status created = nl::CreateVeth(host, veth);
  if (!created.ok()) {
    if (created.code() == StatusCode::kAlreadyExists) {
      return VethExistsError(host, pod, host_name, env, created);
    }
    return NetlinkError(created);
  }
  rollback.Add([&]() { (void)nl::DeleteLink(host, host_name); });

  auto host_link = nl::GetLink(host, host_name);
  if (!host_link.ok()) return NetlinkError(host_link.status());
  auto pod_link = nl::GetLink(pod, env.ifname);
  if (!pod_link.ok()) return NetlinkError(pod_link.status());

  // Pod side in one batch: link up, addresses, routes (in dependency order),
  // neighbours.
  std::vector<nl::Request> pod_batch;
  if (v4_only) pod_batch.push_back(nl::SetNoIpv6LinkLocalRequest(pod_link->index, env.ifname));
  pod_batch.push_back(nl::SetLinkUpRequest(pod_link->index, env.ifname));
  for (const IpPrefix& a : plan.pod_addrs) {
    pod_batch.push_back(nl::AddAddrRequest(pod_link->index, env.ifname, a, /*nodad=*/true));
  }
  for (nl::RouteSpec r : plan.pod_routes) {
    r.oif = pod_link->index;
    r.ifname = env.ifname;
    pod_batch.push_back(nl::AddRouteRequest(r));
  }
  for (const IpAddr& gw : plan.pod_gateway_neigh) {
    pod_batch.push_back(nl::AddNeighRequest(pod_link->index, env.ifname, gw, host_link->mac));
  }
  Status pod_status = pod.DoBatch(pod_batch);
  if (!pod_status.ok())
    return NetlinkError(pod_status, "configuring " + env.ifname + " in the pod");

  // Host side: routes and static neighbours towards the pod, or bridge port settings.
  std::vector<nl::Request> host_batch;
  if (v4_only) {
    host_batch.push_back(nl::SetNoIpv6LinkLocalRequest(host_link->index, host_name));
    host_batch.push_back(nl::SetLinkUpRequest(host_link->index, host_name));
  }
  for (const IpAddr& ip : plan.host_routes) {
    nl::RouteSpec r;
    r.dst = IpPrefix{ip, ip.bit_len()};
    r.oif = host_link->index;
    r.ifname = host_name;
    r.scope = RT_SCOPE_LINK;
    host_batch.push_back(nl::AddRouteRequest(r));
    host_batch.push_back(nl::AddNeighRequest(host_link->index, host_name, ip, pod_link->mac));
  }
  if (bridge_mode && conf.hairpin) {
    host_batch.push_back(nl::SetHairpinRequest(host_link->index, host_name, true));
  }
  Status host_status = host.DoBatch(host_batch);
  if (!host_status.ok()) return NetlinkError(host_status, "configuring host side " + host_name);

  if (bridge_mode && !plan.bridge_gateways.empty()) {
    auto have = nl::ListAddrs(host, bridge.index);
    if (!have.ok()) return NetlinkError(have.status());
    for (const IpPrefix& gw : plan.bridge_gateways) {
      bool present = false;
      for (const IpPrefix& h : *have)
        present = present || h.addr == gw.addr;
      if (present) continue;
      nl::Request req = nl::AddAddrRequest(bridge.index, conf.bridge, gw, /*nodad=*/true);
      Status s = host.Do(req);
      // A concurrent ADD may have added it first.
      if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return NetlinkError(s);
    }
  }
  if (!bridge_mode || conf.is_gateway) CNI_RETURN_IF_ERROR(EnableForwarding(plan.v4, plan.v6));

  if (conf.ip_masq) {
    std::vector<IpAddr> pod_ips;
    std::vector<IpPrefix> subnets;
    for (const IpConfig& ip : addressing.ips) {
      pod_ips.push_back(ip.address.addr);
      subnets.push_back(IpPrefix{ip.address.Network(), ip.address.len});
    }
    for (const auto& rs : conf.ipam.range_sets) {
      for (const auto& r : rs)
        subnets.push_back(r.subnet);
    }
    CNI_RETURN_IF_ERROR(MasqAdd(conf.name, pod_ips, subnets));
    rollback.Add([&conf, pod_ips]() { (void)MasqDel(conf.name, pod_ips, false); });
  }

  CniResult ours;
  ours.cni_version = conf.cni_version;
  if (bridge_mode) {
    ours.interfaces.push_back(Interface{conf.bridge, nl::MacToString(bridge.mac),
                                        static_cast<int>(bridge.mtu), "", "", ""});
  }
  ours.interfaces.push_back(Interface{host_name, nl::MacToString(host_link->mac),
                                      static_cast<int>(host_link->mtu), "", "", ""});
  ours.interfaces.push_back(Interface{env.ifname, nl::MacToString(pod_link->mac),
                                      static_cast<int>(pod_link->mtu), env.netns, "", ""});
  int pod_index = static_cast<int>(ours.interfaces.size()) - 1;
  for (IpConfig ip : plan.result_ips) {
    ip.interface = pod_index;
    ours.ips.push_back(ip);
  }
  ours.routes = plan.result_routes;
  ours.dns = conf.dns.empty() ? addressing.dns : conf.dns;
  CniResult result = Merge(conf.prev_result, std::move(ours));
  rollback.Commit();
  return json::Serialize(ResultToJson(result, conf.cni_version));
}

}  // namespace skiff::cni::plugin
