// Runtime internals shared by runtime.cc (start-up, workers, control
// thread) and runtime_metrics.cc (exposition). Not a public header.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/dpdk/affinity.h"
#include "dataplane/dpdk/counters.h"
#include "dataplane/dpdk/engine.h"
#include "dataplane/dpdk/flow_table.h"
#include "dataplane/dpdk/neighbors.h"
#include "dataplane/dpdk/pipeline.h"
#include "dataplane/dpdk/ports.h"
#include "dataplane/dpdk/publisher.h"
#include "dataplane/dpdk/runtime.h"

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace skiff::dataplane::dpdk {

struct RuntimeWorker {
  struct Runtime::Impl* rt = nullptr;
  uint16_t index = 0;
  unsigned lcore = 0;
  std::unique_ptr<FlowTable> flows4, flows6;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<PipelineOutput> out;
  rte_ring* handoff = nullptr;  // NAT replies owned by this worker (MP/SC)
  std::atomic<bool> running{false};
};

struct Runtime::Impl {
  DpdkOptions opt;
  EngineLimits limits;
  std::vector<std::string> warnings;
  rte_mempool* pool = nullptr;
  std::vector<OpenedPort> ports;  // index = port index of the tables
  std::vector<PortInfo> infos;
  int exception_port = -1;  // DPDK port id
  rte_rcu_qsbr* qs = nullptr;
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<CounterSet> counters;
  std::unique_ptr<DpdkEngine> engine;
  std::unique_ptr<AffinityTable> affinity;
  std::vector<std::unique_ptr<RuntimeWorker>> workers;
  rte_ring* learn = nullptr;    // workers -> control: Learned elements
  rte_ring* ctrl_tx = nullptr;  // control -> worker 0: mbufs, mbuf->port = DPDK port id
  mutable std::mutex neighbors_mu;
  std::unique_ptr<NeighborManager> neighbors;
  std::thread control;
  std::atomic<bool> stop{false};
  bool launched = false;
  uint32_t idle_sleep_us = 50;

  ~Impl();
  void ControlLoop();
};

}  // namespace skiff::dataplane::dpdk
