#include "cni/plugin/support.h"

#include "cni/netlink/sysctl.h"

namespace skiff::cni::plugin {

IpAddr RoutedGateway(int family) {
  IpAddr ip;
  ip.family = family;
  if (family == 4) {
    ip.bytes[0] = 169;
    ip.bytes[1] = 254;
    ip.bytes[2] = 1;
    ip.bytes[3] = 1;
  } else {
    ip.bytes[0] = 0xfe;
    ip.bytes[1] = 0x80;
    ip.bytes[15] = 1;
  }
  return ip;
}

Expected<nl::Socket> OpenSocketIn(const Netns& ns) {
  auto guard = NetnsGuard::Enter(ns);
  if (!guard.ok()) return FromStatus(guard.status(), kInternal);
  auto s = nl::Socket::Open();
  if (!s.ok()) return FromStatus(s.status(), kInternal);
  return std::move(*s);
}

Expected<Netns> OpenContainerNetns(const std::string& path) {
  auto ns = Netns::Open(path);
  if (ns.ok()) return std::move(*ns);
  if (ns.status().code() == StatusCode::kNotFound) {
    return Error(kUnknownContainer, "CNI_NETNS: " + ns.status().message(),
                 "the container's network namespace does not exist");
  }
  return Error(kInvalidEnvironment, "CNI_NETNS: " + ns.status().message());
}

Rollback::~Rollback() {
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it)
    (*it)();
}

Error EnableForwarding(bool v4, bool v6) {
  if (v4) {
    Status s = EnsureSysctl("net/ipv4/ip_forward", "1");
    if (!s.ok()) return FromStatus(s, kInternal);
  }
  if (v6) {
    Status s = EnsureSysctl("net/ipv6/conf/all/forwarding", "1");
    if (!s.ok()) return FromStatus(s, kInternal);
  }
  return OkError();
}

Error NetlinkError(const Status& status, std::string_view context) {
  return FromStatus(status, kNetlinkFailure, context);
}

}  // namespace skiff::cni::plugin
