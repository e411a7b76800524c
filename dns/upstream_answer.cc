#include "dns/upstream_answer.h"

#include <algorithm>

namespace skiff::dns {
namespace {

uint32_t Remaining(uint32_t ttl, uint32_t age) {
  return ttl > age ? ttl - age : 0;
}

uint32_t AgeSeconds(const UpstreamAnswer& a, std::chrono::steady_clock::time_point now) {
  if (now <= a.fetched) return 0;
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - a.fetched).count());
}

// Re-encodes one name (following compression) uncompressed at out+pos.
bool CopyName(const UpstreamAnswer& a, size_t* off, uint8_t* out, size_t* pos, size_t limit) {
  uint8_t name[kMaxNameLen];
  size_t next = 0;
  size_t n = ReadName(a.msg.data(), a.msg.size(), *off, name, &next);
  if (n == 0 || *pos + n > limit) return false;
  std::memcpy(out + *pos, name, n);
  *pos += n;
  *off = next;
  return true;
}

// Copies one RR at *off uncompressed (owner and the names inside RDATA of
// the types that have them). Returns false when it does not fit.
bool CopyRR(const UpstreamAnswer& a, size_t* off, uint32_t age, uint8_t* out, size_t* pos,
            size_t limit) {
  const uint8_t* m = a.msg.data();
  if (!CopyName(a, off, out, pos, limit) || *pos + 10 > limit) return false;
  uint16_t t = Get16(m + *off);
  std::memcpy(out + *pos, m + *off, 10);
  Put32(out + *pos + 4, Remaining(Get32(m + *off + 4), age));
  size_t rdlen_at = *pos + 8;
  size_t rd = *off + 10, rd_end = rd + Get16(m + *off + 8);
  *pos += 10;
  size_t start = *pos;
  size_t fixed_before = 0, names = 0;
  switch (t) {
    case type::kCNAME:
    case type::kPTR:
    case type::kNS:
      names = 1;
      break;
    case type::kMX:
      fixed_before = 2;
      names = 1;
      break;
    case type::kSRV:
      fixed_before = 6;
      names = 1;
      break;
    case type::kSOA:
      names = 2;
      break;
    default:
      break;
  }
  if (names == 0) {
    if (*pos + (rd_end - rd) > limit) return false;
    std::memcpy(out + *pos, m + rd, rd_end - rd);
    *pos += rd_end - rd;
  } else {
    if (*pos + fixed_before > limit || rd + fixed_before > rd_end) return false;
    std::memcpy(out + *pos, m + rd, fixed_before);
    *pos += fixed_before;
    size_t o = rd + fixed_before;
    for (size_t i = 0; i < names; ++i) {
      if (!CopyName(a, &o, out, pos, limit)) return false;
    }
    if (o > rd_end || *pos + (rd_end - o) > limit) return false;
    std::memcpy(out + *pos, m + o, rd_end - o);  // SOA's 20 fixed bytes
    *pos += rd_end - o;
  }
  Put16(out + rdlen_at, static_cast<uint16_t>(*pos - start));
  *off = rd_end;
  return true;
}

size_t WriteOpt(const ClientView& c, uint8_t ext_rcode, uint8_t* p) {
  p[0] = 0;
  Put16(p + 1, type::kOPT);
  Put16(p + 3, c.our_udp_size);
  p[5] = ext_rcode;
  p[6] = 0;
  Put16(p + 7, c.edns_do ? kEdnsDoBit : 0);
  Put16(p + 9, 0);
  return 11;
}

size_t BuildTruncated(const ClientView& c, uint16_t flags, uint8_t* out) {
  Put16(out, c.id);
  Put16(out + 2, flags | flag::kTC);
  Put16(out + 4, 1);
  Put16(out + 6, 0);
  Put16(out + 8, 0);
  Put16(out + 10, c.has_edns ? 1 : 0);
  std::memcpy(out + kHeaderSize, c.question.data(), c.question.size());
  size_t n = kHeaderSize + c.question.size();
  if (c.has_edns) n += WriteOpt(c, 0, out + n);
  return n;
}

}  // namespace

