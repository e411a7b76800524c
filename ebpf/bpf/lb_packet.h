/* Per-packet load balancing shared by the TC and XDP programs: parsing,
 * connection tracking and the DNAT / reverse-NAT / SNAT decision. The
 * program-specific parts (rewriting with or without checksum helpers,
 * rejecting) live in lb_tc.h and lb_xdp.h. */
#pragma once

#include "lb_common.h"

#define LB_MAX_L3_OPT 40 /* IPv4 options, bytes */
#define LB_SNAT_TRIES 8

enum lb_verdict {
  LB_PASS = 0,    /* not a service packet: leave it alone     */
  LB_REWRITE = 1, /* translate with `struct rewrite`, then pass */
  LB_REJECT = 2,  /* service without ready backend              */
  LB_DROP = 3,    /* service packet that cannot be handled       */
};

/* The translation to apply; unset parts stay as they are. */
struct rewrite {
  union skiff_addr saddr;
  union skiff_addr daddr;
  __u16 sport;
  __u16 dport;
  __u8 set_src;
  __u8 set_dst;
  __u8 pad[2];
};

/* Parses Ethernet + IPv4/IPv6 + TCP/UDP. Returns 0 for a packet the balancer
 * may handle, -1 for anything else (non-IP, fragments, IPv6 extension
 * headers, other protocols, truncated headers). */
static __always_inline int lb_parse(void* data, void* data_end, struct pkt* p) {
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return -1;
  p->l3_off = sizeof(*eth);
  __u32 l4_len;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = data + sizeof(*eth);
    if ((void*)(ip + 1) > data_end) return -1;
    if (ip->ihl < 5 || ip->ihl > 5 + LB_MAX_L3_OPT / 4) return -1;
    if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) return -1;
    p->family = SKIFF_AF_INET;
    p->proto = ip->protocol;
    __builtin_memset(&p->saddr, 0, sizeof(p->saddr));
    __builtin_memset(&p->daddr, 0, sizeof(p->daddr));
    p->saddr.v4 = ip->saddr;
    p->daddr.v4 = ip->daddr;
    __u32 ihl = ip->ihl * 4;
    p->l4_off = p->l3_off + ihl;
    __u32 tot = bpf_ntohs(ip->tot_len);
    if (tot < ihl) return -1;
    l4_len = tot - ihl;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = data + sizeof(*eth);
    if ((void*)(ip6 + 1) > data_end) return -1;
    p->family = SKIFF_AF_INET6;
    p->proto = ip6->nexthdr;
    __builtin_memcpy(p->saddr.v6, &ip6->saddr, 16);
    __builtin_memcpy(p->daddr.v6, &ip6->daddr, 16);
    p->l4_off = p->l3_off + sizeof(*ip6);
    l4_len = bpf_ntohs(ip6->payload_len);
  } else {
    return -1;
  }
  if (p->l4_off > sizeof(struct ethhdr) + 60) return -1;
  void* l4 = data + p->l4_off;
  if (p->proto == SKIFF_PROTO_TCP) {
    struct tcphdr* th = l4;
    if ((void*)(th + 1) > data_end) return -1;
    p->sport = th->source;
    p->dport = th->dest;
    p->tcp_flags = ((__u8*)th)[13];
    __u32 doff = th->doff * 4;
    p->payload_len = l4_len > doff ? l4_len - doff : 0;
  } else if (p->proto == SKIFF_PROTO_UDP) {
    struct udphdr* uh = l4;
    if ((void*)(uh + 1) > data_end) return -1;
    p->sport = uh->source;
    p->dport = uh->dest;
    p->tcp_flags = 0;
    p->payload_len = l4_len > 8 ? l4_len - 8 : 0;
  } else {
    return -1;
  }
  return 0;
}

static __always_inline struct skiff_ct_value* ct_lookup(const struct pkt* p) {
  if (p->family == SKIFF_AF_INET) {
    struct skiff_ct4_key k = {.saddr = p->saddr.v4,
                              .daddr = p->daddr.v4,
                              .sport = p->sport,
                              .dport = p->dport,
                              .proto = p->proto};
    return bpf_map_lookup_elem(&skiff_ct4_v1, &k);
  }
  struct skiff_ct6_key k = {.sport = p->sport, .dport = p->dport, .proto = p->proto};
  __builtin_memcpy(k.saddr, p->saddr.v6, 16);
  __builtin_memcpy(k.daddr, p->daddr.v6, 16);
  return bpf_map_lookup_elem(&skiff_ct6_v1, &k);
}

