/* XDP side: in-place rewriting with RFC 1624 incremental checksums. XDP
 * frames arriving on an uplink carry complete checksums; rejections are left
 * to the TC program on the same device (XDP_PASS), which can build replies. */
#pragma once

#include "lb_csum.h"
#include "lb_packet.h"

static __always_inline int xdp_rewrite(struct xdp_md* ctx, const struct pkt* p,
                                       const struct rewrite* rw) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  __u32 l4_off = p->l4_off;
  if (l4_off > sizeof(struct ethhdr) + 60) return XDP_DROP;
  void* l4 = data + l4_off;
  __u16* l4check;
  int l4csum = 1;
  if (p->proto == SKIFF_PROTO_TCP) {
    struct tcphdr* th = l4;
    if ((void*)(th + 1) > end) return XDP_DROP;
    l4check = &th->check;
  } else {
    struct udphdr* uh = l4;
    if ((void*)(uh + 1) > end) return XDP_DROP;
    l4check = &uh->check;
    l4csum = !(p->family == SKIFF_AF_INET && uh->check == 0);
  }
  __u16* ports = l4; /* [0] source, [1] dest */

  if (p->family == SKIFF_AF_INET) {
    struct iphdr* ip = data + sizeof(struct ethhdr);
    if ((void*)(ip + 1) > end) return XDP_DROP;
    if (rw->set_src) {
      csum_replace_words(&ip->check, (__u16*)&p->saddr.v4, (__u16*)&rw->saddr.v4, 2);
      if (l4csum) csum_replace_words(l4check, (__u16*)&p->saddr.v4, (__u16*)&rw->saddr.v4, 2);
      ip->saddr = rw->saddr.v4;
    }
    if (rw->set_dst) {
      csum_replace_words(&ip->check, (__u16*)&p->daddr.v4, (__u16*)&rw->daddr.v4, 2);
      if (l4csum) csum_replace_words(l4check, (__u16*)&p->daddr.v4, (__u16*)&rw->daddr.v4, 2);
      ip->daddr = rw->daddr.v4;
    }
  } else {
    struct ipv6hdr* ip6 = data + sizeof(struct ethhdr);
    if ((void*)(ip6 + 1) > end) return XDP_DROP;
    if (rw->set_src) {
      csum_replace_words(l4check, (__u16*)p->saddr.v6, (__u16*)rw->saddr.v6, 8);
      __builtin_memcpy(&ip6->saddr, rw->saddr.v6, 16);
    }
    if (rw->set_dst) {
      csum_replace_words(l4check, (__u16*)p->daddr.v6, (__u16*)rw->daddr.v6, 8);
      __builtin_memcpy(&ip6->daddr, rw->daddr.v6, 16);
    }
  }
  if (rw->set_src && rw->sport != p->sport) {
    if (l4csum) csum_replace_words(l4check, &p->sport, &rw->sport, 1);
    ports[0] = rw->sport;
  }
  if (rw->set_dst && rw->dport != p->dport) {
    if (l4csum) csum_replace_words(l4check, &p->dport, &rw->dport, 1);
    ports[1] = rw->dport;
  }
  if (p->proto == SKIFF_PROTO_UDP && l4csum && *l4check == 0) *l4check = 0xffff;
  return XDP_PASS;
}
