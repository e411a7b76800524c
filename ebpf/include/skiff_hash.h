/* The flow hash that picks a Maglev slot for a new flow. One definition,
 * compiled into the BPF programs and into dataplane/core (C++), so the eBPF
 * and DPDK engines pick the same backend for the same 5-tuple and backend set
 * (tests compare the BPF program's choice with core's).
 *
 * It is Bob Jenkins' lookup3 (the kernel's jhash2) over ten 32-bit words:
 * saddr[4], daddr[4], (sport << 16 | dport), proto. Addresses and ports are
 * fed as stored in the packet (network byte order), IPv4 addresses in word 0
 * with words 1..3 zero. Pure function, no state, safe anywhere.
 */
#ifndef SKIFF_EBPF_SKIFF_HASH_H_
#define SKIFF_EBPF_SKIFF_HASH_H_

#ifdef __bpf__
#define SKIFF_HASH_INLINE static __always_inline
#else
#include <linux/types.h>
#define SKIFF_HASH_INLINE static inline
#endif

#define SKIFF_FLOW_HASH_SEED 0x5eed5c1fu
#define SKIFF_FLOW_HASH_WORDS 10

SKIFF_HASH_INLINE __u32 skiff_rol32(__u32 w, unsigned int s) {
  return (w << s) | (w >> (32 - s));
}

#define SKIFF_JHASH_MIX(a, b, c) \
  do {                           \
    a -= c;                      \
    a ^= skiff_rol32(c, 4);      \
    c += b;                      \
    b -= a;                      \
    b ^= skiff_rol32(a, 6);      \
    a += c;                      \
    c -= b;                      \
    c ^= skiff_rol32(b, 8);      \
    b += a;                      \
    a -= c;                      \
    a ^= skiff_rol32(c, 16);     \
    c += b;                      \
    b -= a;                      \
    b ^= skiff_rol32(a, 19);     \
    a += c;                      \
    c -= b;                      \
    c ^= skiff_rol32(b, 4);      \
    b += a;                      \
  } while (0)

#define SKIFF_JHASH_FINAL(a, b, c) \
  do {                             \
    c ^= b;                        \
    c -= skiff_rol32(b, 14);       \
    a ^= c;                        \
    a -= skiff_rol32(c, 11);       \
    b ^= a;                        \
    b -= skiff_rol32(a, 25);       \
    c ^= b;                        \
    c -= skiff_rol32(b, 16);       \
    a ^= c;                        \
    a -= skiff_rol32(c, 4);        \
    b ^= a;                        \
    b -= skiff_rol32(a, 14);       \
    c ^= b;                        \
    c -= skiff_rol32(b, 24);       \
  } while (0)

/* Hash of a flow; saddr/daddr point at four words each (IPv4: {a,0,0,0}). */
SKIFF_HASH_INLINE __u32 skiff_flow_hash(const __u32* saddr, const __u32* daddr, __u16 sport,
                                        __u16 dport, __u8 proto) {
  __u32 a, b, c;
  a = b = c = 0xdeadbeefu + (SKIFF_FLOW_HASH_WORDS << 2) + SKIFF_FLOW_HASH_SEED;
  /* words 0..2 */
  a += saddr[0];
  b += saddr[1];
  c += saddr[2];
  SKIFF_JHASH_MIX(a, b, c);
  /* words 3..5 */
  a += saddr[3];
  b += daddr[0];
  c += daddr[1];
  SKIFF_JHASH_MIX(a, b, c);
  /* words 6..8 */
  a += daddr[2];
  b += daddr[3];
  c += ((__u32)sport << 16) | (__u32)dport;
  SKIFF_JHASH_MIX(a, b, c);
  /* word 9 (last block, as in jhash2) */
  a += (__u32)proto;
  SKIFF_JHASH_FINAL(a, b, c);
  return c;
}

#endif /* SKIFF_EBPF_SKIFF_HASH_H_ */
