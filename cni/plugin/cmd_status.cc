// STATUS: 0 when an ADD would succeed; 50 when it could not (IPAM store
// unusable, ranges exhausted, delegate or nft missing); 51 when, in addition,
// pods already attached have lost connectivity (forwarding switched off, the
// bridge gone or down).
#include <linux/if.h>

#include <algorithm>

#include "cni/ipam/allocator.h"
#include "cni/ipam/delegate.h"
#include "cni/ipam/store.h"
#include "cni/netlink/link.h"
#include "cni/netlink/sysctl.h"
#include "cni/plugin/commands.h"
#include "cni/plugin/masq.h"
#include "cni/plugin/support.h"
#include "cni/spec/exec.h"

namespace skiff::cni::plugin {
namespace {

Error Unavailable(std::string msg) {
  return Error(kPluginNotAvailable, std::move(msg));
}

Error CheckConnectivity(const NetConf& conf, bool have_v4, bool have_v6) {
  if (!have_v4 && !have_v6) return OkError();
  if (conf.mode == Mode::kBridge) {
    auto host = nl::Socket::Open();
    if (!host.ok()) return FromStatus(host.status(), kInternal);
    auto br = nl::GetLink(*host, conf.bridge);
    if (!br.ok() || !br->up()) {
      return Error(kLimitedConnectivity, "bridge " + conf.bridge +
                                             (br.ok() ? " is down" : " is missing") +
                                             " while pods are attached");
    }
    if (!conf.is_gateway) return OkError();
  }
  if (have_v4) {
    auto fwd = ReadSysctl("net/ipv4/ip_forward");
    if (fwd.ok() && *fwd != "1") {
      return Error(kLimitedConnectivity,
                   "net.ipv4.ip_forward is off: attached pods cannot reach beyond the node");
    }
  }
  if (have_v6) {
    auto fwd = ReadSysctl("net/ipv6/conf/all/forwarding");
    if (fwd.ok() && *fwd != "1") {
      return Error(kLimitedConnectivity,
                   "net.ipv6.conf.all.forwarding is off: attached pods cannot reach beyond the "
                   "node");
    }
  }
  return OkError();
}

}  // namespace

Expected<std::string> CmdStatus(const Env& env, const NetConf& conf, std::string_view stdin_data) {
  if (conf.ip_masq && FindNft().empty()) {
    return Unavailable("ipMasq is on but nft is not installed");
  }
  if (!conf.ipam.built_in()) {
    auto path = FindPlugin(conf.ipam.type, env.path);
    if (!path.ok()) return Unavailable("ipam.type: " + path.status().message());
    auto versions = ipam::DelegateVersions(*path);
    if (std::find(versions.begin(), versions.end(), "1.1.0") != versions.end()) {
      ipam::DelegateCall call{conf.ipam.type, env.path, "STATUS", std::string(stdin_data),
                              conf.cni_version};
      auto r = ipam::RunDelegate(call);
      if (!r.ok()) {
        int code = r.error().code();
        if (code != kPluginNotAvailable && code != kLimitedConnectivity) code = kPluginNotAvailable;
        return Error(code, r.error().msg(), r.error().details());
      }
    }
    return std::string();
  }
  auto store = ipam::Store::Open(conf.ipam.data_dir, conf.name);
  if (!store.ok()) return Unavailable("IPAM store unusable: " + store.error().msg());
  auto all = store->List();
  if (!all.ok()) return Unavailable("IPAM store unreadable: " + all.error().msg());
  bool have_v4 = false, have_v6 = false;
  for (const ipam::Reservation& r : *all)
    (r.ip.is_v4() ? have_v4 : have_v6) = true;
  CNI_RETURN_IF_ERROR(CheckConnectivity(conf, have_v4, have_v6));
  if (!conf.ipam.range_sets.empty()) {
    auto free = ipam::HasFreeAddresses(*store, conf.ipam);
    if (!free.ok()) return Unavailable("IPAM store unreadable: " + free.error().msg());
    if (!*free) return Unavailable("every address of the network's ranges is reserved");
  }
  return std::string();
}

}  // namespace skiff::cni::plugin
