// Upstream responses: parsed once when they arrive (for caching) and turned
// into replies for each client that asked, with the client's ID, question
// case, EDNS state, remaining TTLs and size limit.
//
// Thread-safety: an UpstreamAnswer is immutable once parsed and may be
// shared (cache, coalesced waiters) across threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dns/wire.h"

namespace skiff::dns {

struct CachePolicy {
  uint32_t min_ttl = 0;             // floor for positive answers
  uint32_t max_ttl = 3600;          // cap for positive answers
  uint32_t negative_max_ttl = 300;  // cap for NXDOMAIN/NODATA (RFC 2308)
};

struct UpstreamAnswer {
  std::vector<uint8_t> msg;
  std::vector<uint32_t> ttl_offsets;  // TTL fields of every RR except OPT
  size_t opt_off = 0, opt_len = 0;    // the upstream's OPT RR (opt_len 0: none)
  uint8_t ext_rcode = 0;              // upper rcode bits from the upstream OPT
  uint16_t ancount = 0, nscount = 0;
  uint8_t rcode = 0;
  bool negative = false;   // NXDOMAIN or NODATA
  uint32_t cache_ttl = 0;  // seconds this may be served; 0: do not cache
  std::chrono::steady_clock::time_point fetched;
};

// Validates and indexes an upstream response to a query for (lower wire
// `qname`, `qtype`). INVALID_ARGUMENT when it is not a response to that
// question or a record runs past the end. SERVFAIL/REFUSED answers parse
// but get cache_ttl 0.
Result<UpstreamAnswer> ParseUpstream(const uint8_t* msg, size_t len, std::string_view qname,
                                     uint16_t qtype, const CachePolicy& policy,
                                     std::chrono::steady_clock::time_point now);

// What a client needs from its own query to get its own copy of a reply.
struct ClientView {
  uint16_t id = 0;
  uint16_t flags = 0;         // request flags (RD, CD are echoed)
  std::string_view question;  // the client's question bytes (qname+type+class)
  bool has_edns = false;
  bool edns_do = false;
  size_t limit = kMinUdpPayload;  // max reply size (UDP payload or 65535 for TCP)
  uint16_t our_udp_size = 1232;   // advertised in our OPT
};

// Writes the reply for `c` into `out` (>= c.limit bytes) and returns its
// length: upstream sections with TTLs reduced by the answer's age, the
// upstream OPT replaced by ours (or dropped for a client without EDNS), and
// when it does not fit, TC=1 with the question only. A non-empty `prefix`
// (in-zone CNAME RRs whose owners point into the question) is put before
// the upstream answers; those are then re-encoded without compression.
size_t BuildForwardedReply(const UpstreamAnswer& a, const ClientView& c,
                           std::chrono::steady_clock::time_point now, std::string_view prefix,
                           uint16_t prefix_count, uint8_t* out);

// SERVFAIL (or another rcode) for `c` with the question echoed.
size_t BuildErrorReply(const ClientView& c, uint8_t rc, uint8_t* out);

// The query we send upstream: RD=1, CD/DO copied, OPT advertising 1232.
std::vector<uint8_t> MakeUpstreamQuery(std::string_view qname, uint16_t qtype, uint16_t qclass,
                                       bool cd, bool edns_do, uint16_t id);

// Cache key of a question: lower name, type, class, DO and CD bits.
size_t CacheKey(const uint8_t* lower, size_t len, uint16_t qtype, uint16_t qclass, bool do_bit,
                bool cd_bit, uint8_t* out /* >= kMaxNameLen + 5 */);

}  // namespace skiff::dns
