// RCU-style publication of the lcores' tables. The control side builds a
// new Snapshot and swaps one pointer; the worker lcores keep polling and
// pick it up on their next burst. The old Snapshot is freed only after
// every registered lcore has reported a quiescent state (DPDK's QSBR RCU:
// each lcore calls rte_rcu_qsbr_quiescent() between bursts), so a worker
// never sees tables change or vanish under a burst, and no worker ever
// stops or takes a lock for an update.
//
// Thread-safety: Publish/Reclaim from any control thread (serialised
// inside); Current() from the workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "dataplane/dpdk/tables.h"

struct rte_rcu_qsbr;

namespace skiff::dataplane::dpdk {

class Publisher {
 public:
  // `qs` is the QSBR variable the workers report to; null when nothing
  // reads concurrently (tests, benchmarks): old snapshots are freed at once.
  explicit Publisher(rte_rcu_qsbr* qs = nullptr);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // The current generation (never null once anything was published;
  // before that, an empty snapshot). Valid until the caller's next
  // quiescent report.
  const Snapshot* Current() const { return current_.load(std::memory_order_acquire); }

  // Publishes a new generation with `services` and/or `net` replaced (null
  // keeps the current one). Returns the new generation number.
  uint64_t Publish(std::shared_ptr<const ServiceTables> services,
                   std::shared_ptr<const NetTables> net);
  // A copy of the current generation's table pointers, for threads that are
  // not RCU readers (they hold the tables through the shared_ptrs).
  Snapshot Latest();
  // Frees retired generations whose grace period is over; returns how many
  // are still waiting.
  size_t Reclaim();
  // Waits (polling, up to `timeout_ms`) until every retired generation is
  // freed. False on timeout (a worker stopped reporting).
  bool Synchronize(uint32_t timeout_ms);

 private:
  rte_rcu_qsbr* qs_;
  std::mutex mu_;
  std::atomic<const Snapshot*> current_{nullptr};
  std::unique_ptr<Snapshot> owned_;                                     // == current_
  std::deque<std::pair<uint64_t, std::unique_ptr<Snapshot>>> retired_;  // (token, snapshot)
  uint64_t generation_ = 0;
};

}  // namespace skiff::dataplane::dpdk
