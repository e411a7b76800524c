// IPAM configuration of a network, in host-local's format so existing
// configurations carry over:
//   "ipam": {
//     "type": "skiff",                        // built-in ("" too); anything else
//                                             // names a delegated IPAM plugin
//     "ranges": [[{"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.10",
//                  "rangeEnd": "10.1.0.200", "gateway": "10.1.0.1"}],
//                [{"subnet": "fd00:1::/64"}]],
//     "subnet": "10.1.0.0/24",                // shorthand for one range
//     "routes": [{"dst": "0.0.0.0/0"}],
//     "dataDir": "/var/lib/skiff/cni/networks"
//   }
// The node's pod CIDR can come from the runtime instead: runtimeConfig.ipRanges
// (the "ipRanges" capability) or args.cni.ipRanges; either replaces "ranges".
// Static addresses: runtimeConfig.ips, args.cni.ips or CNI_ARGS IP=a[,b].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/args.h"
#include "cni/spec/error.h"
#include "cni/spec/ip.h"
#include "cni/spec/result.h"
#include "common/json/json.h"

namespace skiff::cni::ipam {

inline constexpr std::string_view kDefaultDataDir = "/var/lib/skiff/cni/networks";

// One allocatable block, canonicalized: start/end/gateway always set.
struct Range {
  IpPrefix subnet;  // network address (host bits cleared)
  IpAddr start;     // first allocatable
  IpAddr end;       // last allocatable
  IpAddr gateway;   // never allocated
  bool Contains(const IpAddr& ip) const { return subnet.Contains(ip) && start <= ip && ip <= end; }
};

// Ranges of one address family; an ADD gets one address per set.
using RangeSet = std::vector<Range>;

struct Config {
  std::string type;  // "" or "skiff": built-in allocator
  std::vector<RangeSet> range_sets;
  std::vector<Route> routes;
  std::string data_dir = std::string(kDefaultDataDir);
  std::vector<IpAddr> requested;  // static addresses, at most one per family
  bool built_in() const { return type.empty() || type == "skiff"; }
};

// Reads `ipam` (the config's "ipam" object). `runtime_config` and `args` may be
// null. Ranges are validated (inside their subnet, start <= end, no overlap,
// one family per set, subnet large enough); errors are kInvalidConfig naming
// the field ("ipam.ranges[0][0].rangeStart ..."). For a delegated type only
// "type" is interpreted. `require_ranges` is false for verbs that do not
// allocate (DEL, GC, STATUS), where the runtime may not pass ipRanges.
Expected<Config> ParseConfig(const json::Value& ipam, const json::Value* runtime_config,
                             const json::Value* args, const CniArgs& cni_args,
                             bool require_ranges = true);

// Canonicalizes one range (fills defaults, validates). `path` names it in errors.
Expected<Range> CanonicalRange(const IpPrefix& subnet, std::optional<IpAddr> start,
                               std::optional<IpAddr> end, std::optional<IpAddr> gateway,
                               const std::string& path);

}  // namespace skiff::cni::ipam
