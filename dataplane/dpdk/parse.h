// Classification of a received Ethernet frame for the pipeline: what kind
// of packet it is and where its headers are. Operates on plain bytes (no
// DPDK type) so it is also the fuzzing entry point. Every offset it returns
// is inside the frame; nothing past `len` is ever read.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {

enum class Kind : uint8_t {
  kBad,   // see Parsed::bad
  kArp,   // ARP over Ethernet/IPv4 (28-byte body present)
  kIcmp,  // ICMPv4 or ICMPv6 (header present)
  kL4,    // TCP or UDP with a complete header: balancing candidate
  kOther  // IP, but another protocol (counted as not-service)
};

struct Parsed {
  Kind kind = Kind::kBad;
  BadClass bad = BadClass::kRunt;  // when kind == kBad
  uint8_t family = 0;              // 4 or 6
  uint8_t proto = 0;               // IP protocol / next header
  uint8_t tcp_flags = 0;
  uint16_t l3_len = 0;  // IP header + payload, from the IP header
  uint8_t l3_hdr = 0;   // IP header bytes (20 or 40; the frame has no options when kL4)
  uint8_t l4_hdr = 0;   // TCP/UDP header bytes
  uint16_t sport_be = 0, dport_be = 0;
  const uint8_t* l3 = nullptr;
  const uint8_t* l4 = nullptr;
};

inline constexpr uint16_t kEthHdr = 14;
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

namespace parse_detail {
inline uint16_t Be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline bool Bad(Parsed* p, BadClass c) {
  p->kind = Kind::kBad;
  p->bad = c;
  return false;
}
// IPv6 next-header values that are extension headers (RFC 8200 4, 7045).
inline bool IsExtension(uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140 ||
         nh == 253 || nh == 254;
}
}  // namespace parse_detail

// Fills *p; returns true for kArp/kIcmp/kL4/kOther, false for kBad.
inline bool ParseFrame(const uint8_t* f, uint32_t len, Parsed* p) {
  using namespace parse_detail;
  if (len < kEthHdr) return Bad(p, BadClass::kRunt);
  uint16_t type = Be16(f + 12);
  const uint8_t* ip = f + kEthHdr;
  uint32_t avail = len - kEthHdr;
  if (type == 0x0806) {
    // htype 1, ptype IPv4, hlen 6, plen 4.
    if (avail < 28) return Bad(p, BadClass::kTruncated);
    if (Be16(ip) != 1 || Be16(ip + 2) != 0x0800 || ip[4] != 6 || ip[5] != 4)
      return Bad(p, BadClass::kNonIp);
    p->kind = Kind::kArp;
    p->l3 = ip;
    return true;
  }
  uint32_t l4_len;
  if (type == 0x0800) {
    if (avail < 20) return Bad(p, BadClass::kTruncated);
    uint8_t ihl = static_cast<uint8_t>((ip[0] & 0x0f) * 4);
    uint16_t tot = Be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || tot > avail || ihl > avail)
      return Bad(p, BadClass::kTruncated);
    if (Be16(ip + 6) & 0x3fff) return Bad(p, BadClass::kFragment);  // MF or offset
    p->family = kFamily4;
    p->proto = ip[9];
    p->l3_len = tot;
    p->l3_hdr = ihl;
    if (ihl != 20) return Bad(p, BadClass::kIpOptions);
    l4_len = tot - 20u;
  } else if (type == 0x86dd) {
    if (avail < 40) return Bad(p, BadClass::kTruncated);
    uint32_t tot = 40u + Be16(ip + 4);
    if ((ip[0] >> 4) != 6 || tot > avail || tot > 0xffff) return Bad(p, BadClass::kTruncated);
    p->family = kFamily6;
    p->proto = ip[6];
    p->l3_len = static_cast<uint16_t>(tot);
    p->l3_hdr = 40;
    if (p->proto == 44) return Bad(p, BadClass::kFragment);
    if (IsExtension(p->proto)) return Bad(p, BadClass::kIpOptions);
    l4_len = tot - 40u;
  } else {
    return Bad(p, BadClass::kNonIp);
  }
  p->l3 = ip;
  const uint8_t* l4 = ip + p->l3_hdr;
  p->l4 = l4;
  if (p->proto == 6) {
    if (l4_len < 20) return Bad(p, BadClass::kTruncated);
    uint8_t doff = static_cast<uint8_t>((l4[12] >> 4) * 4);
    if (doff < 20 || doff > l4_len) return Bad(p, BadClass::kTruncated);
    p->l4_hdr = doff;
    p->tcp_flags = l4[13];
  } else if (p->proto == 17) {
    if (l4_len < 8) return Bad(p, BadClass::kTruncated);
    uint16_t ulen = Be16(l4 + 4);
    // IPv6 jumbograms (length 0) are not supported; IPv4 needs it exact-or-less.
    if (ulen < 8 || ulen > l4_len) return Bad(p, BadClass::kTruncated);
    p->l4_hdr = 8;
  } else if ((p->family == kFamily4 && p->proto == 1) ||
             (p->family == kFamily6 && p->proto == 58)) {
    if (l4_len < 8) return Bad(p, BadClass::kTruncated);
    p->kind = Kind::kIcmp;
    return true;
  } else {
    p->kind = Kind::kOther;
    return true;
  }
  std::memcpy(&p->sport_be, l4, 2);
  std::memcpy(&p->dport_be, l4 + 2, 2);
  p->kind = Kind::kL4;
  return true;
}

}  // namespace skiff::dataplane::dpdk
