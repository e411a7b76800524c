#include "dataplane/ebpf/testing/packet.h"

#include <arpa/inet.h>

#include <cstring>

namespace skiff::dataplane::testing {
namespace {

uint32_t Sum(const uint8_t* p, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  return s;
}

uint16_t Fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

uint32_t PseudoSum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t len) {
  size_t n = src.is_v4() ? 4 : 16;
  uint32_t s = Sum(src.bytes.data(), n);
  s = Sum(dst.bytes.data(), n, s);
  s += proto;
  s += len & 0xffff;
  s += len >> 16;
  return s;
}

void Put16(uint8_t* p, uint16_t v) {
  p[0] = v >> 8;
  p[1] = v & 0xff;
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, v >> 16);
  Put16(p + 2, v & 0xffff);
}
uint16_t Get16(const uint8_t* p) {
  return (p[0] << 8) | p[1];
}
uint32_t Get32(const uint8_t* p) {
  return (uint32_t{Get16(p)} << 16) | Get16(p + 2);
}

IpAddr Addr(const uint8_t* p, Family f) {
  IpAddr a;
  a.family = f;
  std::memcpy(a.bytes.data(), p, f == Family::kV4 ? 4 : 16);
  return a;
}

}  // namespace

std::vector<uint8_t> BuildPacket(const PacketSpec& s) {
  bool v4 = s.src.is_v4();
  size_t l3 = v4 ? 20 : 40;
  size_t l4 = s.proto == Protocol::kTCP ? 20 : 8;
  size_t l4len = l4 + s.payload.size();
  std::vector<uint8_t> f(14 + l3 + l4len, 0);
  uint8_t* eth = f.data();
  const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x01}, smac[6] = {0x02, 0, 0, 0, 0, 0x02};
  std::memcpy(eth, dmac, 6);
  std::memcpy(eth + 6, smac, 6);
  Put16(eth + 12, v4 ? 0x0800 : 0x86dd);
  uint8_t* ip = eth + 14;
  uint8_t proto = static_cast<uint8_t>(s.proto);
  if (v4) {
    ip[0] = 0x45;
    Put16(ip + 2, static_cast<uint16_t>(l3 + l4len));
    Put16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = proto;
    std::memcpy(ip + 12, s.src.bytes.data(), 4);
    std::memcpy(ip + 16, s.dst.bytes.data(), 4);
    Put16(ip + 10, Fold(Sum(ip, 20)));
  } else {
    ip[0] = 0x60;
    Put16(ip + 4, static_cast<uint16_t>(l4len));
    ip[6] = proto;
    ip[7] = 64;
    std::memcpy(ip + 8, s.src.bytes.data(), 16);
    std::memcpy(ip + 24, s.dst.bytes.data(), 16);
  }
  uint8_t* h = ip + l3;
  Put16(h, s.sport);
  Put16(h + 2, s.dport);
  if (s.proto == Protocol::kTCP) {
    Put32(h + 4, s.seq);
    Put32(h + 8, s.ack);
    h[12] = 5 << 4;
    h[13] = s.tcp_flags;
    Put16(h + 14, 65535);
  } else {
    Put16(h + 4, static_cast<uint16_t>(l4len));
  }
  std::memcpy(h + l4, s.payload.data(), s.payload.size());
  int csum_off = s.proto == Protocol::kTCP ? 16 : 6;
  if (!(s.udp_zero_checksum && v4 && s.proto == Protocol::kUDP)) {
    uint16_t c = Fold(Sum(h, l4len, PseudoSum(s.src, s.dst, proto, l4len)));
    if (c == 0 && s.proto == Protocol::kUDP) c = 0xffff;
    Put16(h + csum_off, c);
  }
  return f;
}

Result<Parsed> ParsePacket(const std::vector<uint8_t>& f) {
  Parsed p;
  if (f.size() < 14 + 20) return InvalidArgument("frame too short");
  uint16_t et = Get16(&f[12]);
  const uint8_t* ip = &f[14];
  const uint8_t* end = f.data() + f.size();
  const uint8_t* l4;
  uint32_t l4len;
  if (et == 0x0800) {
    p.family = Family::kV4;
    size_t ihl = (ip[0] & 0xf) * 4;
    p.ip_checksum_ok = Fold(Sum(ip, ihl)) == 0;
    p.l4proto = ip[9];
    p.src = Addr(ip + 12, Family::kV4);
    p.dst = Addr(ip + 16, Family::kV4);
    l4 = ip + ihl;
    l4len = Get16(ip + 2) - ihl;
  } else if (et == 0x86dd) {
    if (f.size() < 14 + 40) return InvalidArgument("frame too short");
    p.family = Family::kV6;
    p.l4proto = ip[6];
    p.src = Addr(ip + 8, Family::kV6);
    p.dst = Addr(ip + 24, Family::kV6);
    l4 = ip + 40;
    l4len = Get16(ip + 4);
  } else {
    return InvalidArgument("not IP");
  }
  if (l4 + l4len > end) return InvalidArgument("truncated L4");
  if (p.l4proto == 6 || p.l4proto == 17) {
    p.sport = Get16(l4);
    p.dport = Get16(l4 + 2);
    size_t hl = 8;
    if (p.l4proto == 6) {
      p.seq = Get32(l4 + 4);
      p.ack = Get32(l4 + 8);
      p.tcp_flags = l4[13];
      hl = (l4[12] >> 4) * 4;
    }
    bool zero_udp = p.l4proto == 17 && p.family == Family::kV4 && Get16(l4 + 6) == 0;
    if (!zero_udp)
      p.l4_checksum_ok = Fold(Sum(l4, l4len, PseudoSum(p.src, p.dst, p.l4proto, l4len))) == 0;
    p.payload.assign(reinterpret_cast<const char*>(l4 + hl), l4len - hl);
  } else if (p.l4proto == 1 || p.l4proto == 58) {
    p.icmp_type = l4[0];
    p.icmp_code = l4[1];
    uint32_t seed = p.l4proto == 58 ? PseudoSum(p.src, p.dst, 58, l4len) : 0;
    p.l4_checksum_ok = Fold(Sum(l4, l4len, seed)) == 0;
    const uint8_t* in = l4 + 8;
    if (p.l4proto == 1 && in + 28 <= end) {
      size_t ihl = (in[0] & 0xf) * 4;
      p.inner_src = Addr(in + 12, Family::kV4);
      p.inner_dst = Addr(in + 16, Family::kV4);
      p.inner_sport = Get16(in + ihl);
      p.inner_dport = Get16(in + ihl + 2);
    } else if (p.l4proto == 58 && in + 48 <= end) {
      p.inner_src = Addr(in + 8, Family::kV6);
      p.inner_dst = Addr(in + 24, Family::kV6);
      p.inner_sport = Get16(in + 40);
      p.inner_dport = Get16(in + 42);
    }
  } else {
    return InvalidArgument("unknown L4 protocol " + std::to_string(p.l4proto));
  }
  return p;
}

}  // namespace skiff::dataplane::testing
