#include "dataplane/dpdk/replies.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "dataplane/dpdk/checksum.h"

namespace skiff::dataplane::dpdk {
namespace {

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}
uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

uint8_t* Data(rte_mbuf* m) {
  return rte_pktmbuf_mtod(m, uint8_t*);
}

// Sets the frame length to `len` bytes (single segment).
void SetLen(rte_mbuf* m, uint32_t len) {
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = len;
  m->ol_flags = 0;
}

void SwapMacs(uint8_t* eth, const uint8_t* our_mac) {
  std::memcpy(eth, eth + 6, 6);
  std::memcpy(eth + 6, our_mac, 6);
}

void Ipv4Header(uint8_t* ip, uint16_t total, uint8_t proto, const uint8_t* src,
                const uint8_t* dst) {
  ip[0] = 0x45;
  ip[1] = 0;
  Put16(ip + 2, total);
  Put16(ip + 4, 0);
  Put16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = proto;
  ip[10] = ip[11] = 0;
  std::memmove(ip + 12, src, 4);
  std::memmove(ip + 16, dst, 4);
  uint16_t c = csum::Finish(csum::Add(ip, 20));
  std::memcpy(ip + 10, &c, 2);
}

void Ipv6Header(uint8_t* ip, uint16_t payload, uint8_t next, uint8_t hops, const uint8_t* src,
                const uint8_t* dst) {
  Put32(ip, 6u << 28);
  Put16(ip + 4, payload);
  ip[6] = next;
  ip[7] = hops;
  std::memmove(ip + 8, src, 16);
  std::memmove(ip + 24, dst, 16);
}

// Checksum of an L4 payload (ICMPv6, TCP, UDP) including the pseudo header.
uint16_t L4Checksum(const uint8_t* ip, uint8_t family, uint8_t proto, const uint8_t* l4,
                    uint32_t l4_len) {
  size_t alen = family == kFamily4 ? 4 : 16;
  const uint8_t* src = ip + (family == kFamily4 ? 12 : 8);
  const uint8_t* dst = src + alen;
  return csum::Finish(csum::Add(l4, l4_len, csum::Pseudo(src, dst, alen, proto, l4_len)));
}

}  // namespace

void MakeArpReply(rte_mbuf* m, const uint8_t* mac) {
  uint8_t* eth = Data(m);
  uint8_t* arp = eth + kEthHdr;
  uint8_t requested[4];
  std::memcpy(requested, arp + 24, 4);
  Put16(arp + 6, 2);                   // opcode: reply
  std::memcpy(arp + 18, arp + 8, 6);   // tha := sha
  std::memcpy(arp + 24, arp + 14, 4);  // tpa := spa
  std::memcpy(arp + 8, mac, 6);        // sha := ours
  std::memcpy(arp + 14, requested, 4);
  std::memcpy(eth, arp + 18, 6);
  std::memcpy(eth + 6, mac, 6);
  SetLen(m, kEthHdr + 28);
}

void MakeNeighborAdvert(rte_mbuf* m, const uint8_t* target, const uint8_t* mac) {
  uint8_t* eth = Data(m);
  uint8_t* ip = eth + kEthHdr;
  uint8_t src[16], tgt[16];
  std::memcpy(src, ip + 8, 16);
  std::memcpy(tgt, target, 16);
  static const uint8_t kZero[16] = {};
  static const uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  bool dad = std::memcmp(src, kZero, 16) == 0;
  const uint8_t* dst = dad ? kAllNodes : src;
  if (dad) {
    const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    std::memcpy(eth, all_nodes_mac, 6);
  } else {
    std::memcpy(eth, eth + 6, 6);
  }
  std::memcpy(eth + 6, mac, 6);
  uint8_t* icmp = ip + 40;
  Ipv6Header(ip, 32, 58, 255, tgt, dst);
  icmp[0] = 136;
  icmp[1] = 0;
  icmp[2] = icmp[3] = 0;
  Put32(icmp + 4, dad ? 0x20000000u : 0x60000000u);  // S (unless DAD) | O
  std::memcpy(icmp + 8, tgt, 16);
  icmp[24] = 2;  // target link-layer address
  icmp[25] = 1;
  std::memcpy(icmp + 26, mac, 6);
  uint16_t c = L4Checksum(ip, kFamily6, 58, icmp, 32);
  std::memcpy(icmp + 2, &c, 2);
  SetLen(m, kEthHdr + 40 + 32);
}

