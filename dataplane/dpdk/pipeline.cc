#include "dataplane/dpdk/pipeline.h"

#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/dpdk/checksum.h"
#include "dataplane/dpdk/replies.h"
#include "dataplane/dpdk/rewrite.h"
#include "skiff_hash.h"

namespace skiff::dataplane::dpdk {
namespace {

// Keys and checksum words are assembled in native order for a little-endian
// host (x86-64, arm64).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian hosts only");

constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17;

inline uint16_t Be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline void PutBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint16_t Swap16(uint16_t v) {
  return static_cast<uint16_t>(v >> 8 | v << 8);
}
inline size_t AddrLen(uint8_t family) {
  return family == kFamily4 ? 4 : 16;
}
inline const uint8_t* Src(const Parsed& p) {
  return p.l3 + (p.family == kFamily4 ? 12 : 8);
}
inline const uint8_t* Dst(const Parsed& p) {
  return p.l3 + (p.family == kFamily4 ? 16 : 24);
}
inline uint32_t Gen32(uint64_t generation) {
  uint32_t g = static_cast<uint32_t>(generation);
  return g ? g : 1;  // 0 marks "never resolved" in a fresh flow
}

const uint8_t kZeroAddr[16] = {};

}  // namespace

// Per-packet state. Deliberately without initialisers: Process() sets the
// fields it uses for each of the n packets, not for all kMaxBurst slots.
struct Pipeline::Ctx {
  rte_mbuf* m;
  uint8_t* frame;
  Parsed p;
  int port;  // index of the port it came in on
  int32_t pos;
  FlowTable* ft;
  alignas(8) uint8_t key[sizeof(FlowKey6)];
};

void PipelineOutput::Clear() {
  std::memset(n_tx, 0, sizeof(n_tx));
  n_exception = n_handoff = n_learned = 0;
}

Pipeline::Pipeline(const PipelineConfig& cfg, FlowTable* flows4, FlowTable* flows6,
                   AffinityTable* affinity, CounterBlock* counters)
    : cfg_(cfg),
      flows_{flows4, flows6},
      affinity_(affinity),
      counters_(counters),
      wc_(&counters->worker()) {
  if (cfg_.workers == 0) cfg_.workers = 1;
  uint32_t range = cfg_.snat_hi >= cfg_.snat_lo ? cfg_.snat_hi - cfg_.snat_lo + 1u : 1u;
  snat_per_worker_ = std::max<uint32_t>(1, range / cfg_.workers);
  icmp_tokens_ = std::max<uint32_t>(1, cfg_.icmp_rate);
}

void Pipeline::Process(const Snapshot& snap, rte_mbuf** pkts, uint16_t n, uint32_t now_ms,
                       PipelineOutput* out) {
  now_ms_ = now_ms;
  created_in_burst_ = false;
  if (n > kMaxBurst) n = kMaxBurst;
  Ctx ctx[kMaxBurst];
  const void* keys[2][kMaxBurst];
  uint16_t idx[2][kMaxBurst];
  uint32_t nk[2] = {0, 0};
  uint64_t bytes = 0;
  const NetTables& net = *snap.net;

  for (uint16_t i = 0; i < n; ++i) {
    Ctx& c = ctx[i];
    rte_mbuf* m = pkts[i];
    c.m = m;
    c.frame = nullptr;
    c.pos = -1;
    c.ft = nullptr;
    bytes += m->pkt_len;
    c.port = net.PortIndex(m->port);
    if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
      c.p.kind = Kind::kBad;
      c.p.bad = BadClass::kTruncated;
      continue;
    }
    c.frame = rte_pktmbuf_mtod(m, uint8_t*);
    if (!ParseFrame(c.frame, m->data_len, &c.p) || c.p.kind != Kind::kL4) continue;
    int f = c.p.family == kFamily4 ? 0 : 1;
    c.ft = flows_[f];
    // The key (FlowKey4/FlowKey6 layout) is written in whole words straight
    // from the packet: rte_hash reads it back in 8-byte words at once, and
    // narrower stores there would stall store forwarding.
    uint32_t ports;
    std::memcpy(&ports, c.p.l4, 4);
    const uint64_t tail = ports | uint64_t{c.p.proto} << 32;
    if (f == 0) {
      std::memcpy(c.key, c.p.l3 + 12, 8);  // saddr, daddr
      std::memcpy(c.key + 8, &tail, 8);    // sport, dport, proto, pad
    } else {
      std::memcpy(c.key, c.p.l3 + 8, 32);
      std::memcpy(c.key + 32, &tail, 8);
    }
    keys[f][nk[f]] = c.key;
    idx[f][nk[f]++] = i;
  }
  Bump(wc_->rx_packets, n);
  Bump(wc_->rx_bytes, bytes);

