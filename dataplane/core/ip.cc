#include "dataplane/core/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace skiff::dataplane {

Result<IpAddr> IpAddr::Parse(std::string_view text) {
  std::string s(text);
  IpAddr a;
  if (s.find(':') == std::string::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
      a.family = Family::kV4;
      std::memcpy(a.bytes.data(), &v4, 4);
      return a;
    }
  } else {
    in6_addr v6;
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
      a.family = Family::kV6;
      std::memcpy(a.bytes.data(), &v6, 16);
      return a;
    }
  }
  return InvalidArgument("\"" + s + "\" is not an IPv4 or IPv6 address");
}

IpAddr IpAddr::Any(Family family) {
  IpAddr a;
  a.family = family;
  return a;
}

bool IpAddr::IsZero() const {
  for (uint8_t b : bytes)
    if (b) return false;
  return true;
}

std::string IpAddr::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kTCP:
      return "TCP";
    case Protocol::kUDP:
      return "UDP";
    case Protocol::kSCTP:
      return "SCTP";
  }
  return "?";
}

Result<Protocol> ParseProtocol(std::string_view text) {
  if (text == "TCP") return Protocol::kTCP;
  if (text == "UDP") return Protocol::kUDP;
  if (text == "SCTP") return Protocol::kSCTP;
  return InvalidArgument("protocol \"" + std::string(text) + "\" is not TCP, UDP or SCTP");
}

}  // namespace skiff::dataplane
