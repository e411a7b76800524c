// IPv4/IPv6 addresses and prefixes as plain values: parsing, formatting and
// the arithmetic IPAM needs (offsets inside a subnet, ordering). No heap use;
// all functions are pure and thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::cni {

struct IpAddr {
  // 4 or 6; an IPv4 address uses bytes[0..3].
  int family = 4;
  std::array<uint8_t, 16> bytes{};

  int byte_len() const { return family == 4 ? 4 : 16; }
  int bit_len() const { return family == 4 ? 32 : 128; }
  bool is_v4() const { return family == 4; }
  bool is_link_local() const;

  // Dotted quad or RFC 5952 text.
  std::string ToString() const;

  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b);
};

// Accepts "10.0.0.1" or "fd00::1". INVALID_ARGUMENT names the text.
Result<IpAddr> ParseIp(std::string_view text);

struct IpPrefix {
  IpAddr addr;  // may have host bits set ("10.0.0.5/24" keeps .5)
  int len = 0;

  // The address with host bits cleared.
  IpAddr Network() const;
  // The highest address of the prefix (broadcast for IPv4).
  IpAddr Last() const;
  bool Contains(const IpAddr& ip) const;
  // True when the two prefixes share at least one address.
  bool Overlaps(const IpPrefix& other) const;
  // "10.0.0.5/24".
  std::string ToString() const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

// Accepts "10.0.0.0/24", "fd00::/64". The prefix length must fit the family.
Result<IpPrefix> ParsePrefix(std::string_view text);

// Returns `ip` + `delta` (delta may be negative); `wrapped` is set when the
// result left the family's address space (the returned value then wrapped).
IpAddr AddOffset(const IpAddr& ip, int64_t delta, bool* wrapped = nullptr);

// Number of addresses from `from` to `to` inclusive, saturated at 2^62 (IPv6
// ranges are huge; callers only need "how many at most").
uint64_t CountInclusive(const IpAddr& from, const IpAddr& to);

// The all-ones/all-zeros mask helpers for netlink.
IpAddr MaskOf(int family, int len);

}  // namespace skiff::cni
