#include "dns/wire.h"

namespace skiff::dns {
namespace {

// Returns the offset after the record at `off` (name, fixed fields, rdata) or
// 0 when it runs past `len`. Fills type/class/ttl/rdlen and rdata offset.
struct RRHead {
  size_t name_off, rdata_off, end;
  uint16_t type, klass, rdlen;
  uint32_t ttl;
};
bool ReadRRHead(const uint8_t* msg, size_t len, size_t off, RRHead* rr) {
  size_t p = SkipName(msg, len, off);
  if (p == 0 || p + 10 > len) return false;
  rr->name_off = off;
  rr->type = Get16(msg + p);
  rr->klass = Get16(msg + p + 2);
  rr->ttl = Get32(msg + p + 4);
  rr->rdlen = Get16(msg + p + 8);
  rr->rdata_off = p + 10;
  rr->end = rr->rdata_off + rr->rdlen;
  return rr->end <= len;
}

}  // namespace

void LowercaseCopy(const uint8_t* src, size_t n, uint8_t* dst) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  auto word = [&](size_t i) {
    uint64_t x;
    std::memcpy(&x, src + i, 8);
    const uint64_t low7 = x & (kOnes * 0x7F);
    const uint64_t ge_a = low7 + kOnes * (0x80 - 'A');      // bit 7 set where byte >= 'A'
    const uint64_t gt_z = low7 + kOnes * (0x80 - 'Z' - 1);  // bit 7 set where byte > 'Z'
    const uint64_t upper = (ge_a ^ gt_z) & ~x & (kOnes * 0x80);
    x |= upper >> 2;  // 0x80 >> 2 == 0x20: 'A' -> 'a'
    std::memcpy(dst + i, &x, 8);
  };
  if (n < 8) {
    for (size_t i = 0; i < n; ++i)
      dst[i] = ToLowerAscii(src[i]);
    return;
  }
  for (size_t i = 0; i + 8 <= n; i += 8)
    word(i);
  if (n % 8) word(n - 8);  // overlapping tail: recomputed from src, so idempotent
}

