// One worker lcore's flow table for one address family: an rte_hash from
// the packet's 5-tuple to a position, and a Flow record per position. Only
// its owner lcore reads or writes it (no lock, no atomic on the fast path);
// other threads read only the occupancy gauge the owner publishes.
//
// A forward entry (client -> VIP) remembers the backend, and in NAT mode
// the SNAT source; its reply entry (backend -> SNAT address) carries the
// reverse translation. A pair lives in the same table and is removed
// together.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "dataplane/dpdk/tables.h"

struct rte_hash;

namespace skiff::dataplane::dpdk {

// Keys as the packet carries them (addresses and ports in network order).
struct FlowKey4 {
  uint32_t saddr, daddr;
  uint16_t sport, dport;
  uint8_t proto;
  uint8_t pad[3];
};
static_assert(sizeof(FlowKey4) == 16);
struct FlowKey6 {
  uint8_t saddr[16], daddr[16];
  uint16_t sport, dport;
  uint8_t proto;
  uint8_t pad[3];
};
static_assert(sizeof(FlowKey6) == 40);

enum class FlowKind : uint8_t { kFree = 0, kForward = 1, kReply = 2 };
inline constexpr uint8_t kFlowClosing = 1 << 0;  // FIN or RST seen
inline constexpr uint8_t kFlowSnat = 1 << 1;     // forward entry with a reply entry

struct alignas(64) Flow {
  uint32_t last_ms = 0;  // worker clock, wraps (compared by difference)
  // Forward: snapshot generation of the cached next hop (mac/out_port).
  // Reply: position of the forward entry.
  uint32_t gen = 0;
  uint32_t svc_id = 0;
  uint32_t backend_id = 0;
  FlowKind kind = FlowKind::kFree;
  uint8_t flags = 0;
  uint8_t proto = 0;
  uint8_t out_port = 0;   // port index of the cached/fixed next hop
  uint16_t port_be = 0;   // forward: backend port; reply: VIP port
  uint16_t port2_be = 0;  // forward NAT: SNAT port; reply: client port
  uint8_t mac[6] = {};    // forward: next hop to the backend; reply: the client's hop
  uint8_t pad[2] = {};
  RawAddr addr;   // forward: backend; reply: VIP
  RawAddr addr2;  // forward NAT: SNAT address; reply: client
};
static_assert(sizeof(Flow) == 64);

struct FlowTimeouts {
  uint32_t tcp_ms = 900000, closing_ms = 10000, udp_ms = 120000;
};

class FlowTable {
 public:
  // `name` must be unique in the process (DPDK object name); `socket` is
  // the NUMA socket of the owning lcore. RESOURCE_EXHAUSTED when DPDK
  // memory is short (names --dpdk-flows / --dpdk-memory-mb).
  static Result<std::unique_ptr<FlowTable>> Create(const std::string& name, uint8_t family,
                                                   uint32_t capacity, int socket);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  uint8_t family() const { return family_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t size() const { return size_; }
  size_t key_len() const { return family_ == kFamily4 ? sizeof(FlowKey4) : sizeof(FlowKey6); }

  // positions[i] = position of keys[i] or -1. n <= 64.
  void LookupBulk(const void* const* keys, uint32_t n, int32_t* positions) const;
  int32_t Lookup(const void* key) const;
  // Inserts `key` (must be absent); position or -1 when the table is full.
  int32_t Add(const void* key);
  // Removes the entry at `pos` (and, for a forward entry with kFlowSnat,
  // its reply entry).
  void Remove(int32_t pos);
  Flow& at(int32_t pos) { return flows_[pos]; }
  const Flow& at(int32_t pos) const { return flows_[pos]; }

  // Expires up to `budget` positions from the sweep cursor on; returns the
  // number removed. Forward entries time out by protocol/state; reply
  // entries go with their forward entry.
  uint32_t Sweep(uint32_t now_ms, const FlowTimeouts& t, uint32_t budget);
  // The reply key of a forward NAT entry with key `fwd`.
  void ReplyKey(const void* fwd_key, const Flow& f, void* out) const;

 private:
  FlowTable() = default;
  bool Expired(const Flow& f, uint32_t now_ms, const FlowTimeouts& t) const;

  rte_hash* hash_ = nullptr;
  std::unique_ptr<Flow[]> flows_;
  uint8_t family_ = kFamily4;
  uint32_t capacity_ = 0;  // positions (rte_hash may hold a few less)
  uint32_t size_ = 0;
  uint32_t cursor_ = 0;
};

}  // namespace skiff::dataplane::dpdk
