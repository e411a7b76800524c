#include "dataplane/dpdk/rewrite.h"

#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/dpdk/checksum.h"

namespace skiff::dataplane::dpdk {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian hosts only");

constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17;

inline uint16_t Swap16(uint16_t v) {
  return static_cast<uint16_t>(v >> 8 | v << 8);
}

// Rewrites addresses and ports of a TCP/UDP packet (NAT both ways), keeping
// checksums right: incremental updates in software from values in
// registers, or the port's offload. `src`/`dst` hold the new addresses
// (flow entry), WORDS 32-bit words each (1 for IPv4, 4 for IPv6).
template <int WORDS>
void Rewrite(rte_mbuf* m, const Parsed& p, const uint8_t* src, uint16_t sport_be,
             const uint8_t* dst, uint16_t dport_be, const PortInfo& outp) {
  constexpr bool v4 = WORDS == 1;
  uint8_t* ip = const_cast<uint8_t*>(p.l3);
  uint8_t* l4 = const_cast<uint8_t*>(p.l4);
  uint8_t* addrs = ip + (v4 ? 12 : 8);  // source then destination
  uint32_t from[2 * WORDS], to[2 * WORDS];
  std::memcpy(from, addrs, sizeof(from));
  std::memcpy(to, src, 4 * WORDS);
  std::memcpy(to + WORDS, dst, 4 * WORDS);
  uint64_t d_addr = 0;
  for (int i = 0; i < 2 * WORDS; ++i)
    d_addr += csum::Delta32(from[i], to[i]);
  uint32_t old_ports, new_ports = uint32_t{sport_be} | uint32_t{dport_be} << 16;
  std::memcpy(&old_ports, l4, 4);
  std::memcpy(addrs, to, sizeof(to));
  std::memcpy(l4, &new_ports, 4);

  uint8_t* l4check = l4 + (p.proto == kProtoTcp ? 16 : 6);
  uint16_t check;
  std::memcpy(&check, l4check, 2);
  const bool udp_no_sum = v4 && p.proto == kProtoUdp && check == 0;
  if (outp.tx_l4_cksum && !udp_no_sum) {
    uint32_t l4_len = p.l3_len - p.l3_hdr;
    uint16_t ph = csum::Fold(csum::Pseudo(addrs, addrs + 4 * WORDS, 4 * WORDS, p.proto, l4_len));
    std::memcpy(l4check, &ph, 2);
    m->ol_flags |= p.proto == kProtoTcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
    m->ol_flags |= v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
    m->l2_len = kEthHdr;
    m->l3_len = p.l3_hdr;
  } else if (!udp_no_sum) {
    check = csum::Apply(check, d_addr + csum::Delta32(old_ports, new_ports));
    if (p.proto == kProtoUdp && check == 0) check = 0xffff;
    std::memcpy(l4check, &check, 2);
  }
  if constexpr (v4) {
    if (outp.tx_ipv4_cksum) {
      ip[10] = ip[11] = 0;
      m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
      m->l2_len = kEthHdr;
      m->l3_len = p.l3_hdr;
    } else {
      uint16_t ipc;
      std::memcpy(&ipc, ip + 10, 2);
      ipc = csum::Apply(ipc, d_addr);
      std::memcpy(ip + 10, &ipc, 2);
    }
  }
}

}  // namespace

void RewriteL4(rte_mbuf* m, const Parsed& p, const uint8_t* src, uint16_t sport_be,
               const uint8_t* dst, uint16_t dport_be, const PortInfo& outp) {
  if (p.family == kFamily4)
    Rewrite<1>(m, p, src, sport_be, dst, dport_be, outp);
  else
    Rewrite<4>(m, p, src, sport_be, dst, dport_be, outp);
}

void WriteOuterIpv4(uint8_t* ip, uint8_t tos, uint16_t total, const uint8_t* src,
                    const uint8_t* dst, bool offload) {
  uint32_t w[5];
  w[0] = 0x45u | uint32_t{tos} << 8 | uint32_t{Swap16(total)} << 16;
  w[1] = uint32_t{Swap16(0x4000)} << 16;  // id 0, DF: never fragment the tunnel
  w[2] = 64u | 4u << 8;                   // TTL 64, protocol 4 (IPIP), checksum below
  std::memcpy(&w[3], src, 4);
  std::memcpy(&w[4], dst, 4);
  if (!offload) {
    uint64_t sum = uint64_t{w[0]} + w[1] + w[2] + w[3] + w[4];
    w[2] |= uint32_t{csum::Finish(sum)} << 16;
  }
  std::memcpy(ip, w, 20);
}

}  // namespace skiff::dataplane::dpdk