  for (int f = 0; f < 2; ++f) {
    if (!nk[f]) continue;
    int32_t pos[kMaxBurst];
    flows_[f]->LookupBulk(keys[f], nk[f], pos);
    // (Prefetching the flow entries here measured slower, also with 64k
    // flows: the entries are read right after anyway.)
    for (uint32_t j = 0; j < nk[f]; ++j)
      ctx[idx[f][j]].pos = pos[j];
  }
  for (uint16_t i = 0; i < n; ++i)
    Handle(snap, ctx[i], out);
}

void Pipeline::Handle(const Snapshot& snap, Ctx& c, PipelineOutput* out) {
  rte_mbuf* m = c.m;
  if (c.port < 0) {
    DropPkt(m, Drop::kOtherHost);  // not one of our ports (cannot happen from the runtime)
    return;
  }
  if (c.p.kind == Kind::kBad && (c.p.bad == BadClass::kRunt || !c.frame)) {
    Bad(c, c.p.bad, out);
    return;
  }
  const PortInfo& in = snap.net->ports()[c.port];
  if (std::memcmp(c.frame, in.mac, 6) != 0 && !(c.frame[0] & 1)) {
    DropPkt(m, Drop::kOtherHost);
    return;
  }
  if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
      (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
    DropPkt(m, Drop::kHwChecksum);
    return;
  }
  switch (c.p.kind) {
    case Kind::kBad:
      Bad(c, c.p.bad, out);
      return;
    case Kind::kArp:
      HandleArp(snap, c, out);
      return;
    case Kind::kIcmp:
      HandleIcmp(snap, c, out);
      return;
    case Kind::kL4:
      HandleL4(snap, c, out);
      return;
    case Kind::kOther:
      Bad(c, BadClass::kNotService, out);
      return;
  }
}

