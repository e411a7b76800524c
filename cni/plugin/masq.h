// Optional masquerading (ipMasq) of pod traffic that leaves the network's own
// ranges, with nftables: one table `inet skiff_cni`, and per network (tag T)
// a nat postrouting chain `T` with one rule per family
//   ip saddr @T_src4 ip daddr != @T_dst4 masquerade
// where T_src4 holds the pod addresses and T_dst4 the network's subnets. An
// ADD or DEL is one `nft -f -` transaction (atomic, idempotent); the chain and
// sets go away with the network's last pod. This is the only place skiff-cni
// runs a helper process, and only when ipMasq is on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/error.h"
#include "cni/spec/ip.h"

namespace skiff::cni::plugin {

// Path of the nft binary, or "" when not installed.
std::string FindNft();

// Adds `pod_ips` to the network's source set, creating the chain/sets/rules
// (no-masquerade destinations = `subnets`) as needed.
Error MasqAdd(std::string_view network, const std::vector<IpAddr>& pod_ips,
              const std::vector<IpPrefix>& subnets);

// Removes `pod_ips`; when `last_pod` also removes the network's chain and sets.
Error MasqDel(std::string_view network, const std::vector<IpAddr>& pod_ips, bool last_pod);

// The script MasqAdd/MasqDel feed to nft (exposed for tests).
std::string MasqAddScript(std::string_view network, const std::vector<IpAddr>& pod_ips,
                          const std::vector<IpPrefix>& subnets);
std::string MasqDelScript(std::string_view network, const std::vector<IpAddr>& pod_ips,
                          bool last_pod);

}  // namespace skiff::cni::plugin