Result<UpstreamAnswer> ParseUpstream(const uint8_t* msg, size_t len, std::string_view qname,
                                     uint16_t qtype, const CachePolicy& policy,
                                     std::chrono::steady_clock::time_point now) {
  auto bad = [](const char* why) { return InvalidArgument(std::string("upstream reply: ") + why); };
  if (len < kHeaderSize) return bad("shorter than a header");
  uint16_t flags = Get16(msg + 2);
  if (!(flags & flag::kQR)) return bad("not a response");
  if (Get16(msg + 4) != 1) return bad("question count is not 1");
  UpstreamAnswer a;
  a.msg.assign(msg, msg + len);
  a.rcode = flags & flag::kRcodeMask;
  a.ancount = Get16(msg + 6);
  a.nscount = Get16(msg + 8);
  const size_t arcount = Get16(msg + 10);
  a.fetched = now;
  size_t off = kHeaderSize;
  uint8_t name[kMaxNameLen];
  size_t next = 0;
  size_t n = ReadName(msg, len, off, name, &next);
  if (n == 0 || next + 4 > len) return bad("malformed question");
  if (next != kHeaderSize + n) return bad("compressed question");
  for (size_t i = 0; i < n; ++i)
    name[i] = ToLowerAscii(name[i]);
  if (std::string_view(reinterpret_cast<char*>(name), n) != qname || Get16(msg + next) != qtype) {
    return bad("question does not match the query");
  }
  off = next + 4;
  uint32_t min_answer_ttl = UINT32_MAX, soa_negative_ttl = UINT32_MAX;
  const size_t total = a.ancount + a.nscount + arcount;
  for (size_t i = 0; i < total; ++i) {
    size_t p = SkipName(msg, len, off);
    if (p == 0 || p + 10 > len) return bad("record runs past the end");
    uint16_t t = Get16(msg + p);
    uint32_t ttl = Get32(msg + p + 4);
    size_t end = p + 10 + Get16(msg + p + 8);
    if (end > len) return bad("record data runs past the end");
    if (t == type::kOPT && i >= a.ancount + a.nscount) {
      if (a.opt_len != 0) return bad("two OPT records");
      a.opt_off = off;
      a.opt_len = end - off;
      a.ext_rcode = static_cast<uint8_t>(ttl >> 24);
    } else {
      a.ttl_offsets.push_back(static_cast<uint32_t>(p + 4));
      if (i < a.ancount) min_answer_ttl = std::min(min_answer_ttl, ttl);
      if (t == type::kSOA && i >= a.ancount && i < a.ancount + a.nscount && end - 4 >= p + 10) {
        soa_negative_ttl = std::min(ttl, Get32(msg + end - 4));
      }
    }
    off = end;
  }
  const bool nodata = a.rcode == rcode::kNoError && a.ancount == 0;
  a.negative = a.rcode == rcode::kNXDomain || nodata;
  if (a.negative) {
    // RFC 2308: without an SOA there is no negative TTL; do not cache.
    a.cache_ttl =
        soa_negative_ttl == UINT32_MAX ? 0 : std::min(soa_negative_ttl, policy.negative_max_ttl);
  } else if (a.rcode == rcode::kNoError && !(flags & flag::kTC)) {
    a.cache_ttl =
        std::clamp(min_answer_ttl, policy.min_ttl, std::max(policy.min_ttl, policy.max_ttl));
  }
  return a;
}

size_t BuildErrorReply(const ClientView& c, uint8_t rc, uint8_t* out) {
  Put16(out, c.id);
  Put16(out + 2, flag::kQR | flag::kRA | (c.flags & (flag::kRD | flag::kCD)) | rc);
  Put16(out + 4, 1);
  Put16(out + 6, 0);
  Put16(out + 8, 0);
  Put16(out + 10, c.has_edns ? 1 : 0);
  std::memcpy(out + kHeaderSize, c.question.data(), c.question.size());
  size_t n = kHeaderSize + c.question.size();
  if (c.has_edns) n += WriteOpt(c, 0, out + n);
  return n;
}

