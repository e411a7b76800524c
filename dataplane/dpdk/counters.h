// Per-lcore counters. Each worker lcore owns one WorkerCounters and is its
// only writer; the metrics collector reads concurrently. Writes are
// relaxed atomic stores of (load + n), so no locked instruction sits on
// the packet path and readers never see torn values.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {

// Why the pipeline dropped a packet (other than a configured bad class).
enum class Drop : uint8_t {
  kBadPacket = 0,    // a bad class (runt, truncated, ...) configured to drop
  kOtherHost,        // Ethernet destination neither ours nor multicast
  kNoRoute,          // no port/neighbor towards the backend yet
  kFlowTableFull,    // NAT flow could not be recorded
  kSnatExhausted,    // no free SNAT port for the backend
  kTooBig,           // DSR: encapsulated packet above the port MTU
  kRejected,         // service without ready backend (RST/ICMP sent when allowed)
  kIcmpRateLimited,  // ICMP error suppressed by --dpdk-icmp-rate
  kTxFull,           // the port's TX queue did not take it
  kHandoffFull,      // the owner lcore's handoff ring was full
  kExceptionFull,    // the exception port did not take it
  kHwChecksum,       // the NIC flagged a bad IP/L4 checksum
  kArpIgnored,       // ARP/NDP not for one of our addresses or VIPs
  kCount
};
inline constexpr int kDropCount = static_cast<int>(Drop::kCount);
std::string_view DropName(Drop d);  // "bad_packet", "other_host", ...

inline constexpr int kMaxPorts = 16;
inline constexpr int kMaxWorkers = 64;

struct alignas(64) WorkerCounters {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets[kMaxPorts + 1] = {};  // per port index; [kMaxPorts] = exception port
  uint64_t drops[kDropCount] = {};
  uint64_t bad[kBadClassCount] = {};     // seen, per class (dropped or passed)
  uint64_t passed[kBadClassCount] = {};  // sent to the exception port
  uint64_t new_flows = 0, flow_hits = 0, stateless = 0;
  uint64_t handoff_out = 0, handoff_in = 0;
  uint64_t arp_replies = 0, nd_replies = 0, echo_replies = 0, icmp_errors = 0, resets = 0;
  uint64_t neighbor_learnt = 0;
  uint64_t loops = 0, busy_loops = 0;  // poll iterations; those that received packets
  // Gauges (written by the owner lcore).
  uint64_t flows[2] = {};  // [0] IPv4, [1] IPv6 entries in the flow tables
};

// Counters of one service port or backend, indexed by svc_id/backend_id.
struct IdCounters {
  uint64_t packets = 0, bytes = 0, new_flows = 0, rejects = 0;
};

inline void Bump(uint64_t& c, uint64_t n = 1) {
  std::atomic_ref<uint64_t> r(c);
  r.store(r.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void SetGauge(uint64_t& c, uint64_t v) {
  std::atomic_ref<uint64_t>(c).store(v, std::memory_order_relaxed);
}
inline uint64_t Read(const uint64_t& c) {
  return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(c)).load(std::memory_order_relaxed);
}

// All counters of one worker: its WorkerCounters plus per-service and
// per-backend arrays (sized by the id spaces).
class CounterBlock {
 public:
  CounterBlock(uint32_t max_services, uint32_t max_backends);
  WorkerCounters& worker() { return *worker_; }
  const WorkerCounters& worker() const { return *worker_; }
  IdCounters* service(uint32_t id) { return id < max_services_ ? &services_[id] : nullptr; }
  IdCounters* backend(uint32_t id) { return id < max_backends_ ? &backends_[id] : nullptr; }
  const IdCounters* service(uint32_t id) const {
    return id < max_services_ ? &services_[id] : nullptr;
  }
  const IdCounters* backend(uint32_t id) const {
    return id < max_backends_ ? &backends_[id] : nullptr;
  }
  uint32_t max_services() const { return max_services_; }
  uint32_t max_backends() const { return max_backends_; }

 private:
  uint32_t max_services_, max_backends_;
  std::unique_ptr<WorkerCounters> worker_;
  std::unique_ptr<IdCounters[]> services_, backends_;
};

// Every worker's CounterBlock, and the per-id totals as the metrics show
// them. Ids are reused by dataplane/core, so the totals of an id count from
// its last Reset*() (the engine calls it when the id gets a new owner):
// the workers' counters only ever grow and a reset records a baseline.
// Thread-safe (baselines under a mutex; counter reads are relaxed).
class CounterSet {
 public:
  CounterSet(size_t workers, uint32_t max_services, uint32_t max_backends);
  size_t workers() const { return blocks_.size(); }
  CounterBlock& worker(size_t i) { return *blocks_[i]; }
  const CounterBlock& worker(size_t i) const { return *blocks_[i]; }
  uint32_t max_services() const { return max_services_; }
  uint32_t max_backends() const { return max_backends_; }

  IdCounters Service(uint32_t id) const;
  IdCounters Backend(uint32_t id) const;
  void ResetService(uint32_t id);
  void ResetBackend(uint32_t id);

 private:
  IdCounters Sum(bool service, uint32_t id) const;
  std::vector<std::unique_ptr<CounterBlock>> blocks_;
  uint32_t max_services_, max_backends_;
  mutable std::mutex mu_;
  std::map<uint32_t, IdCounters> svc_base_, be_base_;
};

}  // namespace skiff::dataplane::dpdk