void Pipeline::HandleL4(const Snapshot& snap, Ctx& c, PipelineOutput* out) {
  FlowTable* ft = c.ft;
  if (c.pos < 0 && created_in_burst_) c.pos = ft->Lookup(c.key);  // same new flow twice
  if (c.pos >= 0) {
    Flow& f = ft->at(c.pos);
    if (f.kind == FlowKind::kReply) {
      Bump(wc_->flow_hits);
      Reply(snap, c, f, out);
      return;
    }
    bool syn = (c.p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
    if (!(syn && (f.flags & kFlowClosing) && c.p.proto == kProtoTcp)) {
      Bump(wc_->flow_hits);
      Forward(snap, c, f, out);
      return;
    }
    ft->Remove(c.pos);  // a new connection reusing a closed flow's tuple
    c.pos = -1;
  }

  const uint8_t* daddr = Dst(c.p);
  const NetTables& net = *snap.net;
  int self = net.SelfPort(daddr, c.p.family);
  if (self >= 0 && cfg_.mode == ForwardingMode::kNat) {
    uint16_t dport = Swap16(c.p.dport_be);
    if (dport >= cfg_.snat_lo && dport <= cfg_.snat_hi) {
      uint16_t owner = SnatOwner(dport);
      if (owner != cfg_.worker) {
        out->handoff[out->n_handoff] = c.m;
        out->handoff_to[out->n_handoff++] = owner;
        Bump(wc_->handoff_out);
        return;
      }
    }
  }
  const ServiceTables& svc = *snap.services;
  const FrontendEntry* fe = svc.Find(daddr, c.p.family, c.p.dport_be, c.p.proto);
  if (!fe && self >= 0) fe = svc.Find(kZeroAddr, c.p.family, c.p.dport_be, c.p.proto);
  if (!fe) {
    Bad(c, BadClass::kNotService, out);
    return;
  }
  if (!fe->set) {
    Reject(snap, c, *fe, out);
    return;
  }
  NewFlow(snap, c, *fe, out);
}

bool Pipeline::NewFlow(const Snapshot& snap, Ctx& c, const FrontendEntry& fe, PipelineOutput* out) {
  const uint8_t* saddr = Src(c.p);
  const uint8_t* daddr = Dst(c.p);
  const uint8_t family = c.p.family;
  uint32_t s[4] = {0, 0, 0, 0}, d[4] = {0, 0, 0, 0};
  std::memcpy(s, saddr, AddrLen(family));
  std::memcpy(d, daddr, AddrLen(family));
  uint32_t hash = skiff_flow_hash(s, d, c.p.sport_be, c.p.dport_be, c.p.proto);

  const BackendRef* be = nullptr;
  const bool sticky = (fe.flags & kSvcAffinity) && affinity_;
  const uint32_t now_s = now_ms_ / 1000;
  if (sticky) {
    uint32_t id = affinity_->Get(saddr, family, fe.svc_id, now_s, fe.affinity_timeout_s);
    if (id) be = fe.set->FindActive(id);
  }
  if (!be) be = fe.set->Pick(hash);
  if (!be || be->family != family) {
    Reject(snap, c, fe, out);
    return false;
  }
  if (sticky) affinity_->Put(saddr, family, fe.svc_id, be->backend_id, now_s);

  FlowTable* ft = c.ft;
  int32_t pos = ft->Add(c.key);
  Flow stateless;
  Flow* f = &stateless;
  if (pos >= 0) {
    created_in_burst_ = true;
    f = &ft->at(pos);
  } else if (cfg_.mode == ForwardingMode::kNat) {
    DropPkt(c.m, Drop::kFlowTableFull);
    return false;
  } else {
    Bump(wc_->stateless);  // DSR: Maglev keeps the choice stable without state
  }
  f->kind = FlowKind::kForward;
  f->proto = c.p.proto;
  f->svc_id = fe.svc_id;
  f->backend_id = be->backend_id;
  f->addr = be->addr;
  f->port_be = be->port_be;
  f->last_ms = now_ms_;
  f->gen = 0;

  if (cfg_.mode == ForwardingMode::kNat) {
    uint16_t out_port;
    RawAddr hop;
    const NetTables& net = *snap.net;
    const std::optional<RawAddr>* snat = nullptr;
    if (net.Route(be->addr.b, family, &out_port, &hop)) {
      const PortInfo& op = net.ports()[out_port];
      snat = family == kFamily4 ? &op.addr4 : &op.addr6;
    }
    if (!snat || !*snat) {
      ft->Remove(pos);
      DropPkt(c.m, Drop::kNoRoute);
      return false;
    }
    f->addr2 = **snat;
    int32_t rpos = -1;
    uint16_t sport = 0;
    alignas(8) uint8_t rk[sizeof(FlowKey6)];
    for (uint32_t k = 0; k < 16 && k < snat_per_worker_; ++k) {
      uint32_t j = (hash + k) % snat_per_worker_;
      uint32_t port = cfg_.snat_lo + j * cfg_.workers + cfg_.worker;
      if (port > cfg_.snat_hi) continue;
      f->port2_be = Swap16(static_cast<uint16_t>(port));
      ft->ReplyKey(c.key, *f, rk);
      if (ft->Lookup(rk) >= 0) continue;
      rpos = ft->Add(rk);
      sport = static_cast<uint16_t>(port);
      break;
    }
    if (rpos < 0) {
      ft->Remove(pos);
      DropPkt(c.m, sport ? Drop::kFlowTableFull : Drop::kSnatExhausted);
      return false;
    }
    f = &ft->at(pos);
    f->flags |= kFlowSnat;
    Flow& r = ft->at(rpos);
    r.kind = FlowKind::kReply;
    r.proto = c.p.proto;
    r.svc_id = fe.svc_id;
    r.backend_id = be->backend_id;
    r.gen = static_cast<uint32_t>(pos);
    r.addr = RawAddr{};
    std::memcpy(r.addr.b, daddr, AddrLen(family));
    r.port_be = c.p.dport_be;
    r.addr2 = RawAddr{};
    std::memcpy(r.addr2.b, saddr, AddrLen(family));
    r.port2_be = c.p.sport_be;
    std::memcpy(r.mac, c.frame + 6, 6);  // the client's hop: answer the way it came
    r.out_port = static_cast<uint8_t>(c.port);
    r.last_ms = now_ms_;
  }
  Bump(wc_->new_flows);
  CountService(fe.svc_id, be->backend_id, 0, true);
  Forward(snap, c, *f, out);
  return true;
}

namespace {

void SetEth(uint8_t* eth, const uint8_t* dst, const uint8_t* src) {
  std::memcpy(eth, dst, 6);
  std::memcpy(eth + 6, src, 6);
}

}  // namespace

void Pipeline::Forward(const Snapshot& snap, Ctx& c, Flow& f, PipelineOutput* out) {
  f.last_ms = now_ms_;
  if (c.p.tcp_flags & (kTcpFin | kTcpRst)) f.flags |= kFlowClosing;
  const NetTables& net = *snap.net;
  const uint32_t gen = Gen32(snap.generation);
  if (f.gen != gen) {
    NextHop nh;
    if (!net.Resolve(f.addr.b, c.p.family, &nh)) {
      DropPkt(c.m, Drop::kNoRoute);
      return;
    }
    std::memcpy(f.mac, nh.mac, 6);
    f.out_port = static_cast<uint8_t>(nh.port);
    f.gen = gen;
  }
  const PortInfo& outp = net.ports()[f.out_port];
  rte_mbuf* m = c.m;
  CountService(f.svc_id, f.backend_id, m->pkt_len, false);

  if (cfg_.mode == ForwardingMode::kNat) {
    RewriteL4(m, c.p, f.addr2.b, f.port2_be, f.addr.b, f.port_be, outp);
    SetEth(c.frame, f.mac, outp.mac);
    Emit(m, f.out_port, out);
    return;
  }

  // DSR: encapsulate the client's packet unchanged.
  const bool v4 = c.p.family == kFamily4;
  const uint16_t olen = v4 ? 20 : 40;
  const uint32_t inner = c.p.l3_len;
  const std::optional<RawAddr>& src = v4 ? outp.addr4 : outp.addr6;
  if (!src) {
    DropPkt(m, Drop::kNoRoute);
    return;
  }
  if (inner + olen > outp.mtu) {
    TooBig(snap, c, static_cast<uint32_t>(outp.mtu) - olen, out);
    return;
  }
  if (m->pkt_len > kEthHdr + inner)
    rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - kEthHdr - inner));
  uint8_t* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, olen));
  if (!eth) {
    DropPkt(m, Drop::kTooBig);
    return;
  }
  uint8_t* ip = eth + kEthHdr;
  const uint8_t* in_ip = ip + olen;
  SetEth(eth, f.mac, outp.mac);
  PutBe16(eth + 12, v4 ? 0x0800 : 0x86dd);
  if (v4) {
    // Keep the client's DSCP/ECN.
    WriteOuterIpv4(ip, in_ip[1], static_cast<uint16_t>(inner + 20), src->b, f.addr.b,
                   outp.tx_ipv4_cksum);
    if (outp.tx_ipv4_cksum) {
      m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
      m->l2_len = kEthHdr;
      m->l3_len = 20;
    }
  } else {
    uint32_t tc = (uint32_t{in_ip[0]} << 24 | uint32_t{in_ip[1]} << 16) & 0x0ff00000u;
    uint32_t vtc = (6u << 28) | tc;
    ip[0] = static_cast<uint8_t>(vtc >> 24);
    ip[1] = static_cast<uint8_t>(vtc >> 16);
    ip[2] = ip[3] = 0;
    PutBe16(ip + 4, static_cast<uint16_t>(inner));
    ip[6] = 41;  // IPv6-in-IPv6
    ip[7] = 64;
    std::memcpy(ip + 8, src->b, 16);
    std::memcpy(ip + 24, f.addr.b, 16);
  }
  Emit(m, f.out_port, out);
}

