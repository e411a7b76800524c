// Test and benchmark support: the DPDK pipeline on synthetic mbufs, with no
// port. Initialises EAL once per process (--no-huge --no-pci --in-memory,
// 256 MB), owns an mbuf pool, a Core + DpdkEngine to install Services, the
// per-family flow tables and one Pipeline (worker `worker` of `workers`).
// Frames go in as bytes and come out as bytes with their fate.
// Not thread-safe; one harness at a time per process is the intended use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/core.h"
#include "dataplane/core/maglev.h"
#include "dataplane/dpdk/affinity.h"
#include "dataplane/dpdk/counters.h"
#include "dataplane/dpdk/engine.h"
#include "dataplane/dpdk/flow_table.h"
#include "dataplane/dpdk/pipeline.h"
#include "dataplane/dpdk/publisher.h"

struct rte_mempool;
struct rte_mbuf;

namespace skiff::dataplane::dpdk::testing {

// EAL for tests: idempotent, UNAVAILABLE with DPDK's reason on failure.
Status InitEal();
rte_mempool* Pool();
// An mbuf holding `frame`, received on DPDK port `port_id`.
rte_mbuf* MakeMbuf(const std::vector<uint8_t>& frame, uint16_t port_id);
std::vector<uint8_t> Bytes(const rte_mbuf* m);

// The test ports: port i has DPDK id i and MAC 02:00:00:00:00:0(i+1); the
// frames of dataplane/ebpf/testing/packet.h go to 02:00:00:00:00:01.
struct HarnessPort {
  std::vector<std::string> addrs;  // CIDRs
  std::string gw4, gw6;
  uint16_t mtu = 1500;
  bool offload = false;  // advertise IPv4 + L4 checksum offload
};

struct Outcome {
  enum class Where { kTx, kException, kHandoff, kDropped };
  Where where = Where::kDropped;
  uint16_t port = 0;  // kTx: port index; kHandoff: worker
  std::vector<uint8_t> frame;
  uint64_t ol_flags = 0;  // TX offload requests
  uint16_t l2_len = 0, l3_len = 0;
};

class Harness {
 public:
  struct Options {
    ForwardingMode mode = ForwardingMode::kNat;
    std::vector<HarnessPort> ports;
    uint16_t worker = 0, workers = 1;
    uint32_t flows = 4096;
    uint32_t maglev_size = 16381;
    uint32_t pass_mask = 0;
    std::string node_name = "node-a";
    uint32_t icmp_rate = 1000;
  };
  static Result<std::unique_ptr<Harness>> Create(Options o);
  ~Harness();

  Status Upsert(const Service& s);
  Status Upsert(const EndpointSlice& s);
  Status Remove(const std::string& service_key);
  // Adds a resolved neighbor on port index `port`.
  void SetNeighbor(uint16_t port, const std::string& ip, const uint8_t mac[6]);

  // Runs one frame through the pipeline (received on port index `port`).
  Outcome Run(const std::vector<uint8_t>& frame, uint16_t port = 0);
  // Runs a burst (one Process call).
  std::vector<Outcome> RunBurst(const std::vector<std::vector<uint8_t>>& frames, uint16_t port = 0);
  // Raw access for benchmarks: Process on prepared mbufs.
  void ProcessRaw(rte_mbuf** pkts, uint16_t n, PipelineOutput* out);

  void Advance(uint32_t ms) { now_ms_ += ms; }
  void Housekeeping(uint32_t budget = 1u << 20) { pipeline_->Housekeeping(now_ms_, budget); }

  Core& core() { return *core_; }
  DpdkEngine& engine() { return *engine_; }
  Publisher& publisher() { return *publisher_; }
  CounterSet& counters() { return *counters_; }
  const WorkerCounters& wc() const { return counters_->worker(0).worker(); }
  FlowTable& flows(uint8_t family) { return family == kFamily4 ? *flows4_ : *flows6_; }
  Pipeline& pipeline() { return *pipeline_; }

  // The backend dataplane/core's Maglev picks for this flow on frontend
  // `fe` (what both engines must choose).
  Result<Backend> ExpectedBackend(const FrontendKey& fe, const FlowTuple& t);

 private:
  Harness() = default;
  Status Sync(const std::vector<std::string>& keys);
  void PublishNet();

  Options opt_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<CounterSet> counters_;
  std::unique_ptr<DpdkEngine> engine_;
  std::unique_ptr<FlowTable> flows4_, flows6_;
  std::unique_ptr<AffinityTable> affinity_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<PortInfo> ports_;
  std::map<NeighborKey, Mac> neighbors_;
  uint32_t now_ms_ = 1000;
  static int instances_;
};

}  // namespace skiff::dataplane::dpdk::testing
