/* Key and value layouts of every Skiff load-balancer BPF map, shared verbatim
 * by the BPF C programs (ebpf/bpf/) and the C++ loader, engine and inspection
 * code (dataplane/). Layout rules: fixed-width types only, explicit padding,
 * every struct's size and field offsets pinned by static asserts, so a change
 * that would break a pinned map from an older proxy fails to compile instead.
 *
 * Byte order: addresses and ports are stored in network byte order (as they
 * appear in packets and in struct bpf_sock_addr); ids, counters, flags and
 * timestamps are host order.
 *
 * Versioning: map names end in _v<N>. Changing a layout means bumping N for
 * that map (new name, new pin) so an old pinned map is never misread.
 */
#ifndef SKIFF_EBPF_SKIFF_MAPS_H_
#define SKIFF_EBPF_SKIFF_MAPS_H_

#ifdef __bpf__
/* BPF side: vmlinux.h (included first by every program) provides __u8..__u64. */
#define SKIFF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define SKIFF_OFFSETOF(type, field) __builtin_offsetof(type, field)
#else
#include <linux/types.h>
#include <stddef.h>
#ifdef __cplusplus
#define SKIFF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SKIFF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#define SKIFF_OFFSETOF(type, field) offsetof(type, field)
#endif

/* ---- Map names (also their pin file names under the pin root). ---------- */
#define SKIFF_MAP_SVC4 "skiff_svc4_v1"
#define SKIFF_MAP_SVC6 "skiff_svc6_v1"
#define SKIFF_MAP_BACKENDS "skiff_be_v1"
#define SKIFF_MAP_MEMBERS "skiff_member_v1"
#define SKIFF_MAP_MAGLEV "skiff_maglev_v1"
#define SKIFF_MAP_CT4 "skiff_ct4_v1"
#define SKIFF_MAP_CT6 "skiff_ct6_v1"
#define SKIFF_MAP_AFFINITY "skiff_aff_v1"
#define SKIFF_MAP_SOCK_NAT "skiff_sknat_v1"
#define SKIFF_MAP_NODE_IPS "skiff_nodeip_v1"
#define SKIFF_MAP_SVC_STATS "skiff_svcst_v1"
#define SKIFF_MAP_BE_STATS "skiff_best_v1"
#define SKIFF_MAP_SVC_INFO "skiff_svcinfo_v1"
#define SKIFF_MAP_CONFIG "skiff_cfg_v1"

/* Default pin root; tests and benchmarks pass their own. */
#define SKIFF_PIN_ROOT "/sys/fs/bpf/skiff"

/* Default sizes (all overridable at load time). */
#define SKIFF_DEFAULT_MAX_SERVICES 262144  /* service ports (svc_id space)   */
#define SKIFF_DEFAULT_MAX_FRONTENDS 524288 /* per family                     */
#define SKIFF_DEFAULT_MAX_BACKENDS 262144  /* backend_id space               */
#define SKIFF_DEFAULT_MAX_SETS 131072      /* backend-set ids (Maglev tables) */
#define SKIFF_DEFAULT_CT_ENTRIES 524288    /* per family, two per flow       */
#define SKIFF_DEFAULT_MAGLEV_SIZE 16381    /* prime                          */

/* Protocol numbers as in the IP header. */
#define SKIFF_PROTO_TCP 6
#define SKIFF_PROTO_UDP 17

#define SKIFF_AF_INET 4
#define SKIFF_AF_INET6 6

/* An IPv4 or IPv6 address; IPv4 uses v4 (== v6[0]) and leaves the rest 0. */
union skiff_addr {
  __u32 v4;
  __u32 v6[4];
  __u8 bytes[16];
};
SKIFF_STATIC_ASSERT(sizeof(union skiff_addr) == 16, "skiff_addr size");

/* ---- Frontends: (VIP, port, protocol) -> service port ------------------- */
/* Frontend scopes (skiff_svc_value.scope); NodePort frontends have a zero
 * address and match any address in skiff_nodeip_v1. */
#define SKIFF_SCOPE_CLUSTER 1
#define SKIFF_SCOPE_NODEPORT 2
#define SKIFF_SCOPE_EXTERNAL 3 /* externalIPs */
#define SKIFF_SCOPE_LB 4       /* status.loadBalancer.ingress */