void MakeEchoReply(rte_mbuf* m, const Parsed& p) {
  uint8_t* eth = Data(m);
  uint8_t mac[6];
  std::memcpy(mac, eth, 6);
  SwapMacs(eth, mac);
  uint8_t* ip = eth + kEthHdr;
  uint8_t* icmp = ip + p.l3_hdr;
  uint8_t old_word[2] = {icmp[0], icmp[1]};
  if (p.family == kFamily4) {
    uint8_t tmp[4];
    std::memcpy(tmp, ip + 12, 4);
    std::memcpy(ip + 12, ip + 16, 4);
    std::memcpy(ip + 16, tmp, 4);
    ip[8] = 64;
    ip[10] = ip[11] = 0;
    uint16_t c = csum::Finish(csum::Add(ip, p.l3_hdr));
    std::memcpy(ip + 10, &c, 2);
    icmp[0] = 0;
  } else {
    uint8_t tmp[16];
    std::memcpy(tmp, ip + 8, 16);
    std::memcpy(ip + 8, ip + 24, 16);
    std::memcpy(ip + 24, tmp, 16);
    ip[7] = 64;
    icmp[0] = 129;
  }
  // Swapping addresses leaves the pseudo-header sum unchanged.
  uint16_t check;
  std::memcpy(&check, icmp + 2, 2);
  check = csum::Update(check, old_word, icmp, 2);
  std::memcpy(icmp + 2, &check, 2);
  SetLen(m, kEthHdr + p.l3_len);
}

void MakeIcmpError(rte_mbuf* m, const Parsed& p, uint8_t type, uint8_t code, uint32_t info,
                   const uint8_t* src) {
  uint8_t* eth = Data(m);
  uint8_t* ip = eth + kEthHdr;
  const bool v4 = p.family == kFamily4;
  const uint32_t hdr = v4 ? 20 : 40;
  // RFC 1812 4.3.2.3: up to 576 bytes in all; RFC 4443 2.4(c): up to 1280.
  uint32_t quote = std::min<uint32_t>(p.l3_len, (v4 ? 576u : 1280u) - hdr - 8);
  uint32_t room = static_cast<uint32_t>(m->buf_len - m->data_off) - kEthHdr - hdr - 8;
  quote = std::min(quote, room);
  uint8_t orig_src[16];
  std::memcpy(orig_src, ip + (v4 ? 12 : 8), v4 ? 4 : 16);
  // The quote moves forward by hdr + 8 bytes: memmove handles the overlap.
  uint8_t* icmp = ip + hdr;
  std::memmove(icmp + 8, ip, quote);
  uint8_t mac[6];
  std::memcpy(mac, eth, 6);
  std::memcpy(eth, eth + 6, 6);
  std::memcpy(eth + 6, mac, 6);
  Put16(eth + 12, v4 ? 0x0800 : 0x86dd);
  icmp[0] = type;
  icmp[1] = code;
  icmp[2] = icmp[3] = 0;
  Put32(icmp + 4, info);
  uint32_t l4_len = 8 + quote;
  if (v4) {
    Ipv4Header(ip, static_cast<uint16_t>(hdr + l4_len), 1, src, orig_src);
    uint16_t c = csum::Finish(csum::Add(icmp, l4_len));
    std::memcpy(icmp + 2, &c, 2);
  } else {
    Ipv6Header(ip, static_cast<uint16_t>(l4_len), 58, 64, src, orig_src);
    uint16_t c = L4Checksum(ip, kFamily6, 58, icmp, l4_len);
    std::memcpy(icmp + 2, &c, 2);
  }
  SetLen(m, kEthHdr + hdr + l4_len);
}

