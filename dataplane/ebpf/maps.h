// The pinned LB maps as seen from user space: file descriptors by role,
// conversions between dataplane/core types and the structs of
// ebpf/include/skiff_maps.h, and read-back of everything installed. Used by
// the engine (after loading) and by inspection tools (pinned maps only, no
// programs loaded, works while skiff-proxy is down).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/state.h"
#include "skiff_maps.h"

namespace skiff::dataplane::ebpf {

// One fd per map, -1 when not open. Owns the fds only via Close().
struct LbMaps {
  int svc4 = -1, svc6 = -1, backends = -1, members = -1, maglev = -1, ct4 = -1, ct6 = -1,
      affinity = -1, sknat = -1, nodeip = -1, svc_stats = -1, be_stats = -1, svc_info = -1,
      config = -1;
  void Close();
};

// Opens every map pinned under `root` (e.g. /sys/fs/bpf/skiff). NOT_FOUND
// names the first missing pin (proxy never started there).
Result<LbMaps> OpenPinned(const std::string& root);

// Conversions (addresses/ports to network order and back).
void ToBpf(const FrontendKey& k, skiff_svc4_key* out4, skiff_svc6_key* out6);
skiff_svc_value ToBpf(const FrontendValue& v);
FrontendValue FromBpf(const skiff_svc_value& v);
skiff_backend ToBpf(const Backend& b);
Backend FromBpf(const skiff_backend& b);
skiff_svc_info ToBpf(const ServicePortInfo& s);
ServicePortInfo FromBpf(const skiff_svc_info& s);
IpAddr AddrFromBpf(const skiff_addr& a, Family family);
skiff_addr AddrToBpf(const IpAddr& a);

Result<skiff_config> ReadConfig(const LbMaps& maps);

// Reads frontends, service ports, sets (members of sets whose Maglev table
// exists) and backends. `stale_members` receives member keys whose set has no
// table (left behind by an interrupted update) when non-null.
Result<State> ReadState(const LbMaps& maps, std::vector<skiff_member_key>* stale_members = nullptr);

// The Maglev table of a set (backend id per slot); NOT_FOUND when absent.
Result<std::vector<uint32_t>> ReadMaglev(const LbMaps& maps, uint32_t set_id);

// Sum over CPUs of a per-CPU stats entry.
Result<skiff_stats> ReadStats(int percpu_map_fd, uint32_t id);

// Calls fn for every key/value of a hash map (keys of key_size, values of
// value_size bytes). Entries deleted concurrently may be skipped.
Status ForEach(int fd, size_t key_size, size_t value_size,
               const std::function<void(const void* key, const void* value)>& fn);

// errno of a failed map syscall -> Status naming the map and operation.
Status MapError(const char* map, const char* op, int err);

}  // namespace skiff::dataplane::ebpf
