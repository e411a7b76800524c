#include "dns/responder.h"

#include <arpa/inet.h>

#include <algorithm>

namespace skiff::dns {

// Appends RRs to the response while they fit under `limit` (which already
// excludes the OPT record we owe an EDNS client).
struct Responder::Writer {
  uint8_t* out;
  size_t pos;
  size_t limit;
  uint16_t an = 0, ns = 0, ar = 0;
  bool tc = false;

  // Copies one prebuilt RR; a non-zero `owner_ptr` replaces its 2-byte owner.
  bool PutRR(const uint8_t* rr, size_t n, uint16_t owner_ptr) {
    if (pos + n > limit) return false;
    std::memcpy(out + pos, rr, n);
    if (owner_ptr) Put16(out + pos, static_cast<uint16_t>(0xC000 | owner_ptr));
    pos += n;
    return true;
  }
  // Writes the answer RRs of `r` starting at RR `first` (rotation). Sets TC
  // and stops at the first RR that does not fit. Returns the absolute offset
  // of each written RR's start via `starts` when non-null (first RR only).
  bool PutAnswers(const Zone& z, const Zone::RRSet& r, uint32_t first, uint16_t owner_ptr,
                  size_t* first_start) {
    const uint8_t* data = z.blob() + r.data_off;
    const uint32_t* ends = z.rr_ends() + r.ends_off;
    for (uint32_t i = 0; i < r.count; ++i) {
      uint32_t k = (first + i) % r.count;
      uint32_t b = k == 0 ? 0 : ends[k - 1];
      if (first_start && i == 0) *first_start = pos;
      if (!PutRR(data + b, ends[k] - b, owner_ptr)) {
        tc = true;
        return false;
      }
      ++an;
    }
    return true;
  }
  void PutAdditional(const Zone& z, const Zone::RRSet& r) {
    const uint8_t* data = z.blob() + r.add_off;
    const uint32_t* ends = z.rr_ends() + r.add_ends_off;
    for (uint32_t k = 0; k < r.add_count; ++k) {
      uint32_t b = k == 0 ? 0 : ends[k - 1];
      if (!PutRR(data + b, ends[k] - b, 0)) return;  // glue is optional: no TC
      ++ar;
    }
  }
  void PutSoa(const Zone::Apex& a, uint16_t owner_off) {
    if (pos + 2 + a.soa_tail.size() > limit) {
      tc = true;
      return;
    }
    Put16(out + pos, static_cast<uint16_t>(0xC000 | owner_off));
    std::memcpy(out + pos + 2, a.soa_tail.data(), a.soa_tail.size());
    pos += 2 + a.soa_tail.size();
    ++ns;
  }
};

Responder::Responder(ResponderConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.max_udp_size < kMinUdpPayload) cfg_.max_udp_size = kMinUdpPayload;
  pod_suffix_ = std::string("\3pod", 4) + cfg_.zone;
  for (size_t off = 0; off < cfg_.zone.size() && cfg_.zone[off] != 0;
       off += static_cast<uint8_t>(cfg_.zone[off]) + 1) {
    ++zone_labels_;
  }
}

size_t Responder::UdpLimit(const Query& q) const {
  if (!q.has_edns) return kMinUdpPayload;
  return std::clamp<size_t>(q.edns_udp_size, kMinUdpPayload, cfg_.max_udp_size);
}

size_t Responder::WriteOpt(const Query& q, uint16_t rc, uint8_t* p) const {
  p[0] = 0;
  Put16(p + 1, type::kOPT);
  Put16(p + 3, cfg_.max_udp_size);
  p[5] = static_cast<uint8_t>(rc >> 4);  // extended rcode, upper 8 bits
  p[6] = 0;                              // version
  Put16(p + 7, q.edns_do ? kEdnsDoBit : 0);
  Put16(p + 9, 0);
  return 11;
}

size_t ParseDashedIp(const uint8_t* label, size_t len, uint8_t* out) {
  if (len == 0 || len > 39) return 0;
  char text[40];
  bool v6 = false;
  for (size_t i = 0; i < len; ++i) {
    char c = static_cast<char>(ToLowerAscii(label[i]));
    if (c == '-') {
      text[i] = '.';
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      if (c >= 'a') v6 = true;
      text[i] = c;
    } else {
      return 0;
    }
  }
  text[len] = 0;
  // Four dashed decimals make an IPv4 address; anything else is tried as
  // IPv6 with dashes standing for colons ("fd00--1").
  size_t dots = std::count(text, text + len, '.');
  if (!v6 && dots == 3) {
    for (const char* p = text; *p;) {  // inet_pton accepts no leading zeros; so do we
      if (p[0] == '0' && p[1] >= '0' && p[1] <= '9') return 0;
      while (*p && *p != '.')
        ++p;
      if (*p) ++p;
    }
    return inet_pton(AF_INET, text, out) == 1 ? 4 : 0;
  }
  std::replace(text, text + len, '.', ':');
  return inet_pton(AF_INET6, text, out) == 1 ? 16 : 0;
}

