/* TC side: header rewriting through the kernel's checksum helpers (correct
 * for CHECKSUM_PARTIAL skbs from local sockets as well as for full
 * checksums) and rejection: TCP RST / ICMP(v6) port unreachable sent back
 * out of the ingress device. */
#pragma once

#include "lb_csum.h"
#include "lb_packet.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_PORT_UNREACH 3
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PORT_UNREACH 4
#define IPPROTO_ICMPV6_NUM 58
#define IPPROTO_ICMP_NUM 1

static __always_inline __u32 tc_csum_off(const struct pkt* p) {
  return p->l4_off + (p->proto == SKIFF_PROTO_TCP ? 16 : 6);
}

/* Ones' complement difference sum(~old) + sum(new) over n 16-bit words, as
 * the 32-bit "diff" bpf_l4_csum_replace(size 0) takes. */
static __always_inline __u32 csum_words_diff(const __u16* old, const __u16* new_, int n) {
  __u32 s = 0;
#pragma unroll
  for (int i = 0; i < 8; i++) {
    if (i >= n) break;
    s += (__u16)~old[i];
    s += new_[i];
  }
  return s;
}

/* Addresses and ports are written directly and the IPv4 header checksum is
 * updated incrementally (it is always complete); the L4 checksum goes
 * through bpf_l4_csum_replace, once for the addresses (pseudo header) and
 * once for the ports, because only the helper knows whether the skb carries
 * a complete checksum or a CHECKSUM_PARTIAL pseudo-header sum. */
static __always_inline int tc_rewrite(struct __sk_buff* skb, const struct pkt* p,
                                      const struct rewrite* rw) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  __u32 l4_off = p->l4_off;
  if (l4_off > sizeof(struct ethhdr) + 60) return TC_ACT_SHOT;
  __u16* l4 = data + l4_off;
  if ((void*)(l4 + 4) > end) return TC_ACT_SHOT; /* ports + UDP length/checksum */
  int l4csum = !(p->proto == SKIFF_PROTO_UDP && p->family == SKIFF_AF_INET && l4[3] == 0);
  __u32 addr_diff = 0, port_diff = 0;
  if (p->family == SKIFF_AF_INET) {
    struct iphdr* ip = data + sizeof(struct ethhdr);
    if ((void*)(ip + 1) > end) return TC_ACT_SHOT;
    if (rw->set_src) {
      addr_diff += csum_words_diff((__u16*)&p->saddr.v4, (__u16*)&rw->saddr.v4, 2);
      csum_replace_words(&ip->check, (__u16*)&p->saddr.v4, (__u16*)&rw->saddr.v4, 2);
      ip->saddr = rw->saddr.v4;
    }
    if (rw->set_dst) {
      addr_diff += csum_words_diff((__u16*)&p->daddr.v4, (__u16*)&rw->daddr.v4, 2);
      csum_replace_words(&ip->check, (__u16*)&p->daddr.v4, (__u16*)&rw->daddr.v4, 2);
      ip->daddr = rw->daddr.v4;
    }
  } else {
    struct ipv6hdr* ip6 = data + sizeof(struct ethhdr);
    if ((void*)(ip6 + 1) > end) return TC_ACT_SHOT;
    if (rw->set_src) {
      addr_diff += csum_words_diff((__u16*)p->saddr.v6, (__u16*)rw->saddr.v6, 8);
      __builtin_memcpy(&ip6->saddr, rw->saddr.v6, 16);
    }
    if (rw->set_dst) {
      addr_diff += csum_words_diff((__u16*)p->daddr.v6, (__u16*)rw->daddr.v6, 8);
      __builtin_memcpy(&ip6->daddr, rw->daddr.v6, 16);
    }
  }
  int ports_changed = 0;
  if (rw->set_src && rw->sport != p->sport) {
    port_diff += csum_words_diff(&p->sport, &rw->sport, 1);
    l4[0] = rw->sport;
    ports_changed = 1;
  }
  if (rw->set_dst && rw->dport != p->dport) {
    port_diff += csum_words_diff(&p->dport, &rw->dport, 1);
    l4[1] = rw->dport;
    ports_changed = 1;
  }
  if (l4csum) {
    __u32 csum_off = tc_csum_off(p);
    __u64 l4f = p->proto == SKIFF_PROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
    if (rw->set_src || rw->set_dst)
      bpf_l4_csum_replace(skb, csum_off, 0, addr_diff, l4f | BPF_F_PSEUDO_HDR);
    if (ports_changed) bpf_l4_csum_replace(skb, csum_off, 0, port_diff, l4f);
  }
  return TC_ACT_OK;
}

