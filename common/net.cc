#include "common/net.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace skiff::net {

Result<HostPort> ParseHostPort(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("address \"" + std::string(text) + "\": " + std::string(why) +
                           " (want host:port, [v6]:port or :port)");
  };
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("bad IPv6 bracket form");
    }
    hp.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return bad("IPv6 hosts need brackets");
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return bad("port must be a number 0-65535");
  }
  hp.port = static_cast<uint16_t>(port);
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  return hp;
}

Result<socklen_t> ToSockaddr(const HostPort& hp, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (hp.host.empty() || hp.host.find(':') == std::string::npos) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(hp.port);
    if (!hp.host.empty() && inet_pton(AF_INET, hp.host.c_str(), &sin->sin_addr) != 1) {
      return InvalidArgument("address \"" + hp.host + "\" is not an IPv4 or IPv6 literal");
    }
    return static_cast<socklen_t>(sizeof(sockaddr_in));
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(hp.port);
  if (inet_pton(AF_INET6, hp.host.c_str(), &sin6->sin6_addr) != 1) {
    return InvalidArgument("address \"" + hp.host + "\" is not an IPv6 literal");
  }
  return static_cast<socklen_t>(sizeof(sockaddr_in6));
}

uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0) {
    port = ntohs(sin.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace skiff::net