bool Responder::AnswerPod(const Query& q, Writer& w) const {
  // <dashed-ip>.<ns>.pod.<zone>: exactly two labels above "pod.<zone>".
  if (q.label_count != zone_labels_ + 3 || pod_suffix_.size() > q.qname_len) return false;
  size_t start = q.qname_len - pod_suffix_.size();
  if (std::memcmp(q.lower + start, pod_suffix_.data(), pod_suffix_.size()) != 0) return false;
  uint8_t ip[16];
  size_t n = ParseDashedIp(q.lower + 1, q.lower[0], ip);
  if (n == 0) return false;
  uint16_t want = n == 4 ? type::kA : type::kAAAA;
  if (q.qtype != want && q.qtype != type::kANY) return true;  // NODATA
  uint8_t rr[12 + 16];
  Put16(rr, 0xC000 | kHeaderSize);
  Put16(rr + 2, want);
  Put16(rr + 4, cls::kIN);
  Put32(rr + 6, cfg_.ttl);
  Put16(rr + 10, static_cast<uint16_t>(n));
  std::memcpy(rr + 12, ip, n);
  if (w.PutRR(rr, 12 + n, 0)) {
    ++w.an;
  } else {
    w.tc = true;
  }
  return true;
}

Outcome Responder::Handle(const uint8_t* req, size_t len, bool tcp, const Zone& zone, bool synced,
                          uint32_t rotation, Query* q, uint8_t* out) const {
  return HandleParsed(req, tcp, zone, synced, rotation, ParseQuery(req, len, q), q, out);
}

