// The skiff-cni network configuration (one plugin entry of a conflist as the
// runtime passes it on stdin):
//   {
//     "cniVersion": "1.0.0", "name": "skiff", "type": "skiff-cni",
//     "mode": "routed",          // "routed" (default) or "bridge"
//     "mtu": 1450,               // both veth ends (and a bridge we create)
//     "ipMasq": false,           // masquerade pod traffic leaving the pod ranges
//     "bridge": "skiff0",        // bridge mode: bridge name
//     "isGateway": true,         // bridge mode: gateway address on the bridge
//     "isDefaultGateway": true,  // bridge mode: default route via the gateway
//     "hairpinMode": false,      // bridge mode: reflect traffic back to its port
//     "dns": {...},              // copied into the result
//     "ipam": {...},             // see cni/ipam/config.h; optional when the
//                                // runtime passes runtimeConfig.ipRanges
//     "capabilities": {"ipRanges": true, "mac": true, "ips": true, "dns": true},
//     "runtimeConfig": {...}, "args": {...}, "prevResult": {...}
//   }
// Unknown keys are ignored (other plugins of a chain share the runtime's keys).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cni/ipam/config.h"
#include "cni/netlink/link.h"
#include "cni/plugin/env.h"
#include "cni/spec/error.h"
#include "cni/spec/result.h"
#include "common/json/json.h"

namespace skiff::cni::plugin {

enum class Mode { kRouted, kBridge };

inline constexpr std::string_view kDefaultBridge = "skiff0";

struct Attachment {
  std::string container_id;
  std::string ifname;
};

struct NetConf {
  std::string cni_version;
  std::string name;
  std::string type;
  Mode mode = Mode::kRouted;
  uint32_t mtu = 0;  // 0: kernel default
  bool ip_masq = false;
  std::string bridge = std::string(kDefaultBridge);
  bool is_gateway = true;
  bool is_default_gateway = true;
  bool hairpin = false;
  Dns dns;
  ipam::Config ipam;
  std::optional<CniResult> prev_result;
  std::optional<nl::Mac> mac;                 // requested container MAC
  std::vector<Attachment> valid_attachments;  // GC
};

// Reads the version first so that even an invalid configuration's error can
// be printed in the caller's version; empty when unreadable.
std::string PeekVersion(const json::Value& root);

// Parses and validates the configuration for `env.verb`. Errors name the
// field: kDecodingFailure (not an object), kInvalidConfig (missing/invalid
// field), kUnsupportedField (a value this plugin does not implement, e.g. an
// unknown mode), kIncompatibleVersion (cniVersion not supported, or too old
// for CHECK/GC/STATUS).
Expected<NetConf> ParseNetConf(const json::Value& root, const Env& env);

}  // namespace skiff::cni::plugin