size_t BuildForwardedReply(const UpstreamAnswer& a, const ClientView& c,
                           std::chrono::steady_clock::time_point now, std::string_view prefix,
                           uint16_t prefix_count, uint8_t* out) {
  const uint32_t age = AgeSeconds(a, now);
  const size_t opt = c.has_edns ? 11 : 0;
  const size_t limit = c.limit - opt;
  const uint8_t* m = a.msg.data();
  const size_t qend = kHeaderSize + c.question.size();
  uint16_t flags =
      (Get16(m + 2) & ~(flag::kRD | flag::kCD | flag::kTC)) | (c.flags & (flag::kRD | flag::kCD));
  size_t pos = 0;
  uint16_t an = 0, ns = 0, ar = 0;
  bool fits = true;

  if (prefix.empty()) {
    // Fast path: the upstream bytes as they are, minus its OPT, with the
    // client's question (same length: same name up to case).
    const size_t up_q_end = qend;  // upstream question has the same length
    size_t body = a.msg.size() - up_q_end - a.opt_len;
    if (up_q_end > a.msg.size() || qend + body > limit) {
      fits = false;
    } else {
      std::memcpy(out, m, kHeaderSize);
      std::memcpy(out + kHeaderSize, c.question.data(), c.question.size());
      pos = qend;
      if (a.opt_len == 0) {
        std::memcpy(out + pos, m + up_q_end, body);
      } else {
        size_t before = a.opt_off - up_q_end;
        std::memcpy(out + pos, m + up_q_end, before);
        std::memcpy(out + pos + before, m + a.opt_off + a.opt_len,
                    a.msg.size() - a.opt_off - a.opt_len);
      }
      for (uint32_t t : a.ttl_offsets) {
        size_t at = t > a.opt_off && a.opt_len ? t - a.opt_len : t;
        Put32(out + at, Remaining(Get32(m + t), age));
      }
      pos += body;
      an = a.ancount;
      ns = a.nscount;
      ar = static_cast<uint16_t>(Get16(m + 10) - (a.opt_len ? 1 : 0));
    }
  } else {
    // CNAME chase: our RRs first, then the upstream answer and authority
    // re-encoded (their compression pointers referred to the upstream's
    // message layout).
    std::memcpy(out + kHeaderSize, c.question.data(), c.question.size());
    pos = qend;
    if (pos + prefix.size() > limit) {
      fits = false;
    } else {
      std::memcpy(out + pos, prefix.data(), prefix.size());
      pos += prefix.size();
      an = prefix_count;
      size_t off = SkipName(m, a.msg.size(), kHeaderSize) + 4;
      for (uint16_t i = 0; i < a.ancount + a.nscount && fits; ++i) {
        fits = CopyRR(a, &off, age, out, &pos, limit);
        if (fits) (i < a.ancount ? an : ns)++;
      }
    }
    flags |= flag::kAA;  // AA describes the owner of the first answer: ours
  }
  if (!fits) return BuildTruncated(c, flags, out);
  Put16(out, c.id);
  Put16(out + 2, flags);
  Put16(out + 4, 1);
  Put16(out + 6, an);
  Put16(out + 8, ns);
  Put16(out + 10, static_cast<uint16_t>(ar + (c.has_edns ? 1 : 0)));
  if (c.has_edns) pos += WriteOpt(c, a.ext_rcode, out + pos);
  return pos;
}

std::vector<uint8_t> MakeUpstreamQuery(std::string_view qname, uint16_t qtype, uint16_t qclass,
                                       bool cd, bool edns_do, uint16_t id) {
  std::vector<uint8_t> m(kHeaderSize + qname.size() + 4 + 11, 0);
  Put16(m.data(), id);
  Put16(m.data() + 2, flag::kRD | (cd ? flag::kCD : 0));
  Put16(m.data() + 4, 1);
  Put16(m.data() + 10, 1);
  std::memcpy(m.data() + kHeaderSize, qname.data(), qname.size());
  uint8_t* p = m.data() + kHeaderSize + qname.size();
  Put16(p, qtype);
  Put16(p + 2, qclass);
  p += 4;
  Put16(p + 1, type::kOPT);
  Put16(p + 3, 1232);
  Put16(p + 7, edns_do ? kEdnsDoBit : 0);
  return m;
}

size_t CacheKey(const uint8_t* lower, size_t len, uint16_t qtype, uint16_t qclass, bool do_bit,
                bool cd_bit, uint8_t* out) {
  std::memcpy(out, lower, len);
  Put16(out + len, qtype);
  Put16(out + len + 2, qclass);
  out[len + 4] = static_cast<uint8_t>((do_bit ? 1 : 0) | (cd_bit ? 2 : 0));
  return len + 5;
}

}  // namespace skiff::dns
