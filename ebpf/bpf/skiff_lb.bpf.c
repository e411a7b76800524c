// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Skiff Service load balancer: every program of the data plane in one object
 * (one skeleton, one set of pinned maps).
 *   skiff_tc_ingress  per-packet LB at TC ingress (DNAT, reverse NAT, SNAT,
 *                     conntrack, affinity, reject)
 *   skiff_tc_egress   reverse NAT at TC egress of the same devices
 *   skiff_xdp         the same fast path at XDP on uplinks
 *   skiff_connect4/6, skiff_sendmsg4/6, skiff_recvmsg4/6,
 *   skiff_getpeername4/6   socket LB on the cgroup hooks */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_sock.h"
#include "lb_tc.h"
#include "lb_xdp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Deepest header offset the parser reads: Ethernet + IPv4 with options + TCP
 * header without options. */
#define LB_PULL_LEN (14 + 60 + 20)

SEC("tc")
int skiff_tc_ingress(struct __sk_buff* skb) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  if (data + LB_PULL_LEN > end && skb->len > (__u32)(end - data)) {
    bpf_skb_pull_data(skb, skb->len < LB_PULL_LEN ? skb->len : LB_PULL_LEN);
    data = (void*)(long)skb->data;
    end = (void*)(long)skb->data_end;
  }
  struct pkt p = {};
  if (lb_parse(data, end, &p) < 0) return TC_ACT_OK;
  p.len = skb->len;
  struct rewrite rw = {};
  switch (lb_decide(&p, &rw)) {
    case LB_REWRITE:
      return tc_rewrite(skb, &p, &rw);
    case LB_REJECT:
      return tc_reject(skb, &p);
    case LB_DROP:
      return TC_ACT_SHOT;
    default:
      return TC_ACT_OK;
  }
}

/* Egress of the same devices: reverse NAT only. Replies from local backends
 * may enter the node through devices without the ingress program (pod veths
 * without an address); they leave through the device towards the client. */
SEC("tc")
int skiff_tc_egress(struct __sk_buff* skb) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  if (data + LB_PULL_LEN > end && skb->len > (__u32)(end - data)) {
    bpf_skb_pull_data(skb, skb->len < LB_PULL_LEN ? skb->len : LB_PULL_LEN);
    data = (void*)(long)skb->data;
    end = (void*)(long)skb->data_end;
  }
  struct pkt p = {};
  if (lb_parse(data, end, &p) < 0) return TC_ACT_OK;
  p.len = skb->len;
  struct skiff_ct_value* ct = ct_lookup(&p);
  if (!ct || !(ct->flags & SKIFF_CT_REPLY)) return TC_ACT_OK;
  struct rewrite rw = {};
  if (lb_ct_hit(&p, ct, &rw, lb_now()) != LB_REWRITE) return TC_ACT_OK;
  return tc_rewrite(skb, &p, &rw);
}

SEC("xdp")
int skiff_xdp(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct pkt p = {};
  if (lb_parse(data, end, &p) < 0) return XDP_PASS;
  p.len = (__u32)(end - data);
  struct rewrite rw = {};
  switch (lb_decide(&p, &rw)) {
    case LB_REWRITE:
      return xdp_rewrite(ctx, &p, &rw);
    case LB_DROP:
      return XDP_DROP;
    default: /* LB_PASS, and LB_REJECT which TC answers */
      return XDP_PASS;
  }
}

SEC("cgroup/connect4")
int skiff_connect4(struct bpf_sock_addr* ctx) {
  return sock4_forward(ctx);
}

SEC("cgroup/sendmsg4")
int skiff_sendmsg4(struct bpf_sock_addr* ctx) {
  return sock4_forward(ctx);
}

SEC("cgroup/recvmsg4")
int skiff_recvmsg4(struct bpf_sock_addr* ctx) {
  return sock4_reverse(ctx);
}

SEC("cgroup/getpeername4")
int skiff_getpeername4(struct bpf_sock_addr* ctx) {
  return sock4_reverse(ctx);
}

SEC("cgroup/connect6")
int skiff_connect6(struct bpf_sock_addr* ctx) {
  return sock6_forward(ctx);
}

SEC("cgroup/sendmsg6")
int skiff_sendmsg6(struct bpf_sock_addr* ctx) {
  return sock6_forward(ctx);
}

SEC("cgroup/recvmsg6")
int skiff_recvmsg6(struct bpf_sock_addr* ctx) {
  return sock6_reverse(ctx);
}

SEC("cgroup/getpeername6")
int skiff_getpeername6(struct bpf_sock_addr* ctx) {
  return sock6_reverse(ctx);
}
