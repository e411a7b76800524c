/* Backend-side decapsulation for the DPDK engine's DSR mode (Katran-style).
 * Attached at XDP on a backend's interface, it strips the outer header of
 * IPv4-in-IPv4 (protocol 4), IPv6-in-IPv6 (next header 41) and IPv4-in-IPv6
 * (next header 4) packets and passes the inner packet to the stack, which
 * delivers it to the VIP configured on a local interface (lo); the backend
 * then answers the client directly. Everything else passes untouched;
 * fragmented or optioned outer headers are left to the kernel.
 *
 *   ip link set dev eth0 xdp obj skiff_decap.bpf.o sec xdp
 *   ip addr add VIP/32 dev lo;  sysctl net.ipv4.conf.eth0.arp_ignore=1
 *
 * No maps, no state: safe to attach on any number of interfaces. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Moves the Ethernet header `len` bytes towards the inner packet, sets its
 * type, then drops the outer header from the front. */
static __always_inline int strip(struct xdp_md* ctx, int len, __u16 inner_proto) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  struct ethhdr copy = *eth;
  copy.h_proto = bpf_htons(inner_proto);
  if (bpf_xdp_adjust_head(ctx, len)) return XDP_DROP;
  data = (void*)(long)ctx->data;
  end = (void*)(long)ctx->data_end;
  eth = data;
  if ((void*)(eth + 1) > end) return XDP_DROP;
  *eth = copy;
  return XDP_PASS;
}

SEC("xdp")
int skiff_decap(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (void*)(eth + 1);
    if ((void*)(ip + 1) > end) return XDP_PASS;
    if (ip->protocol != IPPROTO_IPIP || ip->ihl != 5) return XDP_PASS;
    if (ip->frag_off & bpf_htons(0x3fff)) return XDP_PASS;
    struct iphdr* inner = (void*)(ip + 1);
    if ((void*)(inner + 1) > end || inner->version != 4) return XDP_PASS;
    return strip(ctx, sizeof(struct iphdr), ETH_P_IP);
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (void*)(eth + 1);
    if ((void*)(ip6 + 1) > end) return XDP_PASS;
    if (ip6->nexthdr == IPPROTO_IPV6) {
      struct ipv6hdr* inner = (void*)(ip6 + 1);
      if ((void*)(inner + 1) > end || inner->version != 6) return XDP_PASS;
      return strip(ctx, sizeof(struct ipv6hdr), ETH_P_IPV6);
    }
    if (ip6->nexthdr == IPPROTO_IPIP) {
      struct iphdr* inner = (void*)(ip6 + 1);
      if ((void*)(inner + 1) > end || inner->version != 4) return XDP_PASS;
      return strip(ctx, sizeof(struct ipv6hdr), ETH_P_IP);
    }
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