Outcome Responder::HandleParsed(const uint8_t* req, bool tcp, const Zone& zone, bool synced,
                                uint32_t rotation, ParseStatus parsed, Query* q,
                                uint8_t* out) const {
  Outcome o;
  switch (parsed) {
    case ParseStatus::kDrop:
      return o;
    case ParseStatus::kFormErr:
      o.kind = Outcome::kReply;
      o.rcode = rcode::kFormErr;
      o.len = WriteErrorHeader(q->id, q->flags, rcode::kFormErr, out);
      return o;
    case ParseStatus::kNotImp:
      o.kind = Outcome::kReply;
      o.rcode = rcode::kNotImp;
      o.len = WriteErrorHeader(q->id, q->flags, rcode::kNotImp, out);
      return o;
    case ParseStatus::kBadVers:
      o.kind = Outcome::kReply;
      o.rcode = rcode::kBadVers;
      o.len = WriteErrorHeader(q->id, q->flags, 0, out);
      Put16(out + 10, 1);
      o.len += WriteOpt(*q, rcode::kBadVers, out + o.len);
      return o;
    case ParseStatus::kOk:
      break;
  }

  const size_t limit = tcp ? kMaxTcpMessage : UdpLimit(*q);
  const size_t opt_len = q->has_edns ? 11 : 0;
  Writer w{out, kHeaderSize + q->question_len(), limit - opt_len};
  std::memcpy(out + kHeaderSize, req + kHeaderSize, q->question_len());
  uint16_t rc = rcode::kNoError;
  bool aa = false;

  auto finish = [&]() {
    Put16(out, q->id);
    uint16_t f = flag::kQR | (q->flags & flag::kRD) | flag::kRA | (rc & flag::kRcodeMask);
    if (aa) f |= flag::kAA;
    if (w.tc) f |= flag::kTC;
    Put16(out + 2, f);
    Put16(out + 4, 1);
    Put16(out + 6, w.an);
    Put16(out + 8, w.ns);
    Put16(out + 10, static_cast<uint16_t>(w.ar + (q->has_edns ? 1 : 0)));
    size_t n = w.pos;
    if (q->has_edns) n += WriteOpt(*q, rc, out + n);
    o.kind = Outcome::kReply;
    o.rcode = rc;
    o.truncated = w.tc;
    o.authoritative = aa;
    o.len = n;
    return o;
  };

  if (q->qtype == type::kOPT) {
    rc = rcode::kFormErr;
    return finish();
  }
  if (q->qtype == type::kAXFR || q->qtype == type::kIXFR || q->qtype == type::kMAILA ||
      q->qtype == type::kMAILB) {
    rc = rcode::kNotImp;
    return finish();
  }
  if (q->qclass != cls::kIN && q->qclass != cls::kANY) {
    rc = rcode::kRefused;  // we neither serve nor forward other classes
    return finish();
  }

  const int apex_index = zone.FindApex(*q);
  if (apex_index < 0) {
    o.kind = Outcome::kForward;
    return o;
  }
  const Zone::Apex& apex = zone.apexes()[apex_index];
  if (!synced && apex.authoritative) {
    rc = rcode::kServFail;
    return finish();
  }
  const uint16_t apex_off = static_cast<uint16_t>(kHeaderSize + q->qname_len - apex.name.size());
  const Zone::NodeRef ref = zone.Lookup(q->lower, q->qname_len, q->hash);
  if (!ref) {
    if (apex.authoritative && apex_index == 0 && cfg_.pod_mode == PodMode::kInsecure &&
        AnswerPod(*q, w)) {
      aa = true;
      if (w.an == 0 && !w.tc) w.PutSoa(apex, apex_off);
      return finish();
    }
    if (!apex.authoritative) {
      o.kind = Outcome::kForward;
      return o;
    }
    aa = true;
    rc = rcode::kNXDomain;
    w.PutSoa(apex, apex_off);
    return finish();
  }

  const Zone& nz = *ref.zone;  // the layer holding this name's records
  const Zone::Node* node = ref.node;
  if (q->qtype == type::kANY) {
    aa = true;
    for (uint32_t i = 0; i < node->rrset_count && !w.tc; ++i) {
      w.PutAnswers(nz, nz.rrsets()[node->rrset_begin + i], 0, 0, nullptr);
    }
    if (w.an == 0 && !w.tc) {
      if (!apex.authoritative) {
        o.kind = Outcome::kForward;
        return o;
      }
      w.PutSoa(apex, apex_off);
    }
    return finish();
  }

  if (const Zone::RRSet* r = nz.FindRRSet(*node, q->qtype)) {
    aa = true;
    uint32_t first = r->rotate ? rotation % r->count : 0;
    if (w.PutAnswers(nz, *r, first, 0, nullptr)) w.PutAdditional(nz, *r);
    return finish();
  }

  const Zone::RRSet* cname = nz.FindRRSet(*node, type::kCNAME);
  if (cname == nullptr) {
    if (!apex.authoritative) {
      o.kind = Outcome::kForward;
      return o;
    }
    aa = true;
    w.PutSoa(apex, apex_off);  // NODATA
    return finish();
  }

  // CNAME (ExternalName): follow the chain inside our zones; hand the rest
  // to the forwarder with what we have so far as the answer prefix.
  aa = true;
  const Zone::RRSet* link = cname;
  const Zone* link_zone = &nz;
  uint16_t owner_ptr = 0;
  for (int hops = 0; hops < 8; ++hops) {
    size_t rr_start = 0;
    if (!w.PutAnswers(*link_zone, *link, 0, owner_ptr, &rr_start)) return finish();
    const uint8_t* target = link_zone->blob() + link->data_off + 12;
    const size_t target_len = link->data_len - 12;
    const size_t target_off = rr_start + 12;
    int t_apex = zone.FindApexOf(target, target_len);
    const Zone::NodeRef t = t_apex < 0
                                ? Zone::NodeRef{}
                                : zone.Lookup(target, target_len, HashName(target, target_len));
    const bool t_auth = t_apex >= 0 && zone.apexes()[t_apex].authoritative;
    if (!t && !t_auth) {
      o.kind = Outcome::kForward;
      o.chase_name = target;
      o.chase_len = static_cast<uint16_t>(target_len);
      o.prefix_off = kHeaderSize + q->question_len();
      o.prefix_len = w.pos - o.prefix_off;
      o.prefix_count = w.an;
      return o;
    }
    if (target_off > 0x3FFF) return finish();  // cannot point at it; stop the chain here
    owner_ptr = static_cast<uint16_t>(target_off);
    if (!t) {
      rc = rcode::kNXDomain;  // RFC 6604: the rcode describes the last name
      return finish();
    }
    if (const Zone::RRSet* r = t.zone->FindRRSet(*t.node, q->qtype)) {
      w.PutAnswers(*t.zone, *r, r->rotate ? rotation % r->count : 0, owner_ptr, nullptr);
      return finish();
    }
    link = t.zone->FindRRSet(*t.node, type::kCNAME);
    link_zone = t.zone;
    if (link == nullptr) return finish();  // NODATA at the target
  }
  return finish();
}

}  // namespace skiff::dns
