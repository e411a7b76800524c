/* Socket load balancing on cgroup hooks: connect()/sendmsg() to a frontend
 * is pointed at a backend before any packet exists; recvmsg()/getpeername()
 * translate the backend back to the frontend so the application only ever
 * sees the VIP. Reverse entries are per socket (cookie) in an LRU map. */
#pragma once

#include "lb_common.h"

#define SOCK_LB_ALLOW 1
#define SOCK_LB_DENY 0

/* Translates (addr, port) for a socket of `proto`; writes the backend into
 * *addr / *port. Returns 1 when translated, 0 when not a frontend, -1 when
 * the frontend has no ready backend. */
static __always_inline int sock_translate(void* ctx, union skiff_addr* addr, __u16* port,
                                          __u8 proto, __u8 family) {
  struct skiff_svc_value* svc = lb_lookup_service(addr, *port, proto, family);
  if (!svc) return 0;
  if (svc->count == 0) {
    lb_count(&skiff_svcst_v1, svc->svc_id, 0, 0, 1);
    return -1;
  }
  struct skiff_aff_key ak = {.svc_id = svc->svc_id, .kind = SKIFF_AFF_NETNS};
  __u64 netns = bpf_get_netns_cookie(ctx);
  __builtin_memcpy(ak.client.v6, &netns, sizeof(netns));
  __u32 bid = 0;
  struct skiff_backend* be = lb_select(svc, bpf_get_prandom_u32(), &ak, &bid);
  if (!be || be->family != family) return 0;

  struct skiff_sknat_key rk = {
      .cookie = bpf_get_socket_cookie(ctx), .addr = be->addr, .port = be->port, .family = family};
  struct skiff_sknat_value rv = {.vip = *addr, .port = *port, .svc_id = svc->svc_id};
  bpf_map_update_elem(&skiff_sknat_v1, &rk, &rv, BPF_ANY);
  *addr = be->addr;
  *port = be->port;
  lb_count(&skiff_svcst_v1, svc->svc_id, 0, 1, 0);
  lb_count(&skiff_best_v1, bid, 0, 1, 0);
  return 1;
}

static __always_inline int sock_reverse(void* ctx, union skiff_addr* addr, __u16* port,
                                        __u8 family) {
  struct skiff_sknat_key rk = {
      .cookie = bpf_get_socket_cookie(ctx), .addr = *addr, .port = *port, .family = family};
  struct skiff_sknat_value* rv = bpf_map_lookup_elem(&skiff_sknat_v1, &rk);
  if (!rv) return 0;
  *addr = rv->vip;
  *port = rv->port;
  return 1;
}

static __always_inline __u8 sock_proto(struct bpf_sock_addr* ctx) {
  if (ctx->protocol == SKIFF_PROTO_TCP) return SKIFF_PROTO_TCP;
  if (ctx->protocol == SKIFF_PROTO_UDP) return SKIFF_PROTO_UDP;
  return 0;
}

static __always_inline int is_v4_mapped(const __u32* a) {
  return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

static __always_inline int sock4_forward(struct bpf_sock_addr* ctx) {
  __u8 proto = sock_proto(ctx);
  if (!proto) return SOCK_LB_ALLOW;
  union skiff_addr a = {};
  a.v4 = ctx->user_ip4;
  __u16 port = (__u16)ctx->user_port;
  int r = sock_translate(ctx, &a, &port, proto, SKIFF_AF_INET);
  if (r < 0) {
    bpf_set_retval(-ECONNREFUSED);
    return SOCK_LB_DENY;
  }
  if (r > 0) {
    ctx->user_ip4 = a.v4;
    ctx->user_port = port;
  }
  return SOCK_LB_ALLOW;
}

/* IPv6 sockets, including dual-stack sockets using v4-mapped addresses. */
static __always_inline int sock6_forward(struct bpf_sock_addr* ctx) {
  __u8 proto = sock_proto(ctx);
  if (!proto) return SOCK_LB_ALLOW;
  union skiff_addr a = {};
  a.v6[0] = ctx->user_ip6[0];
  a.v6[1] = ctx->user_ip6[1];
  a.v6[2] = ctx->user_ip6[2];
  a.v6[3] = ctx->user_ip6[3];
  __u16 port = (__u16)ctx->user_port;
  int mapped = is_v4_mapped(a.v6);
  int r;
  if (mapped) {
    union skiff_addr a4 = {};
    a4.v4 = a.v6[3];
    r = sock_translate(ctx, &a4, &port, proto, SKIFF_AF_INET);
    if (r > 0) a.v6[3] = a4.v4;
  } else {
    r = sock_translate(ctx, &a, &port, proto, SKIFF_AF_INET6);
  }
  if (r < 0) {
    bpf_set_retval(-ECONNREFUSED);
    return SOCK_LB_DENY;
  }
  if (r > 0) {
    ctx->user_ip6[0] = a.v6[0];
    ctx->user_ip6[1] = a.v6[1];
    ctx->user_ip6[2] = a.v6[2];
    ctx->user_ip6[3] = a.v6[3];
    ctx->user_port = port;
  }
  return SOCK_LB_ALLOW;
}

static __always_inline int sock4_reverse(struct bpf_sock_addr* ctx) {
  union skiff_addr a = {};
  a.v4 = ctx->user_ip4;
  __u16 port = (__u16)ctx->user_port;
  if (sock_reverse(ctx, &a, &port, SKIFF_AF_INET)) {
    ctx->user_ip4 = a.v4;
    ctx->user_port = port;
  }
  return SOCK_LB_ALLOW;
}

static __always_inline int sock6_reverse(struct bpf_sock_addr* ctx) {
  union skiff_addr a = {};
  a.v6[0] = ctx->user_ip6[0];
  a.v6[1] = ctx->user_ip6[1];
  a.v6[2] = ctx->user_ip6[2];
  a.v6[3] = ctx->user_ip6[3];
  __u16 port = (__u16)ctx->user_port;
  int found;
  if (is_v4_mapped(a.v6)) {
    union skiff_addr a4 = {};
    a4.v4 = a.v6[3];
    found = sock_reverse(ctx, &a4, &port, SKIFF_AF_INET);
    if (found) a.v6[3] = a4.v4;
  } else {
    found = sock_reverse(ctx, &a, &port, SKIFF_AF_INET6);
  }
  if (found) {
    ctx->user_ip6[0] = a.v6[0];
    ctx->user_ip6[1] = a.v6[1];
    ctx->user_ip6[2] = a.v6[2];
    ctx->user_ip6[3] = a.v6[3];
    ctx->user_port = port;
  }
  return SOCK_LB_ALLOW;
}