bool MakeTcpReset(rte_mbuf* m, const Parsed& p) {
  if (p.tcp_flags & kTcpRst) return false;
  uint8_t* eth = Data(m);
  uint8_t* ip = eth + kEthHdr;
  uint8_t* th = ip + p.l3_hdr;
  const bool v4 = p.family == kFamily4;
  uint32_t seq = Get32(th + 4), ack = Get32(th + 8);
  uint32_t payload = p.l3_len - p.l3_hdr - p.l4_hdr;
  uint32_t adv = payload + ((p.tcp_flags & kTcpSyn) ? 1 : 0) + ((p.tcp_flags & kTcpFin) ? 1 : 0);
  uint8_t mac[6];
  std::memcpy(mac, eth, 6);
  SwapMacs(eth, mac);
  uint8_t ports[4];
  std::memcpy(ports, th, 4);
  std::memcpy(th, ports + 2, 2);
  std::memcpy(th + 2, ports, 2);
  if (p.tcp_flags & kTcpAck) {
    Put32(th + 4, ack);
    Put32(th + 8, 0);
    th[13] = kTcpRst;
  } else {
    Put32(th + 4, 0);
    Put32(th + 8, seq + adv);
    th[13] = kTcpRst | kTcpAck;
  }
  th[12] = 5 << 4;
  Put16(th + 14, 0);  // window
  th[16] = th[17] = 0;
  Put16(th + 18, 0);  // urgent
  if (v4) {
    uint8_t s[4], d[4];
    std::memcpy(s, ip + 12, 4);
    std::memcpy(d, ip + 16, 4);
    Ipv4Header(ip, 40, 6, d, s);
  } else {
    uint8_t s[16], d[16];
    std::memcpy(s, ip + 8, 16);
    std::memcpy(d, ip + 24, 16);
    Ipv6Header(ip, 20, 6, 64, d, s);
  }
  // With IPv4 options the TCP header moved: it sits right after 20 bytes now.
  uint8_t* nth = ip + (v4 ? 20 : 40);
  if (nth != th) std::memmove(nth, th, 20);
  uint16_t c = L4Checksum(ip, p.family, 6, nth, 20);
  std::memcpy(nth + 16, &c, 2);
  SetLen(m, kEthHdr + (v4 ? 20u : 40u) + 20u);
  return true;
}

void BuildArpRequest(rte_mbuf* m, const uint8_t* mac, const uint8_t* sender_ip,
                     const uint8_t* target_ip) {
  uint8_t* eth = Data(m);
  // Minimum Ethernet payload: 46 bytes (padded).
  std::memset(eth, 0, 60);
  std::memset(eth, 0xff, 6);
  std::memcpy(eth + 6, mac, 6);
  Put16(eth + 12, 0x0806);
  uint8_t* arp = eth + kEthHdr;
  Put16(arp, 1);
  Put16(arp + 2, 0x0800);
  arp[4] = 6;
  arp[5] = 4;
  Put16(arp + 6, 1);
  std::memcpy(arp + 8, mac, 6);
  std::memcpy(arp + 14, sender_ip, 4);
  std::memcpy(arp + 24, target_ip, 4);
  SetLen(m, 60);
}

void BuildNeighborSolicit(rte_mbuf* m, const uint8_t* mac, const uint8_t* src,
                          const uint8_t* target) {
  uint8_t* eth = Data(m);
  // Solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX.
  uint8_t dst[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0};
  std::memcpy(dst + 13, target + 13, 3);
  const uint8_t dmac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
  std::memcpy(eth, dmac, 6);
  std::memcpy(eth + 6, mac, 6);
  Put16(eth + 12, 0x86dd);
  uint8_t* ip = eth + kEthHdr;
  Ipv6Header(ip, 32, 58, 255, src, dst);
  uint8_t* icmp = ip + 40;
  std::memset(icmp, 0, 32);
  icmp[0] = 135;
  std::memcpy(icmp + 8, target, 16);
  icmp[24] = 1;  // source link-layer address
  icmp[25] = 1;
  std::memcpy(icmp + 26, mac, 6);
  uint16_t c = L4Checksum(ip, kFamily6, 58, icmp, 32);
  std::memcpy(icmp + 2, &c, 2);
  SetLen(m, kEthHdr + 40 + 32);
}

}  // namespace skiff::dataplane::dpdk
