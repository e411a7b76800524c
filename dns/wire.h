// DNS wire format (RFC 1035, 6891): constants, query parsing and name
// helpers. Everything here works on caller-owned buffers and never
// allocates, so it is usable on the per-query hot path.
//
// Names: a "wire name" is the uncompressed label sequence ending with the
// root label (0). A "lower wire name" is the same with ASCII A-Z folded to
// a-z; lookups use it, responses echo the client's original case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace skiff::dns {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxNameLen = 255;  // wire length including the root label
constexpr size_t kMaxLabelLen = 63;
constexpr size_t kMaxLabels = 128;
constexpr size_t kMaxTcpMessage = 65535;
constexpr size_t kMinUdpPayload = 512;

namespace type {
constexpr uint16_t kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kMX = 15, kTXT = 16,
                   kAAAA = 28, kSRV = 33, kOPT = 41, kIXFR = 251, kAXFR = 252, kMAILB = 253,
                   kMAILA = 254, kANY = 255;
}
namespace cls {
constexpr uint16_t kIN = 1, kCH = 3, kHS = 4, kNONE = 254, kANY = 255;
}
namespace rcode {
constexpr uint8_t kNoError = 0, kFormErr = 1, kServFail = 2, kNXDomain = 3, kNotImp = 4,
                  kRefused = 5;
constexpr uint16_t kBadVers = 16;  // extended (EDNS) rcode: upper 8 bits go in OPT
}  // namespace rcode

// Header flag bits (second 16-bit word).
namespace flag {
constexpr uint16_t kQR = 0x8000, kAA = 0x0400, kTC = 0x0200, kRD = 0x0100, kRA = 0x0080,
                   kAD = 0x0020, kCD = 0x0010;
constexpr uint16_t kOpcodeMask = 0x7800;
constexpr uint16_t kRcodeMask = 0x000f;
}  // namespace flag
constexpr uint16_t kEdnsDoBit = 0x8000;  // in the OPT TTL's low 16 bits

inline uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline uint8_t ToLowerAscii(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Copies n bytes folding ASCII A-Z to a-z, 8 bytes at a time.
void LowercaseCopy(const uint8_t* src, size_t n, uint8_t* dst);

// Hash of a lower wire name (any byte string); stable within a process.
uint64_t HashName(const uint8_t* p, size_t n);

// What the parser decided about an incoming message.
enum class ParseStatus {
  kOk,
  kDrop,     // too short to answer, or a response (QR=1): never reply
  kFormErr,  // reply FORMERR (header echoed, no question)
  kNotImp,   // opcode other than QUERY
  kBadVers,  // EDNS version > 0: reply BADVERS with OPT
};

// A parsed query. Pointers refer into the caller's packet buffer, which must
// outlive the Query.
struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;              // raw header flags of the request
  const uint8_t* qname = nullptr;  // wire name as sent (original case)
  uint16_t qname_len = 0;          // including the root label
  uint8_t lower[kMaxNameLen];      // lowercase copy of qname
  uint64_t label_starts[4] = {};   // bitmap: offsets in qname where a label starts
  uint8_t label_count = 0;         // labels excluding the root
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  uint64_t hash = 0;  // HashName(lower, qname_len)
  bool has_edns = false;
  bool edns_do = false;
  uint8_t edns_version = 0;
  uint16_t edns_udp_size = 0;  // as sent by the client (0 when absent)

  size_t question_len() const { return size_t{qname_len} + 4; }
  bool IsLabelStart(size_t off) const {
    return off < kMaxNameLen && (label_starts[off >> 6] >> (off & 63)) & 1;
  }
  uint8_t opcode() const { return static_cast<uint8_t>((flags & flag::kOpcodeMask) >> 11); }
};

// Parses a query message. Checks, in order: size >= header (else kDrop), QR=0
// (else kDrop), opcode QUERY (else kNotImp), QDCOUNT == 1 and a well-formed
// uncompressed question (else kFormErr), then skips answer/authority records
// and reads at most one OPT (owner root) from the additional section; a
// second OPT, an OPT with a non-root owner or any record running past the end
// is kFormErr. Trailing bytes after the last record are ignored. On kOk,
// kBadVers and kNotImp, q->id and q->flags are filled; on kOk everything is.
ParseStatus ParseQuery(const uint8_t* msg, size_t len, Query* q);

// Writes a bare reply header (no question) for FORMERR/NOTIMP/REFUSED-style
// answers to `out` (>= 12 bytes): id and opcode/RD echoed, QR set.
size_t WriteErrorHeader(uint16_t id, uint16_t req_flags, uint8_t rc, uint8_t* out);

// Cuts a reply in `msg` down to its header and question with TC set and no
// records (RFC 2181 9: the client retries over TCP). For a UDP reply the path
// cannot carry. Returns the new length, or 0 when `msg` has no whole question.
size_t TruncateReply(uint8_t* msg, size_t len);

// Reads a possibly compressed name at `off` in `msg` into `out` (uncompressed
// wire form, >= kMaxNameLen bytes). Pointers must point strictly backwards,
// which rules out loops; the expanded name must fit kMaxNameLen. Returns the
// expanded length, or 0 on malformed input; *next is set to the offset after
// the name as stored at `off`.
size_t ReadName(const uint8_t* msg, size_t len, size_t off, uint8_t* out, size_t* next);

// Skips a possibly compressed name at `off`; returns the offset after it or 0
// when it runs past `len` or has a bad label type.
size_t SkipName(const uint8_t* msg, size_t len, size_t off);

// "Web.Default.svc.cluster.local" (trailing dot optional) -> lower wire name.
// Returns "" for an invalid name (empty label, label > 63, name > 255 bytes).
// The root name is "." -> "\0".
std::string DottedToWire(std::string_view dotted);
// Wire name -> dotted, lowercase as stored, with a trailing dot omitted
// ("a.b"; the root is "."). Non-printable bytes are escaped as \DDD.
std::string WireToDotted(const uint8_t* wire, size_t len);
inline std::string WireToDotted(std::string_view wire) {
  return WireToDotted(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
}

// Short names for metrics and logs ("A", "SRV", "TYPE65").
std::string_view TypeName(uint16_t t);  // "other" for types without a name
std::string_view RcodeName(uint16_t rc);

}  // namespace skiff::dns