/* skiff_svc_value.flags */
#define SKIFF_SVC_AFFINITY (1u << 0)    /* ClientIP session affinity         */
#define SKIFF_SVC_SNAT_REMOTE (1u << 1) /* SNAT flows to non-local backends  */
#define SKIFF_SVC_EXTERNAL (1u << 2)    /* reachable from outside the node   */

struct skiff_svc4_key {
  __u32 addr; /* 0 for NodePort frontends */
  __u16 port;
  __u8 proto;
  __u8 pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_svc4_key) == 8, "svc4 key size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_svc4_key, port) == 4, "svc4 key port");

struct skiff_svc6_key {
  __u32 addr[4];
  __u16 port;
  __u8 proto;
  __u8 pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_svc6_key) == 20, "svc6 key size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_svc6_key, port) == 16, "svc6 key port");

/* One frontend. set_id 0 / count 0 means "no ready backend": reject. The
 * value is replaced with one map update, which is the atomic switch of a
 * service's backends. */
struct skiff_svc_value {
  __u32 svc_id;             /* index into skiff_svcst_v1 / skiff_svcinfo_v1 */
  __u32 set_id;             /* backend set: Maglev table + members          */
  __u32 affinity_timeout_s; /* ClientIP affinity lifetime, seconds          */
  __u16 count;              /* active (non-terminating) backends in the set */
  __u8 flags;               /* SKIFF_SVC_*                                  */
  __u8 scope;               /* SKIFF_SCOPE_*                                */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_svc_value) == 16, "svc value size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_svc_value, count) == 12, "svc value count");

/* ---- Backends --------------------------------------------------------- */
#define SKIFF_BE_LOCAL (1u << 0) /* runs on this node */

struct skiff_backend {
  union skiff_addr addr;
  __u16 port; /* network order */
  __u8 proto;
  __u8 family; /* SKIFF_AF_INET / SKIFF_AF_INET6 */
  __u8 flags;  /* SKIFF_BE_* */
  __u8 pad[3];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_backend) == 24, "backend size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_backend, port) == 16, "backend port");

/* Membership of a backend in a backend set (all members, also terminating). */
#define SKIFF_MEMBER_TERMINATING (1u << 0)

struct skiff_member_key {
  __u32 set_id;
  __u32 backend_id;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_member_key) == 8, "member key size");

struct skiff_member_value {
  __u16 weight;
  __u8 flags; /* SKIFF_MEMBER_* */
  __u8 pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_member_value) == 4, "member value size");

/* skiff_maglev_v1: ARRAY_OF_MAPS pool -> inner ARRAY ("table pool") of
 * tables_per_pool Maglev tables. Elements are __u64 holding two slots (slot
 * 2k in the low half, 2k+1 in the high half), so a table takes
 * ceil(maglev_size / 2) elements and set_id s lives in pool s / tables_per_pool
 * at table s % tables_per_pool. Pools are created ahead and mmap'ed by the
 * engine: writing a table costs no syscall and no map-in-map update (which
 * waits for an RCU grace period). A table is written completely before its
 * set's members and frontends reference it, and a freed set id is reused only
 * after a quarantine, so readers never see a table change under them. */

/* ---- Connection tracking ------------------------------------------------ */
/* Keys are the packet's tuple as seen on ingress; forward and reply entries
 * live in the same map and are told apart by SKIFF_CT_REPLY. */
struct skiff_ct4_key {
  __u32 saddr;
  __u32 daddr;
  __u16 sport;
  __u16 dport;
  __u8 proto;
  __u8 pad[3];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ct4_key) == 16, "ct4 key size");

struct skiff_ct6_key {
  __u32 saddr[4];
  __u32 daddr[4];
  __u16 sport;
  __u16 dport;
  __u8 proto;
  __u8 pad[3];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ct6_key) == 40, "ct6 key size");

#define SKIFF_CT_REPLY (1u << 0)   /* reply direction: reverse NAT          */
#define SKIFF_CT_SNAT (1u << 1)    /* the source is translated too           */
#define SKIFF_CT_CLOSING (1u << 2) /* FIN or RST seen                        */
#define SKIFF_CT_SEEN_REPLY (1u << 3)

