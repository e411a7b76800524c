// IP addresses as the data plane stores them: family + 16 bytes in network
// order (IPv4 in the first four bytes, the rest zero), matching
// union skiff_addr in ebpf/include/skiff_maps.h. Value type, thread-compatible.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::dataplane {

enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

struct IpAddr {
  Family family = Family::kV4;
  std::array<uint8_t, 16> bytes{};

  // Parses a literal ("10.96.0.10", "fd00::a"). INVALID_ARGUMENT names the text.
  static Result<IpAddr> Parse(std::string_view text);
  // The all-zero address of a family (NodePort frontends match any node IP).
  static IpAddr Any(Family family);
  bool IsZero() const;
  bool is_v4() const { return family == Family::kV4; }
  std::string ToString() const;

  auto operator<=>(const IpAddr&) const = default;
};

enum class Protocol : uint8_t { kTCP = 6, kUDP = 17, kSCTP = 132 };

// "TCP", "UDP", "SCTP".
std::string_view ProtocolName(Protocol p);
// Accepts "TCP", "UDP", "SCTP" (case-sensitive, as in Kubernetes).
Result<Protocol> ParseProtocol(std::string_view text);

}  // namespace skiff::dataplane