static __always_inline __u16 csum_fold(__u64 s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)~s;
}

static __always_inline int tc_swap_macs(struct __sk_buff* skb) {
  __u8 mac[2 * ETH_ALEN];
  if (bpf_skb_load_bytes(skb, 0, mac, sizeof(mac)) < 0) return -1;
  bpf_skb_store_bytes(skb, 0, mac + ETH_ALEN, ETH_ALEN, 0);
  bpf_skb_store_bytes(skb, ETH_ALEN, mac, ETH_ALEN, 0);
  return 0;
}

/* Turns a TCP segment into the RST answering it, in place. Address and port
 * swaps do not change any checksum; seq/ack/flags go through the helpers. */
static __always_inline int tc_reject_tcp(struct __sk_buff* skb, const struct pkt* p) {
  if (p->payload_len != 0) return TC_ACT_SHOT; /* data to a dead service: drop */
  struct tcphdr th;
  if (bpf_skb_load_bytes(skb, p->l4_off, &th, sizeof(th)) < 0) return TC_ACT_SHOT;
  if (p->tcp_flags & TCP_FLAG_RST) return TC_ACT_SHOT;
  if (tc_swap_macs(skb) < 0) return TC_ACT_SHOT;
  if (p->family == SKIFF_AF_INET) {
    bpf_skb_store_bytes(skb, p->l3_off + 12, &p->daddr.v4, 4, 0);
    bpf_skb_store_bytes(skb, p->l3_off + 16, &p->saddr.v4, 4, 0);
  } else {
    bpf_skb_store_bytes(skb, p->l3_off + 8, p->daddr.v6, 16, 0);
    bpf_skb_store_bytes(skb, p->l3_off + 24, p->saddr.v6, 16, 0);
  }
  bpf_skb_store_bytes(skb, p->l4_off, &p->dport, 2, 0);
  bpf_skb_store_bytes(skb, p->l4_off + 2, &p->sport, 2, 0);

  __u32 csum_off = tc_csum_off(p);
  __u32 old_seq = th.seq, old_ack = th.ack_seq;
  __u32 new_seq = (p->tcp_flags & TCP_FLAG_ACK) ? old_ack : 0;
  __u32 adv = p->payload_len + ((p->tcp_flags & TCP_FLAG_SYN) ? 1 : 0) +
              ((p->tcp_flags & TCP_FLAG_FIN) ? 1 : 0);
  __u32 new_ack = bpf_htonl(bpf_ntohl(old_seq) + adv);
  __u16 old_word, new_word;
  __builtin_memcpy(&old_word, (__u8*)&th + 12, 2);
  __u8 nw[2] = {((__u8*)&th)[12],
                (__u8)(TCP_FLAG_RST | ((p->tcp_flags & TCP_FLAG_ACK) ? 0 : TCP_FLAG_ACK))};
  __builtin_memcpy(&new_word, nw, 2);
  bpf_l4_csum_replace(skb, csum_off, old_seq, new_seq, 4);
  bpf_l4_csum_replace(skb, csum_off, old_ack, new_ack, 4);
  bpf_l4_csum_replace(skb, csum_off, old_word, new_word, 2);
  bpf_skb_store_bytes(skb, p->l4_off + 4, &new_seq, 4, 0);
  bpf_skb_store_bytes(skb, p->l4_off + 8, &new_ack, 4, 0);
  bpf_skb_store_bytes(skb, p->l4_off + 12, &new_word, 2, 0);
  return bpf_redirect(skb->ifindex, 0);
}

