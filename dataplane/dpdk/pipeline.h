// The per-lcore packet pipeline: one call handles a burst of received
// frames and sorts each into "transmit on port P", "pass to the exception
// port", "hand off to worker W" (NAT replies owned by another lcore) or
// "dropped" (freed here, counted by reason).
//
//   frame -> classify (parse.h) -> ARP / NDP / ICMP echo answers for VIPs
//         -> TCP/UDP: flow table (bulk rte_hash lookup)
//              hit  -> translate as recorded
//              miss -> frontend lookup -> backend: session affinity, else
//                      Maglev slot of dataplane/core's flow hash
//                   -> record the flow (NAT: allocate a SNAT port and a
//                      reply entry) -> translate
//         translate: DSR = IPIP/IP6IP6 encapsulation towards the backend;
//                    NAT = DNAT + SNAT with incremental checksums (or the
//                    port's checksum offload), reply = reverse translation
//
// Only the owning lcore calls a Pipeline (not thread-safe); the Snapshot it
// reads stays valid for the duration of Process() (see publisher.h).
#pragma once

#include <cstdint>

#include "dataplane/dpdk/affinity.h"
#include "dataplane/dpdk/counters.h"
#include "dataplane/dpdk/flow_table.h"
#include "dataplane/dpdk/options.h"
#include "dataplane/dpdk/tables.h"

struct rte_mbuf;

namespace skiff::dataplane::dpdk {

inline constexpr uint16_t kMaxBurst = 64;

struct PipelineConfig {
  ForwardingMode mode = ForwardingMode::kNat;
  uint16_t worker = 0;   // this lcore's index among the workers
  uint16_t workers = 1;  // SNAT port ownership: port p belongs to (p - lo) % workers
  uint16_t snat_lo = 33000, snat_hi = 60999;
  FlowTimeouts timeouts;
  uint32_t pass_mask = 0;     // bit (1 << BadClass) set: pass to the exception port
  uint32_t icmp_rate = 1000;  // ICMP errors per second
};

// Where one Process() call put its packets; the caller transmits them.
struct PipelineOutput {
  rte_mbuf* tx[kMaxPorts][kMaxBurst];
  uint16_t n_tx[kMaxPorts] = {};
  rte_mbuf* exception[kMaxBurst];
  uint16_t n_exception = 0;
  rte_mbuf* handoff[kMaxBurst];
  uint16_t handoff_to[kMaxBurst];
  uint16_t n_handoff = 0;
  Learned learned[kMaxBurst];
  uint16_t n_learned = 0;
  void Clear();
};

class Pipeline {
 public:
  // Tables and counters stay owned by the caller and must outlive this.
  // `affinity` is shared by all workers.
  Pipeline(const PipelineConfig& cfg, FlowTable* flows4, FlowTable* flows6, AffinityTable* affinity,
           CounterBlock* counters);

  // Handles pkts[0..n) (n <= kMaxBurst; mbuf->port = the DPDK port it came
  // in on). `now_ms` is the worker's millisecond clock.
  void Process(const Snapshot& snap, rte_mbuf** pkts, uint16_t n, uint32_t now_ms,
               PipelineOutput* out);

  // Bounded background work: expires up to `budget` flow positions per
  // family, refreshes the occupancy gauges.
  void Housekeeping(uint32_t now_ms, uint32_t budget);

  // The worker that owns NAT reply traffic to SNAT port `port` (host order).
  uint16_t SnatOwner(uint16_t port) const {
    return static_cast<uint16_t>((port - cfg_.snat_lo) % cfg_.workers);
  }
  const PipelineConfig& config() const { return cfg_; }

 private:
  struct Ctx;  // per-packet state, pipeline.cc
  void Handle(const Snapshot& snap, Ctx& c, PipelineOutput* out);
  void HandleL4(const Snapshot& snap, Ctx& c, PipelineOutput* out);
  void HandleArp(const Snapshot& snap, Ctx& c, PipelineOutput* out);
  void HandleIcmp(const Snapshot& snap, Ctx& c, PipelineOutput* out);
  bool NewFlow(const Snapshot& snap, Ctx& c, const FrontendEntry& fe, PipelineOutput* out);
  void Forward(const Snapshot& snap, Ctx& c, Flow& f, PipelineOutput* out);
  void Reply(const Snapshot& snap, Ctx& c, Flow& f, PipelineOutput* out);
  void Reject(const Snapshot& snap, Ctx& c, const FrontendEntry& fe, PipelineOutput* out);
  void TooBig(const Snapshot& snap, Ctx& c, uint32_t mtu, PipelineOutput* out);
  bool IcmpToken();
  void Bad(Ctx& c, BadClass cls, PipelineOutput* out);
  void DropPkt(rte_mbuf* m, Drop why);
  void Emit(rte_mbuf* m, uint16_t port_index, PipelineOutput* out);
  void CountService(uint32_t svc_id, uint32_t backend_id, uint32_t bytes, bool new_flow);

  PipelineConfig cfg_;
  FlowTable* flows_[2];
  AffinityTable* affinity_;
  CounterBlock* counters_;
  WorkerCounters* wc_;
  uint32_t now_ms_ = 0;
  bool created_in_burst_ = false;
  // ICMP error token bucket.
  uint32_t icmp_tokens_ = 0;
  uint32_t icmp_refill_ms_ = 0;
  uint32_t snat_per_worker_ = 1;
};

}  // namespace skiff::dataplane::dpdk
