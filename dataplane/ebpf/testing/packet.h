// Test/benchmark support: builds Ethernet frames with correct checksums and
// parses frames back, verifying every checksum, so BPF_PROG_TEST_RUN cases
// can state "input packet -> expected output packet". Not for production.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/ip.h"

namespace skiff::dataplane::testing {

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

struct PacketSpec {
  IpAddr src;
  IpAddr dst;
  uint16_t sport = 0;  // host order
  uint16_t dport = 0;
  Protocol proto = Protocol::kTCP;
  uint8_t tcp_flags = kSyn;
  uint32_t seq = 1000;
  uint32_t ack = 0;
  std::string payload;
  bool udp_zero_checksum = false;  // IPv4 UDP without checksum
};

std::vector<uint8_t> BuildPacket(const PacketSpec& spec);

struct Parsed {
  Family family = Family::kV4;
  IpAddr src, dst;
  uint8_t l4proto = 0;  // 6, 17, 1 (ICMP), 58 (ICMPv6)
  uint16_t sport = 0, dport = 0;
  uint8_t tcp_flags = 0;
  uint32_t seq = 0, ack = 0;
  std::string payload;
  bool ip_checksum_ok = true;  // IPv4 header checksum
  bool l4_checksum_ok = true;  // TCP/UDP/ICMP/ICMPv6 checksum
  // ICMP errors: type/code and the quoted packet's addresses and ports.
  uint8_t icmp_type = 0, icmp_code = 0;
  IpAddr inner_src, inner_dst;
  uint16_t inner_sport = 0, inner_dport = 0;
};

// INVALID_ARGUMENT for a frame too short or of an unknown kind.
Result<Parsed> ParsePacket(const std::vector<uint8_t>& frame);

}  // namespace skiff::dataplane::testing
