// DEL: release the attachment's addresses, delete the host veth (which takes
// the pod end, its routes and neighbours with it) and the masquerade entries.
// Succeeds when repeated, when the netns is gone and when no state exists.
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

// Addresses the pod had, for masquerade cleanup with a delegated IPAM: from the
// cached result if the runtime passed one, else from the pod's interface.
std::vector<IpAddr> KnownPodIps(const Env& env, const NetConf& conf) {
  std::vector<IpAddr> ips;
  if (conf.prev_result) {
    for (const IpConfig& ip : conf.prev_result->ips)
      ips.push_back(ip.address.addr);
    return ips;
  }
  if (env.netns.empty()) return ips;
  auto ns = Netns::Open(env.netns);
  if (!ns.ok()) return ips;
  auto pod = OpenSocketIn(*ns);
  if (!pod.ok()) return ips;
  auto link = nl::GetLink(*pod, env.ifname);
  if (!link.ok()) return ips;
  auto addrs = nl::ListAddrs(*pod, link->index);
  if (addrs.ok()) {
    for (const IpPrefix& p : *addrs) {
      if (!p.addr.is_link_local()) ips.push_back(p.addr);
    }
  }
  return ips;
}

}  // namespace

Expected<std::string> CmdDel(const Env& env, const NetConf& conf, std::string_view stdin_data) {
  auto host = nl::Socket::Open();
  if (!host.ok()) return FromStatus(host.status(), kInternal);
  const std::string host_name = HostVethName(env.container_id, env.ifname);

  std::vector<IpAddr> released;
  if (conf.ipam.built_in()) {
    auto store = ipam::Store::Open(conf.ipam.data_dir, conf.name);
    if (!store.ok()) return store.error();
    CNI_RETURN_IF_ERROR(store->Lock());
    auto all = store->List();
    if (!all.ok()) return all.error();
    for (const ipam::Reservation& r : *all) {
      if (ipam::BelongsTo(r, env.container_id, env.ifname)) released.push_back(r.ip);
    }
    if (conf.ip_masq && !released.empty()) {
      // Before releasing, so a failed nft run leaves the reservations for a
      // retried DEL to find; under the lock when removing the network's chain,
      // so a concurrent ADD cannot add to a chain that is about to disappear.
      CNI_RETURN_IF_ERROR(MasqDel(conf.name, released, released.size() == all->size()));
    }
    for (const IpAddr& ip : released) {
      CNI_RETURN_IF_ERROR(store->Release(ip));
    }
  } else {
    if (conf.ip_masq) released = KnownPodIps(env, conf);
    ipam::DelegateCall call{conf.ipam.type, env.path, "DEL", std::string(stdin_data),
                            conf.cni_version};
    auto r = ipam::RunDelegate(call);
    if (!r.ok()) return r.error();
    if (conf.ip_masq && !released.empty()) {
      CNI_RETURN_IF_ERROR(MasqDel(conf.name, released, false));
    }
  }

  Status del = nl::DeleteLink(*host, host_name);
  if (!del.ok() && del.code() != StatusCode::kNotFound) return NetlinkError(del);
  if (del.code() == StatusCode::kNotFound && !env.netns.empty()) {
    // The host end is gone but a pod end might survive (e.g. moved by hand):
    // remove our veth from the pod if it is still there.
    auto ns = Netns::Open(env.netns);
    if (ns.ok()) {
      auto pod = OpenSocketIn(*ns);
      if (pod.ok()) {
        auto link = nl::GetLink(*pod, env.ifname);
        if (link.ok() && link->kind == "veth") {
          Status s = nl::DeleteLinkByIndex(*pod, link->index);
          if (!s.ok() && s.code() != StatusCode::kNotFound) return NetlinkError(s);
        }
      }
    }
  }
  return std::string();
}

}  // namespace skiff::cni::plugin
