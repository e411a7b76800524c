/* Shared pieces of the packet and socket programs: constants vmlinux.h lacks,
 * frontend lookup, backend selection (session affinity, Maglev) and counters.
 * Everything is __always_inline: the programs are single functions. */
#pragma once

#include "lb_maps.h"
#include "skiff_hash.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_ALEN 6
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define ECONNREFUSED 111
#define NSEC_PER_SEC 1000000000ull

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/* A parsed packet: tuple as seen on the wire plus header offsets. */
struct pkt {
  union skiff_addr saddr;
  union skiff_addr daddr;
  __u16 sport;
  __u16 dport;
  __u8 proto;
  __u8 family;
  __u8 tcp_flags;
  __u8 pad;
  __u32 l3_off;
  __u32 l4_off;
  __u32 len;         /* bytes on the wire, for counters */
  __u32 payload_len; /* L4 payload bytes (TCP: after options) */
};

/* CLOCK_MONOTONIC at jiffy resolution: plenty for idle timeouts and
 * affinity, and much cheaper than bpf_ktime_get_ns() on virtual machines.
 * User space compares with CLOCK_MONOTONIC (same base). */
static __always_inline __u64 lb_now(void) {
  return bpf_ktime_get_coarse_ns();
}

static __always_inline struct skiff_config* lb_config(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&skiff_cfg_v1, &zero);
}

static __always_inline int lb_is_node_ip(const union skiff_addr* addr, __u8 family) {
  struct skiff_nodeip_key k = {};
  k.addr = *addr;
  k.family = family;
  return bpf_map_lookup_elem(&skiff_nodeip_v1, &k) != 0;
}

/* Frontend for (addr, port, proto): exact VIP first, then NodePort on a node
 * address. Returns NULL when the destination is no service. */
static __always_inline struct skiff_svc_value* lb_lookup_service(const union skiff_addr* addr,
                                                                 __u16 port, __u8 proto,
                                                                 __u8 family) {
  struct skiff_svc_value* svc;
  if (family == SKIFF_AF_INET) {
    struct skiff_svc4_key k = {.addr = addr->v4, .port = port, .proto = proto};
    svc = bpf_map_lookup_elem(&skiff_svc4_v1, &k);
    if (svc) return svc;
    if (!lb_is_node_ip(addr, family)) return 0;
    k.addr = 0;
    return bpf_map_lookup_elem(&skiff_svc4_v1, &k);
  }
  struct skiff_svc6_key k = {.port = port, .proto = proto};
  __builtin_memcpy(k.addr, addr->v6, 16);
  svc = bpf_map_lookup_elem(&skiff_svc6_v1, &k);
  if (svc) return svc;
  if (!lb_is_node_ip(addr, family)) return 0;
  __builtin_memset(k.addr, 0, 16);
  return bpf_map_lookup_elem(&skiff_svc6_v1, &k);
}

static __always_inline void lb_count(void* map, __u32 id, __u64 bytes, __u64 new_flows,
                                     __u64 rejects) {
  struct skiff_stats* st = bpf_map_lookup_elem(map, &id);
  if (!st) return;
  if (bytes) {
    st->packets += 1;
    st->bytes += bytes;
  }
  st->new_flows += new_flows;
  st->rejects += rejects;
}

/* Affinity entry still valid for this service: the backend is an active
 * member of the frontend's current set and the entry has not timed out. */
static __always_inline __u32 lb_affinity_get(const struct skiff_svc_value* svc,
                                             const struct skiff_aff_key* ak, __u64 now) {
  struct skiff_aff_value* av = bpf_map_lookup_elem(&skiff_aff_v1, ak);
  if (!av) return 0;
  if (now - av->last_used_ns > (__u64)svc->affinity_timeout_s * NSEC_PER_SEC) return 0;
  struct skiff_member_key mk = {.set_id = svc->set_id, .backend_id = av->backend_id};
  struct skiff_member_value* mv = bpf_map_lookup_elem(&skiff_member_v1, &mk);
  if (!mv || (mv->flags & SKIFF_MEMBER_TERMINATING) || mv->weight == 0) return 0;
  return av->backend_id;
}

/* Picks a backend for a new flow: affinity first, then the Maglev slot
 * `hash % maglev_size` of the frontend's set. Returns the backend and its id
 * in *id, or NULL when the set has no usable backend. */
static __always_inline struct skiff_backend* lb_select(const struct skiff_svc_value* svc,
                                                       __u32 hash, const struct skiff_aff_key* ak,
                                                       __u32* id) {
  __u64 now = 0;
  __u32 backend_id = 0;
  if (svc->flags & SKIFF_SVC_AFFINITY) {
    now = lb_now();
    backend_id = lb_affinity_get(svc, ak, now);
  }
  if (!backend_id) {
    struct skiff_config* cfg = lb_config();
    if (!cfg || cfg->maglev_size == 0 || cfg->tables_per_pool == 0) return 0;
    __u32 pool = svc->set_id / cfg->tables_per_pool;
    __u32 table = svc->set_id % cfg->tables_per_pool;
    void* tables = bpf_map_lookup_elem(&skiff_maglev_v1, &pool);
    if (!tables) return 0;
    __u32 slot = hash % cfg->maglev_size;
    __u32 idx = table * ((cfg->maglev_size + 1) / 2) + slot / 2;
    __u64* pair = bpf_map_lookup_elem(tables, &idx);
    if (!pair) return 0;
    backend_id = (slot & 1) ? (__u32)(*pair >> 32) : (__u32)*pair;
    if (!backend_id) return 0;
  }
  struct skiff_backend* be = bpf_map_lookup_elem(&skiff_be_v1, &backend_id);
  if (!be) return 0;
  if (svc->flags & SKIFF_SVC_AFFINITY) {
    struct skiff_aff_value av = {.backend_id = backend_id, .last_used_ns = now};
    bpf_map_update_elem(&skiff_aff_v1, ak, &av, BPF_ANY);
  }
  *id = backend_id;
  return be;
}
