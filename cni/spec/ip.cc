#include "cni/spec/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace skiff::cni {

bool IpAddr::is_link_local() const {
  if (family == 4) return bytes[0] == 169 && bytes[1] == 254;
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

std::string IpAddr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const char* r = inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return r ? std::string(r) : std::string("<invalid>");
}

std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b) {
  if (a.family != b.family) return a.family <=> b.family;
  int c = std::memcmp(a.bytes.data(), b.bytes.data(), a.byte_len());
  return c <=> 0;
}

Result<IpAddr> ParseIp(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
    return InvalidArgument("invalid IP address \"" + std::string(text) + "\"");
  }
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddr ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
    ip.family = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    ip.family = 6;
    return ip;
  }
  return InvalidArgument("invalid IP address \"" + std::string(text) + "\"");
}

IpAddr MaskOf(int family, int len) {
  IpAddr m;
  m.family = family;
  for (int i = 0; i < m.byte_len(); ++i) {
    int bits = len - i * 8;
    m.bytes[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
  }
  return m;
}

IpAddr IpPrefix::Network() const {
  IpAddr mask = MaskOf(addr.family, len);
  IpAddr out = addr;
  for (int i = 0; i < out.byte_len(); ++i)
    out.bytes[i] &= mask.bytes[i];
  return out;
}

IpAddr IpPrefix::Last() const {
  IpAddr mask = MaskOf(addr.family, len);
  IpAddr out = addr;
  for (int i = 0; i < out.byte_len(); ++i)
    out.bytes[i] |= static_cast<uint8_t>(~mask.bytes[i]);
  return out;
}

bool IpPrefix::Contains(const IpAddr& ip) const {
  if (ip.family != addr.family) return false;
  IpAddr mask = MaskOf(addr.family, len);
  for (int i = 0; i < ip.byte_len(); ++i) {
    if ((ip.bytes[i] & mask.bytes[i]) != (addr.bytes[i] & mask.bytes[i])) return false;
  }
  return true;
}

bool IpPrefix::Overlaps(const IpPrefix& other) const {
  if (other.addr.family != addr.family) return false;
  return Contains(other.addr) || other.Contains(addr);
}

std::string IpPrefix::ToString() const {
  return addr.ToString() + "/" + std::to_string(len);
}

Result<IpPrefix> ParsePrefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgument("invalid CIDR \"" + std::string(text) + "\": missing /prefix length");
  }
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip.ok()) return InvalidArgument("invalid CIDR \"" + std::string(text) + "\": bad address");
  std::string_view len_text = text.substr(slash + 1);
  int len = -1;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || ptr != len_text.data() + len_text.size() ||
      len < 0 || len > ip->bit_len()) {
    return InvalidArgument("invalid CIDR \"" + std::string(text) + "\": bad prefix length");
  }
  return IpPrefix{*ip, len};
}

IpAddr AddOffset(const IpAddr& ip, int64_t delta, bool* wrapped) {
  IpAddr out = ip;
  bool carry_out = false;
  int n = ip.byte_len();
  if (delta >= 0) {
    uint64_t d = static_cast<uint64_t>(delta);
    unsigned carry = 0;
    for (int i = n - 1; i >= 0; --i) {
      unsigned sum = out.bytes[i] + static_cast<unsigned>(d & 0xff) + carry;
      out.bytes[i] = static_cast<uint8_t>(sum);
      carry = sum >> 8;
      d >>= 8;
    }
    carry_out = carry != 0 || d != 0;
  } else {
    uint64_t d = static_cast<uint64_t>(-(delta + 1)) + 1;
    int borrow = 0;
    for (int i = n - 1; i >= 0; --i) {
      int diff = out.bytes[i] - static_cast<int>(d & 0xff) - borrow;
      borrow = diff < 0 ? 1 : 0;
      out.bytes[i] = static_cast<uint8_t>(diff + (borrow ? 256 : 0));
      d >>= 8;
    }
    carry_out = borrow != 0 || d != 0;
  }
  if (wrapped) *wrapped = carry_out;
  return out;
}

uint64_t CountInclusive(const IpAddr& from, const IpAddr& to) {
  if (from.family != to.family || to < from) return 0;
  constexpr uint64_t kCap = uint64_t{1} << 62;
  // Difference over the low 8 bytes; any difference in the high bytes means
  // more than 2^64 addresses.
  int n = from.byte_len();
  int hi_end = n - 8;
  for (int i = 0; i < hi_end; ++i) {
    if (from.bytes[i] != to.bytes[i]) return kCap;
  }
  uint64_t a = 0, b = 0;
  for (int i = std::max(0, hi_end); i < n; ++i) {
    a = (a << 8) | from.bytes[i];
    b = (b << 8) | to.bytes[i];
  }
  uint64_t diff = b - a;
  return diff >= kCap ? kCap : diff + 1;
}

}  // namespace skiff::cni