/* Forward: daddr/dport := addr/port (the backend); with SNAT also
 * saddr/sport := addr2/port2. Reply: saddr/sport := addr/port (the VIP);
 * with SNAT also daddr/dport := addr2/port2 (the original client). */
struct skiff_ct_value {
  union skiff_addr addr;
  union skiff_addr addr2;
  __u16 port;
  __u16 port2;
  __u32 svc_id;
  __u32 backend_id;
  __u8 flags; /* SKIFF_CT_* */
  __u8 pad[3];
  __u64 last_seen_ns; /* CLOCK_MONOTONIC (coarse), refreshed at most once a second */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ct_value) == 56, "ct value size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_ct_value, last_seen_ns) == 48, "ct value ts");

/* ---- Session affinity --------------------------------------------------- */
#define SKIFF_AFF_CLIENT_IP 0 /* packet path: client address  */
#define SKIFF_AFF_NETNS 1     /* socket path: netns cookie in client.v6[0..1] */

struct skiff_aff_key {
  union skiff_addr client;
  __u32 svc_id;
  __u8 kind; /* SKIFF_AFF_* */
  __u8 pad[3];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_aff_key) == 24, "aff key size");

struct skiff_aff_value {
  __u32 backend_id;
  __u32 pad;
  __u64 last_used_ns;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_aff_value) == 16, "aff value size");

/* ---- Socket LB reverse translation ------------------------------------- */
struct skiff_sknat_key {
  __u64 cookie;          /* bpf_get_socket_cookie() */
  union skiff_addr addr; /* backend */
  __u16 port;
  __u8 family;
  __u8 pad[5];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_sknat_key) == 32, "sknat key size");

struct skiff_sknat_value {
  union skiff_addr vip;
  __u16 port;
  __u8 pad[2];
  __u32 svc_id;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_sknat_value) == 24, "sknat value size");

/* ---- Node addresses (NodePort matching, SNAT) --------------------------- */
struct skiff_nodeip_key {
  union skiff_addr addr;
  __u8 family;
  __u8 pad[3];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_nodeip_key) == 20, "nodeip key size");

/* ---- Counters (per-CPU arrays indexed by svc_id / backend_id) ----------- */
struct skiff_stats {
  __u64 packets;
  __u64 bytes;
  __u64 new_flows;
  __u64 rejects; /* services: packets/connects rejected for lack of backends */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_stats) == 32, "stats size");

/* ---- Service-port metadata (user space only: names for netctl/metrics) -- */
#define SKIFF_NAME_LEN 128
#define SKIFF_PORT_NAME_LEN 32

struct skiff_svc_info {
  char name[SKIFF_NAME_LEN];           /* "namespace/name", NUL-terminated */
  char port_name[SKIFF_PORT_NAME_LEN]; /* Service port name, may be empty  */
  __u32 sets[4];                       /* SKIFF_SET_* -> set_id, 0 = none  */
  __u32 affinity_timeout_s;
  __u16 port; /* service port, host order */
  __u8 proto;
  __u8 flags; /* SKIFF_SVC_* of the cluster frontends */
};
#define SKIFF_SET_CLUSTER4 0
#define SKIFF_SET_CLUSTER6 1
#define SKIFF_SET_EXTERNAL4 2
#define SKIFF_SET_EXTERNAL6 3
SKIFF_STATIC_ASSERT(sizeof(struct skiff_svc_info) == 184, "svc info size");
SKIFF_STATIC_ASSERT(SKIFF_OFFSETOF(struct skiff_svc_info, sets) == 160, "svc info sets");

/* ---- Global configuration (ARRAY, one entry, key 0) --------------------- */
struct skiff_config {
  __u32 maglev_size; /* entries in every inner Maglev table (prime) */
  __u32 snat_ip4;    /* SNAT source for remote backends; 0 = none  */
  __u32 snat_ip6[4];
  __u16 snat_port_min; /* host order */
  __u16 snat_port_max;
  __u32 tables_per_pool; /* Maglev tables per pool of skiff_maglev_v1 */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_config) == 32, "config size");

#endif /* SKIFF_EBPF_SKIFF_MAPS_H_ */