void Pipeline::Reply(const Snapshot& snap, Ctx& c, Flow& f, PipelineOutput* out) {
  f.last_ms = now_ms_;
  Flow& fwd = c.ft->at(static_cast<int32_t>(f.gen));
  if (fwd.kind == FlowKind::kForward) {
    fwd.last_ms = now_ms_;
    if (c.p.tcp_flags & (kTcpFin | kTcpRst)) fwd.flags |= kFlowClosing;
  }
  const NetTables& net = *snap.net;
  if (f.out_port >= net.ports().size()) {
    DropPkt(c.m, Drop::kNoRoute);
    return;
  }
  const PortInfo& outp = net.ports()[f.out_port];
  CountService(f.svc_id, f.backend_id, c.m->pkt_len, false);
  RewriteL4(c.m, c.p, f.addr.b, f.port_be, f.addr2.b, f.port2_be, outp);
  SetEth(c.frame, f.mac, outp.mac);
  Emit(c.m, f.out_port, out);
}

void Pipeline::Reject(const Snapshot& snap, Ctx& c, const FrontendEntry& fe, PipelineOutput* out) {
  (void)snap;
  if (IdCounters* s = counters_->service(fe.svc_id)) Bump(s->rejects);
  if (!IcmpToken()) {
    DropPkt(c.m, Drop::kIcmpRateLimited);
    return;
  }
  if (c.p.proto == kProtoTcp) {
    if (!MakeTcpReset(c.m, c.p)) {
      DropPkt(c.m, Drop::kRejected);
      return;
    }
    Bump(wc_->resets);
  } else {
    uint8_t type = c.p.family == kFamily4 ? 3 : 1;
    uint8_t code = c.p.family == kFamily4 ? 3 : 4;  // port unreachable
    uint8_t vip[16];
    std::memcpy(vip, Dst(c.p), AddrLen(c.p.family));
    MakeIcmpError(c.m, c.p, type, code, 0, vip);
    Bump(wc_->icmp_errors);
  }
  Emit(c.m, static_cast<uint16_t>(c.port), out);
}

