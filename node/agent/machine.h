// Facts about this machine for the Node object: CPUs, memory, disk, kernel,
// OS, architecture, ids, the address of the default-route interface, and
// the pressure signals behind the node conditions.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skiff::node {

struct MachineInfo {
  int64_t cpu_milli = 0;        // online CPUs * 1000
  int64_t memory_bytes = 0;     // MemTotal
  int64_t ephemeral_bytes = 0;  // size of the filesystem holding the root dir
  std::string kernel_version;   // uname -r
  std::string os_image;         // PRETTY_NAME from /etc/os-release
  std::string architecture;     // Go names: amd64, arm64, ...
  std::string machine_id;
  std::string boot_id;
  std::string hostname;
};

MachineInfo ReadMachineInfo(const std::string& root_dir);

// The first IPv4 address of the interface holding the IPv4 default route,
// else the IPv6 one; NOT_FOUND when there is no default route.
Result<std::string> DefaultRouteAddress();

struct Pressure {
  int64_t memory_available_bytes = -1;  // MemAvailable
  int64_t disk_available_bytes = -1;    // on the root dir's filesystem
  int64_t disk_total_bytes = -1;
  int64_t pids_in_use = -1;
  int64_t pid_max = -1;
};
Pressure ReadPressure(const std::string& root_dir);

}  // namespace skiff::node
