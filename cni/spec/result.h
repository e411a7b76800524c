// The CNI result (what ADD prints and what chained plugins receive as
// prevResult), held in one version-independent model that is a superset of
// spec 1.1.0, and converted from/to the JSON shape of each supported version:
//   0.3.0/0.3.1/0.4.0: ips[].version ("4"/"6") is required;
//   1.0.0: no ips[].version;
//   1.1.0: adds interfaces[].mtu/socketPath/pciID and
//          routes[].mtu/advmss/priority/table/scope.
// Optional fields are omitted when unset (as the reference implementation
// does); "dns" is always present.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/error.h"
#include "cni/spec/ip.h"
#include "common/json/json.h"

namespace skiff::cni {

struct Interface {
  std::string name;
  std::string mac;          // "aa:bb:cc:dd:ee:ff", may be empty
  int mtu = 0;              // 0: unset (1.1.0+)
  std::string sandbox;      // netns path for container interfaces, "" on the host
  std::string socket_path;  // 1.1.0+
  std::string pci_id;       // 1.1.0+
};

struct IpConfig {
  std::optional<int> interface;  // index into interfaces
  IpPrefix address;              // address with its prefix length
  std::optional<IpAddr> gateway;
};

struct Route {
  IpPrefix dst;
  std::optional<IpAddr> gw;
  int mtu = 0;               // 0: unset (1.1.0+)
  int advmss = 0;            // 0: unset (1.1.0+)
  int priority = 0;          // 0: unset (1.1.0+)
  std::optional<int> table;  // 1.1.0+
  std::optional<int> scope;  // 1.1.0+
};

inline Route MakeRoute(const IpPrefix& dst, std::optional<IpAddr> gw = std::nullopt) {
  Route r;
  r.dst = dst;
  r.gw = gw;
  return r;
}

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  bool empty() const {
    return nameservers.empty() && domain.empty() && search.empty() && options.empty();
  }
};

struct CniResult {
  std::string cni_version;  // the version it was read as / will be written as
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;
};

// Reads a result in any supported version. `default_version` applies when
// the JSON has no "cniVersion" (libcni's injected prevResult always has one).
// Errors: kIncompatibleVersion for unsupported versions, kDecodingFailure
// naming the field for malformed content.
Expected<CniResult> ResultFromJson(const json::Value& v, std::string_view default_version);

// Writes `r` in the shape of `version` (which must be supported), dropping
// fields that version does not have.
json::Value ResultToJson(const CniResult& r, std::string_view version);

// Reads the "dns" object of a network configuration (same shape as in results).
Expected<Dns> DnsFromJson(const json::Value& v, std::string_view field, int code);

}  // namespace skiff::cni