void Pipeline::TooBig(const Snapshot& snap, Ctx& c, uint32_t mtu, PipelineOutput* out) {
  (void)snap;
  const bool v4 = c.p.family == kFamily4;
  // IPv4 without DF allows fragmentation, which the tunnel does not do:
  // no ICMP then, as for a suppressed one.
  if ((v4 && !(Be16(c.p.l3 + 6) & 0x4000)) || !IcmpToken()) {
    DropPkt(c.m, Drop::kTooBig);
    return;
  }
  Bump(wc_->drops[static_cast<int>(Drop::kTooBig)]);
  uint8_t vip[16];
  std::memcpy(vip, Dst(c.p), AddrLen(c.p.family));
  // IPv4: type 3 code 4 with the next-hop MTU in the low 16 bits;
  // IPv6: packet too big (type 2) with the MTU.
  MakeIcmpError(c.m, c.p, v4 ? 3 : 2, v4 ? 4 : 0, v4 ? (mtu & 0xffff) : mtu, vip);
  Bump(wc_->icmp_errors);
  Emit(c.m, static_cast<uint16_t>(c.port), out);
}

void Pipeline::HandleArp(const Snapshot& snap, Ctx& c, PipelineOutput* out) {
  const uint8_t* arp = c.p.l3;
  const uint16_t op = Be16(arp + 6);
  const uint8_t* sha = arp + 8;
  const uint8_t* spa = arp + 14;
  const uint8_t* tpa = arp + 24;
  const NetTables& net = *snap.net;
  const uint16_t port = static_cast<uint16_t>(c.port);
  if (std::memcmp(spa, kZeroAddr, 4) != 0 && net.OnLink(port, spa, kFamily4) &&
      out->n_learned < kMaxBurst) {
    Learned& l = out->learned[out->n_learned++];
    l.key.port = port;
    l.key.family = kFamily4;
    l.key.addr = RawAddr{};
    std::memcpy(l.key.addr.b, spa, 4);
    std::memcpy(l.mac.b, sha, 6);
  }
  const bool ours = net.SelfPort(tpa, kFamily4) == c.port || snap.services->IsVip(tpa, kFamily4);
  if (op == 1 && ours) {
    MakeArpReply(c.m, net.ports()[port].mac);
    Bump(wc_->arp_replies);
    Emit(c.m, port, out);
    return;
  }
  if (op == 2 && ours) {
    rte_pktmbuf_free(c.m);  // consumed: its sender was learnt above
    return;
  }
  Bad(c, BadClass::kNonIp, out);
}

