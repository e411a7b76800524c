// Packets the engine answers or originates itself, written into an mbuf:
// ARP replies and NDP neighbor advertisements for our addresses and VIPs,
// ICMP/ICMPv6 echo replies, ICMP errors (port unreachable, fragmentation
// needed / packet too big), TCP resets, and the ARP requests / neighbor
// solicitations the control thread sends to resolve next hops.
//
// The "answer" functions turn the received frame in `m` into the answer in
// place (addresses swapped, Ethernet destination = the sender); they need
// a single-segment mbuf whose headers ParseFrame validated. Every checksum
// is complete in software. Thread-safe (no state).
#pragma once

#include <cstdint>

#include "dataplane/dpdk/parse.h"

struct rte_mbuf;

namespace skiff::dataplane::dpdk {

// ARP request -> reply from `mac` for the requested address.
void MakeArpReply(rte_mbuf* m, const uint8_t* mac);
// Neighbor solicitation for `target` -> advertisement from `mac`. The NS
// source (or all-nodes for DAD) becomes the destination.
void MakeNeighborAdvert(rte_mbuf* m, const uint8_t* target, const uint8_t* mac);
// Echo request -> echo reply (IPv4 or IPv6).
void MakeEchoReply(rte_mbuf* m, const Parsed& p);
// The offending packet -> ICMP(v6) error `type`/`code` back to its source,
// from `src` (an address of the packet's family), quoting as much of the
// original as RFC 1812 / RFC 4443 allow. `info` is the 32-bit field after
// the checksum (the MTU for fragmentation needed / packet too big).
void MakeIcmpError(rte_mbuf* m, const Parsed& p, uint8_t type, uint8_t code, uint32_t info,
                   const uint8_t* src);
// A TCP segment -> the RST answering it (RFC 9293 3.10.7.1). False when the
// segment is itself a RST (never answer one).
bool MakeTcpReset(rte_mbuf* m, const Parsed& p);

// Fills `m` (empty) with a broadcast ARP request for `target_ip` from
// `mac`/`sender_ip` (IPv4 bytes, network order).
void BuildArpRequest(rte_mbuf* m, const uint8_t* mac, const uint8_t* sender_ip,
                     const uint8_t* target_ip);
// Fills `m` (empty) with a multicast neighbor solicitation for `target`
// from `mac`/`src` (IPv6 bytes), with the source link-layer option.
void BuildNeighborSolicit(rte_mbuf* m, const uint8_t* mac, const uint8_t* src,
                          const uint8_t* target);

}  // namespace skiff::dataplane::dpdk
