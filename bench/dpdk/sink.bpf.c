/* The e2e benchmark's sink: drops the test traffic (UDP to port 9) at XDP,
 * passes ARP and everything else to the stack. Attached natively on the
 * sink's veth, it runs where the device under test transmits and costs next
 * to nothing, so the generator's core only generates. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int skiff_bench_sink(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  struct iphdr* ip = (void*)(eth + 1);
  struct udphdr* udp = (void*)(ip + 1);
  if ((void*)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  if (ip->protocol != IPPROTO_UDP || udp->dest != bpf_htons(9)) return XDP_PASS;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