static __always_inline long ct_store(__u8 family, const union skiff_addr* s,
                                     const union skiff_addr* d, __u16 sport, __u16 dport,
                                     __u8 proto, const struct skiff_ct_value* v, __u64 flags) {
  if (family == SKIFF_AF_INET) {
    struct skiff_ct4_key k = {
        .saddr = s->v4, .daddr = d->v4, .sport = sport, .dport = dport, .proto = proto};
    return bpf_map_update_elem(&skiff_ct4_v1, &k, v, flags);
  }
  struct skiff_ct6_key k = {.sport = sport, .dport = dport, .proto = proto};
  __builtin_memcpy(k.saddr, s->v6, 16);
  __builtin_memcpy(k.daddr, d->v6, 16);
  return bpf_map_update_elem(&skiff_ct6_v1, &k, v, flags);
}

static __always_inline int addr_eq(const union skiff_addr* a, const union skiff_addr* b) {
  return a->v6[0] == b->v6[0] && a->v6[1] == b->v6[1] && a->v6[2] == b->v6[2] &&
         a->v6[3] == b->v6[3];
}

static __always_inline int addr_zero(const union skiff_addr* a) {
  return (a->v6[0] | a->v6[1] | a->v6[2] | a->v6[3]) == 0;
}

/* The reply entry of a forward entry (see lb_decide for the layout). */
static __always_inline struct skiff_ct_value* ct_lookup_reply(const struct pkt* p,
                                                              const struct skiff_ct_value* fwd) {
  int snat = fwd->flags & SKIFF_CT_SNAT;
  const union skiff_addr* d = snat ? &fwd->addr2 : &p->saddr;
  __u16 dport = snat ? fwd->port2 : p->sport;
  if (p->family == SKIFF_AF_INET) {
    struct skiff_ct4_key k = {.saddr = fwd->addr.v4,
                              .daddr = d->v4,
                              .sport = fwd->port,
                              .dport = dport,
                              .proto = p->proto};
    return bpf_map_lookup_elem(&skiff_ct4_v1, &k);
  }
  struct skiff_ct6_key k = {.sport = fwd->port, .dport = dport, .proto = p->proto};
  __builtin_memcpy(k.saddr, fwd->addr.v6, 16);
  __builtin_memcpy(k.daddr, d->v6, 16);
  return bpf_map_lookup_elem(&skiff_ct6_v1, &k);
}

/* Existing flow: translate as recorded, refresh, count. Returns LB_PASS for
 * a reply entry left over from a closed flow that a new connection with the
 * same tuple (e.g. one the socket LB sent straight to the backend) hits:
 * the entry is dropped and the packet left alone. */
static __always_inline int lb_ct_hit(struct pkt* p, struct skiff_ct_value* ct, struct rewrite* rw,
                                     __u64 now) {
  if ((ct->flags & (SKIFF_CT_REPLY | SKIFF_CT_CLOSING)) == (SKIFF_CT_REPLY | SKIFF_CT_CLOSING) &&
      (p->tcp_flags & TCP_FLAG_SYN)) {
    if (p->family == SKIFF_AF_INET) {
      struct skiff_ct4_key k = {.saddr = p->saddr.v4,
                                .daddr = p->daddr.v4,
                                .sport = p->sport,
                                .dport = p->dport,
                                .proto = p->proto};
      bpf_map_delete_elem(&skiff_ct4_v1, &k);
    } else {
      struct skiff_ct6_key k = {.sport = p->sport, .dport = p->dport, .proto = p->proto};
      __builtin_memcpy(k.saddr, p->saddr.v6, 16);
      __builtin_memcpy(k.daddr, p->daddr.v6, 16);
      bpf_map_delete_elem(&skiff_ct6_v1, &k);
    }
    return LB_PASS;
  }
  if (now - ct->last_seen_ns > NSEC_PER_SEC) ct->last_seen_ns = now;
  if ((p->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) && !(ct->flags & SKIFF_CT_CLOSING)) {
    ct->flags |= SKIFF_CT_CLOSING;
    if (!(ct->flags & SKIFF_CT_REPLY)) {
      struct skiff_ct_value* rev = ct_lookup_reply(p, ct);
      if (rev) rev->flags |= SKIFF_CT_CLOSING;
    }
  }
  if (ct->flags & SKIFF_CT_REPLY) {
    if (!(ct->flags & SKIFF_CT_SEEN_REPLY)) ct->flags |= SKIFF_CT_SEEN_REPLY;
    rw->set_src = 1;
    rw->saddr = ct->addr;
    rw->sport = ct->port;
    if (ct->flags & SKIFF_CT_SNAT) {
      rw->set_dst = 1;
      rw->daddr = ct->addr2;
      rw->dport = ct->port2;
    }
  } else {
    rw->set_dst = 1;
    rw->daddr = ct->addr;
    rw->dport = ct->port;
    if (ct->flags & SKIFF_CT_SNAT) {
      rw->set_src = 1;
      rw->saddr = ct->addr2;
      rw->sport = ct->port2;
    }
  }
  lb_count(&skiff_svcst_v1, ct->svc_id, p->len, 0, 0);
  lb_count(&skiff_best_v1, ct->backend_id, p->len, 0, 0);
  return LB_REWRITE;
}

