// Pieces shared by the verbs: the link-local gateway of routed mode, netlink
// sockets inside a pod namespace, the undo stack of a failing ADD, and the
// forwarding sysctls.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "cni/netlink/netns.h"
#include "cni/netlink/socket.h"
#include "cni/spec/error.h"
#include "cni/spec/ip.h"

namespace skiff::cni::plugin {

// Routed mode's next hop inside every pod: answered by a static neighbour entry
// (the host veth's MAC), so the host needs no address and no proxy ARP/NDP.
IpAddr RoutedGateway(int family);  // 169.254.1.1 / fe80::1

// Opens a netlink socket inside `ns` (enters it on this thread and returns).
Expected<nl::Socket> OpenSocketIn(const Netns& ns);

// Opens CNI_NETNS: kUnknownContainer when it does not exist, kInvalidEnvironment
// when it is not a network namespace.
Expected<Netns> OpenContainerNetns(const std::string& path);

// Runs registered undo steps in reverse order unless Commit() was called.
class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback();
  void Add(std::function<void()> undo) { steps_.push_back(std::move(undo)); }
  void Commit() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

// Enables IPv4/IPv6 forwarding in the current namespace for the families used.
Error EnableForwarding(bool v4, bool v6);

// Wraps a lower-layer Status: netlink refusals keep the kernel's reason.
Error NetlinkError(const Status& status, std::string_view context = {});

}  // namespace skiff::cni::plugin