void Pipeline::HandleIcmp(const Snapshot& snap, Ctx& c, PipelineOutput* out) {
  const NetTables& net = *snap.net;
  const uint8_t* icmp = c.p.l4;
  const uint8_t type = icmp[0];
  const uint16_t port = static_cast<uint16_t>(c.port);
  const uint32_t icmp_len = c.p.l3_len - c.p.l3_hdr;
  auto ours = [&](const uint8_t* a) {
    return net.SelfPort(a, c.p.family) >= 0 || snap.services->IsVip(a, c.p.family);
  };
  if (c.p.family == kFamily4) {
    if (type == 8 && icmp[1] == 0 && ours(Dst(c.p))) {
      MakeEchoReply(c.m, c.p);
      Bump(wc_->echo_replies);
      Emit(c.m, port, out);
      return;
    }
    Bad(c, BadClass::kNotService, out);
    return;
  }
  if (type == 128 && icmp[1] == 0 && ours(Dst(c.p))) {
    MakeEchoReply(c.m, c.p);
    Bump(wc_->echo_replies);
    Emit(c.m, port, out);
    return;
  }
  // NDP (RFC 4861 7.1): hop limit 255, code 0, at least the fixed part.
  const bool ndp =
      (type == 135 || type == 136) && c.p.l3[7] == 255 && icmp[1] == 0 && icmp_len >= 24;
  if (!ndp) {
    Bad(c, BadClass::kNotService, out);
    return;
  }
  const uint8_t* target = icmp + 8;
  // Link-layer address option: source (1) in a solicitation, target (2) in
  // an advertisement.
  const uint8_t want_opt = type == 135 ? 1 : 2;
  const uint8_t* lladdr = nullptr;
  for (uint32_t off = 24; off + 8 <= icmp_len;) {
    uint32_t olen = icmp[off + 1] * 8u;
    if (olen == 0 || off + olen > icmp_len) break;
    if (icmp[off] == want_opt) lladdr = icmp + off + 2;
    off += olen;
  }
  const uint8_t* learn_ip = type == 135 ? Src(c.p) : target;
  if (lladdr && std::memcmp(learn_ip, kZeroAddr, 16) != 0 && net.OnLink(port, learn_ip, kFamily6) &&
      out->n_learned < kMaxBurst) {
    Learned& l = out->learned[out->n_learned++];
    l.key.port = port;
    l.key.family = kFamily6;
    std::memcpy(l.key.addr.b, learn_ip, 16);
    std::memcpy(l.mac.b, lladdr, 6);
  }
  const bool for_us =
      net.SelfPort(target, kFamily6) == c.port || snap.services->IsVip(target, kFamily6);
  if (type == 135 && for_us) {
    uint8_t tgt[16];
    std::memcpy(tgt, target, 16);
    MakeNeighborAdvert(c.m, tgt, net.ports()[port].mac);
    Bump(wc_->nd_replies);
    Emit(c.m, port, out);
    return;
  }
  if (type == 136 && lladdr) {
    rte_pktmbuf_free(c.m);  // consumed: learnt above
    return;
  }
  Bad(c, BadClass::kNotService, out);
}

bool Pipeline::IcmpToken() {
  const uint32_t burst = std::max<uint32_t>(1, cfg_.icmp_rate);
  uint32_t elapsed = now_ms_ - icmp_refill_ms_;
  if (elapsed) {
    uint64_t add = uint64_t{elapsed} * cfg_.icmp_rate / 1000;
    if (add) {
      icmp_tokens_ = static_cast<uint32_t>(std::min<uint64_t>(burst, icmp_tokens_ + add));
      icmp_refill_ms_ = now_ms_;
    }
  }
  if (!icmp_tokens_) return false;
  --icmp_tokens_;
  return true;
}

void Pipeline::Bad(Ctx& c, BadClass cls, PipelineOutput* out) {
  int i = static_cast<int>(cls);
  Bump(wc_->bad[i]);
  if (cfg_.pass_mask & (1u << i)) {
    Bump(wc_->passed[i]);
    out->exception[out->n_exception++] = c.m;
    return;
  }
  DropPkt(c.m, Drop::kBadPacket);
}

void Pipeline::DropPkt(rte_mbuf* m, Drop why) {
  Bump(wc_->drops[static_cast<int>(why)]);
  rte_pktmbuf_free(m);
}

void Pipeline::Emit(rte_mbuf* m, uint16_t port_index, PipelineOutput* out) {
  out->tx[port_index][out->n_tx[port_index]++] = m;
}

void Pipeline::CountService(uint32_t svc_id, uint32_t backend_id, uint32_t bytes, bool new_flow) {
  IdCounters* s = counters_->service(svc_id);
  IdCounters* b = counters_->backend(backend_id);
  if (new_flow) {
    if (s) Bump(s->new_flows);
    if (b) Bump(b->new_flows);
    return;
  }
  if (s) {
    Bump(s->packets);
    Bump(s->bytes, bytes);
  }
  if (b) {
    Bump(b->packets);
    Bump(b->bytes, bytes);
  }
}

void Pipeline::Housekeeping(uint32_t now_ms, uint32_t budget) {
  for (int f = 0; f < 2; ++f) {
    flows_[f]->Sweep(now_ms, cfg_.timeouts, budget);
    SetGauge(wc_->flows[f], flows_[f]->size());
  }
}

}  // namespace skiff::dataplane::dpdk
