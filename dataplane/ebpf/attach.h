// Attaching the LB programs. Attachments outlive the proxy process, so a
// `kill -9` never takes the data plane down:
//  - TC: a cls_bpf filter (direct-action) on the clsact ingress hook with a
//    fixed handle/priority, replaced atomically on restart;
//  - XDP: netlink attachment, replaced atomically on restart;
//  - cgroup hooks: bpf_links pinned under <pin root>/links, updated in place
//    (bpf_link_update) on restart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

struct skiff_lb;

namespace skiff::dataplane::ebpf {

inline constexpr uint32_t kTcHandle = 0x5c1f;
inline constexpr uint32_t kTcPriority = 0x5c1;

enum class TcHook { kIngress, kEgress };
Status AttachTc(int ifindex, int prog_fd, TcHook hook = TcHook::kIngress);
Status DetachTc(int ifindex, TcHook hook = TcHook::kIngress);
// Id of the Skiff program on the device's TC hook, 0 when none.
uint32_t TcProgramId(int ifindex, TcHook hook = TcHook::kIngress);

enum class XdpMode { kNative, kGeneric };
Status AttachXdp(int ifindex, int prog_fd, XdpMode mode);
Status DetachXdp(int ifindex);

// Attaches (or updates) the eight socket programs on the cgroup v2 directory
// `cgroup`, pinning the links under `links_dir`. A pinned link on another
// cgroup is replaced.
Status AttachCgroup(skiff_lb* skel, const std::string& cgroup, const std::string& links_dir);
// Detaches by unpinning every link under `links_dir`.
Status DetachCgroup(const std::string& links_dir);

// The cgroup v2 root of this host: /sys/fs/cgroup/unified on hybrid hosts,
// /sys/fs/cgroup on unified ones. NOT_FOUND when there is none.
Result<std::string> CgroupV2Root();

}  // namespace skiff::dataplane::ebpf
