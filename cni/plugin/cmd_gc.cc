// GC: release every reservation whose attachment is not in
// cni.dev/valid-attachments, delete the host veths and masquerade entries of
// those attachments, and pass GC on to a delegated IPAM plugin that speaks 1.1.
#include <algorithm>
#include <set>

#include "cni/ipam/delegate.h"
#include "cni/ipam/store.h"
#include "cni/netlink/link.h"
#include "cni/plugin/commands.h"
#include "cni/plugin/masq.h"
#include "cni/plugin/names.h"
#include "cni/plugin/support.h"
#include "cni/spec/exec.h"

namespace skiff::cni::plugin {

Expected<std::string> CmdGc(const Env& env, const NetConf& conf, std::string_view stdin_data) {
  if (!conf.ipam.built_in()) {
    auto path = FindPlugin(conf.ipam.type, env.path);
    if (!path.ok()) return Error(kInvalidConfig, "ipam.type: " + path.status().message());
    auto versions = ipam::DelegateVersions(*path);
    if (std::find(versions.begin(), versions.end(), "1.1.0") != versions.end()) {
      ipam::DelegateCall call{conf.ipam.type, env.path, "GC", std::string(stdin_data),
                              conf.cni_version};
      auto r = ipam::RunDelegate(call);
      if (!r.ok()) return r.error();
    }
    return std::string();
  }

  auto store = ipam::Store::Open(conf.ipam.data_dir, conf.name);
  if (!store.ok()) return store.error();
  CNI_RETURN_IF_ERROR(store->Lock());
  auto all = store->List();
  if (!all.ok()) return all.error();
  std::vector<IpAddr> released;
  std::set<std::pair<std::string, std::string>> stale;
  for (const ipam::Reservation& r : *all) {
    // Entries without an interface name (very old host-local files) are valid
    // when any attachment of that container is.
    bool ok = false;
    for (const Attachment& a : conf.valid_attachments) {
      ok = ok || ipam::BelongsTo(r, a.container_id, a.ifname);
    }
    if (ok) continue;
    released.push_back(r.ip);
    stale.emplace(r.container_id, r.ifname);
  }
  // Masquerade entries first: if nft fails, the reservations stay for a retry.
  if (conf.ip_masq && !released.empty()) {
    CNI_RETURN_IF_ERROR(MasqDel(conf.name, released, released.size() == all->size()));
  }
  for (const IpAddr& ip : released) {
    CNI_RETURN_IF_ERROR(store->Release(ip));
  }
  store->Unlock();

  auto host = nl::Socket::Open();
  if (!host.ok()) return FromStatus(host.status(), kInternal);
  for (const auto& [id, ifname] : stale) {
    if (ifname.empty()) continue;
    Status s = nl::DeleteLink(*host, HostVethName(id, ifname));
    if (!s.ok() && s.code() != StatusCode::kNotFound) return NetlinkError(s, "GC");
  }
  return std::string();
}

}  // namespace skiff::cni::plugin
