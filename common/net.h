// Address helpers shared by daemons and tools.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::net {

struct HostPort {
  std::string host;  // "127.0.0.1", "::1", "" (any)
  uint16_t port = 0;
};

// Parses "host:port", "[v6]:port" or ":port". INVALID_ARGUMENT names the input.
Result<HostPort> ParseHostPort(std::string_view text);

// Fills a sockaddr for `hp` (IPv4 or IPv6 literal; "" means IPv4 any).
Result<socklen_t> ToSockaddr(const HostPort& hp, sockaddr_storage* out);

// Returns an unused TCP port on 127.0.0.1 (for tests starting servers).
uint16_t FreeLoopbackPort();

}  // namespace skiff::net
