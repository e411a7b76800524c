// Weighted Maglev consistent hashing (Eisenbud et al., NSDI'16) and the flow
// hash that indexes it. Both engines (eBPF and DPDK) use exactly these
// functions, so the same 5-tuple and backend set pick the same backend.
// Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/core/ip.h"

namespace skiff::dataplane {

struct MaglevBackend {
  uint32_t id = 0;  // value stored in the table; must be non-zero
  // Identity that seeds the permutation (address, port, protocol), so a
  // backend keeps its preferred slots whatever id it gets.
  IpAddr addr;
  uint16_t port = 0;  // host order
  Protocol proto = Protocol::kTCP;
  uint16_t weight = 1;  // 0 = not in the table
};

// True when n is prime (the table size must be).
bool IsPrime(uint32_t n);

// Builds a table of `size` slots (size prime, > 1) holding backend ids; each
// backend gets a share of slots proportional to its weight, and adding or
// removing one backend moves few slots of the others. All zero when no
// backend has weight. The result does not depend on the order of `backends`.
std::vector<uint32_t> BuildMaglevTable(std::span<const MaglevBackend> backends, uint32_t size);

// A flow as seen on the wire: addresses and ports in network byte order.
struct FlowTuple {
  IpAddr saddr;
  IpAddr daddr;
  uint16_t sport_be = 0;
  uint16_t dport_be = 0;
  Protocol proto = Protocol::kTCP;
};

// skiff_flow_hash() of ebpf/include/skiff_hash.h.
uint32_t FlowHash(const FlowTuple& t);
// Slot of the flow in a table of `size` slots.
inline uint32_t MaglevSlot(const FlowTuple& t, uint32_t size) {
  return FlowHash(t) % size;
}

}  // namespace skiff::dataplane
