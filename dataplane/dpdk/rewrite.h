// Header rewriting on the packet path: NAT of addresses and ports with the
// checksums kept right, and the outer IPv4 header of the DSR tunnel. The
// checksum arithmetic works on values already in registers (RFC 1624
// deltas), never re-reading bytes just written, which would stall store
// forwarding; with the port's offloads the NIC finishes the checksums.
// Thread-safe (no state); little-endian hosts.
#pragma once

#include <cstdint>

#include "dataplane/dpdk/parse.h"
#include "dataplane/dpdk/tables.h"

struct rte_mbuf;

namespace skiff::dataplane::dpdk {

// Source := src:sport_be, destination := dst:dport_be (addresses in packet
// layout, ports network order) of the TCP/UDP packet `p` in `m`. IPv4 UDP
// without checksum stays without. With outp's offloads, the checksum fields
// get the pseudo-header seed and m's TX flags and l2/l3 lengths are set.
void RewriteL4(rte_mbuf* m, const Parsed& p, const uint8_t* src, uint16_t sport_be,
               const uint8_t* dst, uint16_t dport_be, const PortInfo& outp);

// The 20-byte outer IPv4 header of the IPIP encapsulation at `ip`: TOS
// copied from the client, `total` length, DF, TTL 64, protocol 4, and the
// header checksum unless `offload` (the NIC computes it then).
void WriteOuterIpv4(uint8_t* ip, uint8_t tos, uint16_t total, const uint8_t* src,
                    const uint8_t* dst, bool offload);

}  // namespace skiff::dataplane::dpdk
