// IPv4/IPv6 prefixes ("10.96.0.0/12", "fd00::/108") for address allocation.
// Values are immutable and cheap to copy.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::net {

// An IPv4 or IPv6 address in network byte order (IPv4 in the first 4 bytes).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // INVALID_ARGUMENT naming the text when it is not an IP literal.
  static Result<IpAddress> Parse(std::string_view text);
  std::string ToString() const;
  size_t size() const { return v6 ? 16 : 4; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

class Cidr {
 public:
  // "a.b.c.d/n" or "v6/n"; host bits must be zero. INVALID_ARGUMENT names the text.
  static Result<Cidr> Parse(std::string_view text);

  bool v6() const { return base_.v6; }
  int prefix_length() const { return prefix_; }
  const IpAddress& base() const { return base_; }
  std::string ToString() const;

  // Number of addresses, saturated at 2^62.
  uint64_t Size() const;
  // The address at `index` (0 = base). Requires index < Size().
  IpAddress AddressAt(uint64_t index) const;
  // The index of `ip` when it is inside, else nullopt.
  std::optional<uint64_t> IndexOf(const IpAddress& ip) const;
  bool Contains(const IpAddress& ip) const { return IndexOf(ip).has_value(); }

  // The `index`-th sub-prefix of length `new_prefix` (>= prefix_length());
  // nullopt when out of range.
  std::optional<Cidr> Subnet(int new_prefix, uint64_t index) const;
  // Number of sub-prefixes of length new_prefix, saturated at 2^62.
  uint64_t SubnetCount(int new_prefix) const;

 private:
  IpAddress base_;
  int prefix_ = 0;
};

}  // namespace skiff::net
