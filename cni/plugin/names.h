// Deterministic names for host-side objects, so DEL and GC find them from the
// attachment alone (no state needed when the netns is already gone).
#pragma once

#include <string>
#include <string_view>

namespace skiff::cni::plugin {

// "skf" + 11 hex digits of a 64-bit FNV-1a hash over "<containerID>/<ifname>"
// (14 characters, within IFNAMSIZ).
std::string HostVethName(std::string_view container_id, std::string_view ifname);

// 8 hex digits identifying a network in nftables object names.
std::string NetworkTag(std::string_view network);

}  // namespace skiff::cni::plugin