/* ICMP port unreachable quoting the offending IPv4 header + 8 bytes. */
static __always_inline int tc_reject_udp4(struct __sk_buff* skb, const struct pkt* p) {
  if (p->l4_off != p->l3_off + 20) return TC_ACT_SHOT; /* IPv4 options: drop */
  struct {
    struct icmphdr icmp;
    __u8 orig[28];
  } body = {};
  struct ethhdr eth;
  if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0) return TC_ACT_SHOT;
  if (bpf_skb_load_bytes(skb, p->l3_off, body.orig, sizeof(body.orig)) < 0) return TC_ACT_SHOT;
  if (bpf_skb_change_tail(skb, p->l3_off + 28, 0) < 0) return TC_ACT_SHOT;
  if (bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_MAC, 0) < 0) return TC_ACT_SHOT;

  body.icmp.type = ICMP_DEST_UNREACH;
  body.icmp.code = ICMP_PORT_UNREACH;
  body.icmp.checksum = csum_fold(bpf_csum_diff(0, 0, (__be32*)&body, sizeof(body), 0));

  struct iphdr ip = {};
  ip.version = 4;
  ip.ihl = 5;
  ip.tot_len = bpf_htons(20 + sizeof(body));
  ip.ttl = 64;
  ip.protocol = IPPROTO_ICMP_NUM;
  ip.saddr = p->daddr.v4;
  ip.daddr = p->saddr.v4;
  ip.check = csum_fold(bpf_csum_diff(0, 0, (__be32*)&ip, sizeof(ip), 0));

  struct ethhdr neth = eth;
  __builtin_memcpy(neth.h_dest, eth.h_source, ETH_ALEN);
  __builtin_memcpy(neth.h_source, eth.h_dest, ETH_ALEN);
  bpf_skb_store_bytes(skb, 0, &neth, sizeof(neth), 0);
  bpf_skb_store_bytes(skb, p->l3_off, &ip, sizeof(ip), 0);
  bpf_skb_store_bytes(skb, p->l3_off + sizeof(ip), &body.icmp, sizeof(body.icmp), 0);
  return bpf_redirect(skb->ifindex, 0);
}

/* ICMPv6 port unreachable quoting the offending IPv6 header + 8 bytes. */
static __always_inline int tc_reject_udp6(struct __sk_buff* skb, const struct pkt* p) {
  struct {
    __u32 src[4];
    __u32 dst[4];
    __u32 len;
    __u32 next;
    struct icmp6hdr icmp;
    __u8 orig[48];
  } buf = {};
  struct ethhdr eth;
  if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0) return TC_ACT_SHOT;
  if (bpf_skb_load_bytes(skb, p->l3_off, buf.orig, sizeof(buf.orig)) < 0) return TC_ACT_SHOT;
  if (bpf_skb_change_tail(skb, p->l3_off + 48, 0) < 0) return TC_ACT_SHOT;
  if (bpf_skb_adjust_room(skb, 48, BPF_ADJ_ROOM_MAC, 0) < 0) return TC_ACT_SHOT;

  __builtin_memcpy(buf.src, p->daddr.v6, 16);
  __builtin_memcpy(buf.dst, p->saddr.v6, 16);
  buf.len = bpf_htonl(8 + 48);
  buf.next = bpf_htonl(IPPROTO_ICMPV6_NUM);
  buf.icmp.icmp6_type = ICMPV6_DEST_UNREACH;
  buf.icmp.icmp6_code = ICMPV6_PORT_UNREACH;
  buf.icmp.icmp6_cksum = csum_fold(bpf_csum_diff(0, 0, (__be32*)&buf, sizeof(buf), 0));

  struct ipv6hdr ip6 = {};
  ip6.version = 6;
  ip6.payload_len = bpf_htons(8 + 48);
  ip6.nexthdr = IPPROTO_ICMPV6_NUM;
  ip6.hop_limit = 64;
  __builtin_memcpy(&ip6.saddr, p->daddr.v6, 16);
  __builtin_memcpy(&ip6.daddr, p->saddr.v6, 16);

  struct ethhdr neth = eth;
  __builtin_memcpy(neth.h_dest, eth.h_source, ETH_ALEN);
  __builtin_memcpy(neth.h_source, eth.h_dest, ETH_ALEN);
  bpf_skb_store_bytes(skb, 0, &neth, sizeof(neth), 0);
  bpf_skb_store_bytes(skb, p->l3_off, &ip6, sizeof(ip6), 0);
  bpf_skb_store_bytes(skb, p->l3_off + sizeof(ip6), &buf.icmp, sizeof(buf.icmp), 0);
  return bpf_redirect(skb->ifindex, 0);
}

static __always_inline int tc_reject(struct __sk_buff* skb, const struct pkt* p) {
  if (p->proto == SKIFF_PROTO_TCP) return tc_reject_tcp(skb, p);
  if (p->family == SKIFF_AF_INET) return tc_reject_udp4(skb, p);
  return tc_reject_udp6(skb, p);
}
