// Test helpers: build query messages and decode responses with the
// project's own wire code (the end-to-end tests use c-ares instead).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace skiff::dns::testing {

struct QueryOptions {
  uint16_t id = 0x1234;
  bool rd = true;
  int edns_udp_size = -1;  // < 0: no OPT record
  bool edns_do = false;
  uint8_t edns_version = 0;
  uint16_t qclass = 1;
};
std::vector<uint8_t> MakeQuery(const std::string& name, uint16_t qtype, QueryOptions o = {});

struct RR {
  std::string name;  // dotted, as decoded (case preserved)
  uint16_t type = 0, klass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
  std::string target;            // decoded name for CNAME/PTR/NS/SRV targets
  std::string ToString() const;  // "A 10.0.0.1", "SRV 0 100 80 web.ns.svc.cluster.local"
};
struct Response {
  bool ok = false;  // decoded without error
  uint16_t id = 0, flags = 0;
  uint8_t rcode = 0;
  std::string qname;
  uint16_t qdcount = 0;
  std::vector<RR> answer, authority, additional;
  bool has_opt = false;
  uint16_t opt_udp_size = 0;
  uint8_t opt_ext_rcode = 0;
  bool tc() const { return flags & 0x0200; }
  bool aa() const { return flags & 0x0400; }
  std::vector<std::string> AnswerStrings() const;
};
Response Decode(const uint8_t* msg, size_t len);
inline Response Decode(const std::vector<uint8_t>& m) {
  return Decode(m.data(), m.size());
}

// A socket of `type` (SOCK_DGRAM or SOCK_STREAM) connected to 127.0.0.1:port;
// -1 on failure.
int ConnectLoopback(int type, uint16_t port);

}  // namespace skiff::dns::testing
