// Network devices and node addresses: which interfaces carry the per-packet
// programs and which addresses NodePorts answer on. Watch() reports changes
// (links and addresses appearing or going) through rtnetlink.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "dataplane/core/ip.h"

namespace skiff::dataplane::ebpf {

struct Device {
  int ifindex = 0;
  std::string name;
  bool loopback = false;
  bool up = false;
  std::vector<IpAddr> addrs;  // global and link addresses except IPv6 link-local
};

// Devices of the current network namespace.
Result<std::vector<Device>> ListDevices();

// Calls `changed` (on its own thread) after links or addresses change,
// coalescing bursts. Stops on destruction.
class DeviceWatcher {
 public:
  static Result<std::unique_ptr<DeviceWatcher>> Start(std::function<void()> changed);
  ~DeviceWatcher();

 private:
  DeviceWatcher(int fd, std::function<void()> changed);
  void Loop();
  int fd_;
  std::atomic<bool> stop_requested_{false};
  std::function<void()> changed_;
  std::thread thread_;
};

}  // namespace skiff::dataplane::ebpf