uint64_t HashName(const uint8_t* p, size_t n) {
  // Multiply-xorshift over 8-byte words: names are short and the table is
  // private, so speed beats DoS-hardness here (the seed is per process).
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x2545F4914F6CDD1Dull ^ (n * kMul);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

size_t SkipName(const uint8_t* msg, size_t len, size_t off) {
  while (off < len) {
    uint8_t l = msg[off];
    if (l == 0) return off + 1;
    if ((l & 0xC0) == 0xC0) return off + 2 <= len ? off + 2 : 0;
    if (l & 0xC0) return 0;  // 0x40/0x80: obsolete/extended label types
    off += size_t{l} + 1;
  }
  return 0;
}

size_t TruncateReply(uint8_t* msg, size_t len) {
  if (len < kHeaderSize || Get16(msg + 4) != 1) return 0;
  const size_t name_end = SkipName(msg, len, kHeaderSize);
  if (name_end == 0 || name_end + 4 > len) return 0;
  msg[2] |= flag::kTC >> 8;
  std::memset(msg + 6, 0, 6);  // ANCOUNT, NSCOUNT, ARCOUNT
  return name_end + 4;
}

size_t ReadName(const uint8_t* msg, size_t len, size_t off, uint8_t* out, size_t* next) {
  size_t n = 0;
  bool jumped = false;
  size_t limit = off;  // a pointer must target bytes before the current one
  for (int hops = 0; off < len;) {
    uint8_t l = msg[off];
    if (l == 0) {
      if (n + 1 > kMaxNameLen) return 0;
      out[n++] = 0;
      if (!jumped) *next = off + 1;
      return n;
    }
    if ((l & 0xC0) == 0xC0) {
      if (off + 2 > len) return 0;
      size_t target = (size_t{l} & 0x3F) << 8 | msg[off + 1];
      if (target >= limit || ++hops > static_cast<int>(kMaxLabels)) return 0;
      if (!jumped) *next = off + 2;
      jumped = true;
      off = target;
      limit = target;
      continue;
    }
    if (l & 0xC0) return 0;
    if (off + 1 + l > len || n + 1 + l + 1 > kMaxNameLen) return 0;
    std::memcpy(out + n, msg + off, size_t{l} + 1);
    n += size_t{l} + 1;
    off += size_t{l} + 1;
  }
  return 0;
}

ParseStatus ParseQuery(const uint8_t* msg, size_t len, Query* q) {
  if (len < kHeaderSize) return ParseStatus::kDrop;
  q->id = Get16(msg);
  q->flags = Get16(msg + 2);
  if (q->flags & flag::kQR) return ParseStatus::kDrop;
  if (q->opcode() != 0) return ParseStatus::kNotImp;
  if (Get16(msg + 4) != 1) return ParseStatus::kFormErr;
  const unsigned ancount = Get16(msg + 6), nscount = Get16(msg + 8), arcount = Get16(msg + 10);

  // Question name: no compression is possible this early in the message.
  // First the structure (one step per label), then one 8-byte-at-a-time
  // lowercasing copy: length bytes are <= 63 and never look like 'A'..'Z'.
  size_t off = kHeaderSize;
  size_t n = 0;
  q->label_starts[0] = q->label_starts[1] = q->label_starts[2] = q->label_starts[3] = 0;
  q->label_count = 0;
  for (;;) {
    if (off >= len) return ParseStatus::kFormErr;
    uint8_t l = msg[off];
    if (l > kMaxLabelLen) return ParseStatus::kFormErr;
    if (n + 1 + l > kMaxNameLen || off + 1 + l > len) return ParseStatus::kFormErr;
    q->label_starts[n >> 6] |= uint64_t{1} << (n & 63);
    n += size_t{l} + 1;
    off += size_t{l} + 1;
    if (l == 0) break;
    ++q->label_count;
  }
  LowercaseCopy(msg + kHeaderSize, n, q->lower);
  if (off + 4 > len) return ParseStatus::kFormErr;
  q->qname = msg + kHeaderSize;
  q->qname_len = static_cast<uint16_t>(n);
  q->qtype = Get16(msg + off);
  q->qclass = Get16(msg + off + 2);
  off += 4;
  q->hash = HashName(q->lower, n);

  q->has_edns = false;
  q->edns_do = false;
  q->edns_version = 0;
  q->edns_udp_size = 0;
  RRHead rr;
  for (unsigned i = 0; i < ancount + nscount; ++i) {
    if (!ReadRRHead(msg, len, off, &rr)) return ParseStatus::kFormErr;
    off = rr.end;
  }
  for (unsigned i = 0; i < arcount; ++i) {
    if (!ReadRRHead(msg, len, off, &rr)) return ParseStatus::kFormErr;
    if (rr.type == type::kOPT) {
      if (q->has_edns || msg[rr.name_off] != 0) return ParseStatus::kFormErr;
      // Options must be well-formed TLVs filling rdata exactly.
      for (size_t o = rr.rdata_off; o < rr.end;) {
        if (o + 4 > rr.end) return ParseStatus::kFormErr;
        o += 4 + size_t{Get16(msg + o + 2)};
        if (o > rr.end) return ParseStatus::kFormErr;
      }
      q->has_edns = true;
      q->edns_udp_size = rr.klass;
      q->edns_version = static_cast<uint8_t>(rr.ttl >> 16);
      q->edns_do = (rr.ttl & kEdnsDoBit) != 0;
    }
    off = rr.end;
  }
  if (q->has_edns && q->edns_version != 0) return ParseStatus::kBadVers;
  return ParseStatus::kOk;
}

size_t WriteErrorHeader(uint16_t id, uint16_t req_flags, uint8_t rc, uint8_t* out) {
  Put16(out, id);
  uint16_t f = flag::kQR | (req_flags & (flag::kOpcodeMask | flag::kRD | flag::kCD)) | rc;
  Put16(out + 2, f);
  std::memset(out + 4, 0, 8);
  return kHeaderSize;
}

std::string DottedToWire(std::string_view dotted) {
  if (dotted == "." || dotted.empty()) return std::string(1, '\0');
  if (dotted.back() == '.') dotted.remove_suffix(1);
  std::string out;
  out.reserve(dotted.size() + 2);
  while (true) {
    size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelLen) return "";
    out.push_back(static_cast<char>(label.size()));
    for (char c : label)
      out.push_back(static_cast<char>(ToLowerAscii(static_cast<uint8_t>(c))));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  out.push_back('\0');
  if (out.size() > kMaxNameLen) return "";
  return out;
}

std::string WireToDotted(const uint8_t* wire, size_t len) {
  std::string out;
  size_t off = 0;
  while (off < len && wire[off] != 0) {
    uint8_t l = wire[off];
    if (!out.empty()) out.push_back('.');
    for (size_t i = 1; i <= l && off + i < len; ++i) {
      uint8_t c = wire[off + i];
      if (c > 32 && c < 127 && c != '.' && c != '\\') {
        out.push_back(static_cast<char>(c));
      } else {
        char esc[5];
        esc[0] = '\\';
        esc[1] = static_cast<char>('0' + c / 100);
        esc[2] = static_cast<char>('0' + c / 10 % 10);
        esc[3] = static_cast<char>('0' + c % 10);
        out.append(esc, 4);
      }
    }
    off += size_t{l} + 1;
  }
  return out.empty() ? "." : out;
}

std::string_view TypeName(uint16_t t) {
  switch (t) {
    case type::kA:
      return "A";
    case type::kNS:
      return "NS";
    case type::kCNAME:
      return "CNAME";
    case type::kSOA:
      return "SOA";
    case type::kPTR:
      return "PTR";
    case type::kMX:
      return "MX";
    case type::kTXT:
      return "TXT";
    case type::kAAAA:
      return "AAAA";
    case type::kSRV:
      return "SRV";
    case type::kIXFR:
      return "IXFR";
    case type::kAXFR:
      return "AXFR";
    case type::kANY:
      return "ANY";
    default:
      return "other";
  }
}

std::string_view RcodeName(uint16_t rc) {
  switch (rc) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    case 16:
      return "BADVERS";
    default:
      return "other";
  }
}

}  // namespace skiff::dns
