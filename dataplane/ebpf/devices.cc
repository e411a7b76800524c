#include "dataplane/ebpf/devices.h"

#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace skiff::dataplane::ebpf {

Result<std::vector<Device>> ListDevices() {
  ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) != 0) return Unavailable("getifaddrs: " + std::string(std::strerror(errno)));
  std::map<std::string, Device> devs;
  for (ifaddrs* p = ifa; p; p = p->ifa_next) {
    Device& d = devs[p->ifa_name];
    d.name = p->ifa_name;
    d.ifindex = static_cast<int>(if_nametoindex(p->ifa_name));
    d.loopback = p->ifa_flags & IFF_LOOPBACK;
    d.up = p->ifa_flags & IFF_UP;
    if (!p->ifa_addr) continue;
    IpAddr a;
    if (p->ifa_addr->sa_family == AF_INET) {
      a.family = Family::kV4;
      std::memcpy(a.bytes.data(), &reinterpret_cast<sockaddr_in*>(p->ifa_addr)->sin_addr, 4);
    } else if (p->ifa_addr->sa_family == AF_INET6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(p->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) continue;
      a.family = Family::kV6;
      std::memcpy(a.bytes.data(), &s6->sin6_addr, 16);
    } else {
      continue;
    }
    d.addrs.push_back(a);
  }
  freeifaddrs(ifa);
  std::vector<Device> out;
  for (auto& [_, d] : devs)
    if (d.ifindex > 0) out.push_back(std::move(d));
  return out;
}

Result<std::unique_ptr<DeviceWatcher>> DeviceWatcher::Start(std::function<void()> changed) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return Unavailable("netlink socket: " + std::string(std::strerror(errno)));
  sockaddr_nl sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    int err = errno;
    close(fd);
    return Unavailable("netlink bind: " + std::string(std::strerror(err)));
  }
  return std::unique_ptr<DeviceWatcher>(new DeviceWatcher(fd, std::move(changed)));
}

DeviceWatcher::DeviceWatcher(int fd, std::function<void()> changed)
    : fd_(fd), changed_(std::move(changed)) {
  thread_ = std::thread([this] { Loop(); });
}

DeviceWatcher::~DeviceWatcher() {
  stop_requested_ = true;
  thread_.join();
  close(fd_);
}

void DeviceWatcher::Loop() {
  char buf[16384];
  while (!stop_requested_) {
    pollfd pfd{fd_, POLLIN, 0};
    int n = poll(&pfd, 1, 200);
    if (n <= 0) continue;
    bool any = false;
    while (recv(fd_, buf, sizeof(buf), 0) > 0)
      any = true;
    if (!any) continue;
    // Coalesce a burst (veth pair creation = several messages).
    poll(nullptr, 0, 50);
    while (recv(fd_, buf, sizeof(buf), 0) > 0) {
    }
    changed_();
  }
}

}  // namespace skiff::dataplane::ebpf