/* Claims a SNAT source port for the reply entry `rev` (BPF_NOEXIST makes the
 * claim atomic). Returns the port (network order) or 0 when none is free. */
static __always_inline __u16 lb_snat_claim(const struct pkt* p, const struct skiff_backend* be,
                                           const union skiff_addr* snat, __u32 hash,
                                           struct skiff_ct_value* rev,
                                           const struct skiff_config* cfg) {
  __u32 lo = cfg->snat_port_min, hi = cfg->snat_port_max;
  if (lo == 0 || hi < lo) return 0;
  __u32 range = hi - lo + 1;
#pragma unroll
  for (int i = 0; i < LB_SNAT_TRIES; i++) {
    __u16 port = bpf_htons((__u16)(lo + (hash + i * 2654435761u) % range));
    if (ct_store(p->family, &be->addr, snat, be->port, port, p->proto, rev, BPF_NOEXIST) == 0)
      return port;
  }
  return 0;
}

/* The whole per-packet decision. Fills *rw for LB_REWRITE. */
static __always_inline int lb_decide(struct pkt* p, struct rewrite* rw) {
  __u64 now = lb_now();
  struct skiff_ct_value* ct = ct_lookup(p);
  int syn = (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
  /* A SYN reusing the tuple of a closed flow starts a new flow. */
  if (ct && !(syn && (ct->flags & SKIFF_CT_CLOSING) && !(ct->flags & SKIFF_CT_REPLY)))
    return lb_ct_hit(p, ct, rw, now);

  struct skiff_svc_value* svc = lb_lookup_service(&p->daddr, p->dport, p->proto, p->family);
  if (!svc) return LB_PASS;
  if (svc->count == 0) {
    lb_count(&skiff_svcst_v1, svc->svc_id, 0, 0, 1);
    return LB_REJECT;
  }
  struct skiff_aff_key ak = {
      .client = p->saddr, .svc_id = svc->svc_id, .kind = SKIFF_AFF_CLIENT_IP};
  __u32 hash = skiff_flow_hash(p->saddr.v6, p->daddr.v6, p->sport, p->dport, p->proto);
  __u32 bid = 0;
  struct skiff_backend* be = lb_select(svc, hash, &ak, &bid);
  if (!be || be->family != p->family) return LB_DROP;

  struct skiff_ct_value fwd = {.addr = be->addr,
                               .port = be->port,
                               .svc_id = svc->svc_id,
                               .backend_id = bid,
                               .last_seen_ns = now};
  struct skiff_ct_value rev = {.addr = p->daddr,
                               .port = p->dport,
                               .svc_id = svc->svc_id,
                               .backend_id = bid,
                               .flags = SKIFF_CT_REPLY,
                               .last_seen_ns = now};
  /* SNAT when the reply would not come back through this node: remote
   * backends of external frontends, and hairpin (client is the backend). */
  int snat = ((svc->flags & SKIFF_SVC_SNAT_REMOTE) && !(be->flags & SKIFF_BE_LOCAL)) ||
             addr_eq(&be->addr, &p->saddr);
  if (snat) {
    struct skiff_config* cfg = lb_config();
    if (!cfg) return LB_DROP;
    union skiff_addr saddr = {};
    if (p->family == SKIFF_AF_INET)
      saddr.v4 = cfg->snat_ip4;
    else
      __builtin_memcpy(saddr.v6, cfg->snat_ip6, 16);
    if (addr_zero(&saddr)) return LB_DROP;
    rev.flags |= SKIFF_CT_SNAT;
    rev.addr2 = p->saddr;
    rev.port2 = p->sport;
    __u16 sport = lb_snat_claim(p, be, &saddr, hash, &rev, cfg);
    if (!sport) return LB_DROP;
    fwd.flags |= SKIFF_CT_SNAT;
    fwd.addr2 = saddr;
    fwd.port2 = sport;
    rw->set_src = 1;
    rw->saddr = saddr;
    rw->sport = sport;
  } else {
    ct_store(p->family, &be->addr, &p->saddr, be->port, p->sport, p->proto, &rev, BPF_ANY);
  }
  ct_store(p->family, &p->saddr, &p->daddr, p->sport, p->dport, p->proto, &fwd, BPF_ANY);
  rw->set_dst = 1;
  rw->daddr = be->addr;
  rw->dport = be->port;
  lb_count(&skiff_svcst_v1, svc->svc_id, p->len, 1, 0);
  lb_count(&skiff_best_v1, bid, p->len, 1, 0);
  return LB_REWRITE;
}
