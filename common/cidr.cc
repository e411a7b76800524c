#include "common/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace skiff::net {
namespace {

constexpr uint64_t kSaturated = uint64_t{1} << 62;

// Adds `value` to the address as a big-endian integer (wrapping).
IpAddress Add(IpAddress ip, uint64_t value) {
  int i = static_cast<int>(ip.size()) - 1;
  unsigned carry = 0;
  while (i >= 0 && (value || carry)) {
    unsigned sum = ip.bytes[i] + static_cast<unsigned>(value & 0xff) + carry;
    ip.bytes[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
    value >>= 8;
    --i;
  }
  return ip;
}

}  // namespace

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
  ip.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) return ip;
  return InvalidArgument("\"" + s + "\" is not a valid IP address");
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<Cidr> Cidr::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("\"" + std::string(text) +
                           "\" is not a valid CIDR: " + std::string(why));
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad("missing /prefix-length");
  auto ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip.ok()) return bad("bad address");
  std::string_view len = text.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  int max = ip->v6 ? 128 : 32;
  if (ec != std::errc() || ptr != len.data() + len.size() || prefix < 0 || prefix > max) {
    return bad("prefix length must be 0-" + std::to_string(max));
  }
  for (int bit = prefix; bit < max; ++bit) {
    if (ip->bytes[bit / 8] & (0x80 >> (bit % 8))) return bad("host bits must be zero");
  }
  Cidr c;
  c.base_ = *ip;
  c.prefix_ = prefix;
  return c;
}

std::string Cidr::ToString() const {
  return base_.ToString() + "/" + std::to_string(prefix_);
}

uint64_t Cidr::Size() const {
  int host_bits = static_cast<int>(base_.size()) * 8 - prefix_;
  return host_bits >= 62 ? kSaturated : uint64_t{1} << host_bits;
}

IpAddress Cidr::AddressAt(uint64_t index) const {
  return Add(base_, index);
}

std::optional<uint64_t> Cidr::IndexOf(const IpAddress& ip) const {
  if (ip.v6 != base_.v6) return std::nullopt;
  for (int bit = 0; bit < prefix_; ++bit) {
    uint8_t mask = 0x80 >> (bit % 8);
    if ((ip.bytes[bit / 8] & mask) != (base_.bytes[bit / 8] & mask)) return std::nullopt;
  }
  uint64_t index = 0;
  int total = static_cast<int>(base_.size()) * 8;
  int from = std::max(prefix_, total - 62);
  for (int bit = from; bit < total; ++bit) {
    index = (index << 1) | ((ip.bytes[bit / 8] >> (7 - bit % 8)) & 1);
  }
  return index;
}

uint64_t Cidr::SubnetCount(int new_prefix) const {
  int bits = new_prefix - prefix_;
  if (bits < 0) return 0;
  return bits >= 62 ? kSaturated : uint64_t{1} << bits;
}

std::optional<Cidr> Cidr::Subnet(int new_prefix, uint64_t index) const {
  int max = static_cast<int>(base_.size()) * 8;
  if (new_prefix < prefix_ || new_prefix > max || index >= SubnetCount(new_prefix)) {
    return std::nullopt;
  }
  Cidr c;
  c.prefix_ = new_prefix;
  c.base_ = base_;
  // Shift index into the bits just above the new host part.
  int host_bits = max - new_prefix;
  IpAddress ip = base_;
  for (int bit = max - 1 - host_bits; bit >= prefix_ && index; --bit, index >>= 1) {
    if (index & 1) ip.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  }
  c.base_ = ip;
  return c;
}

}  // namespace skiff::net
