// The DPDK engine as dataplane/core sees it: applies ChangeSets by building
// new read-only tables (tables.h) and publishing them to the lcores (RCU
// swap, publisher.h). Maglev tables are built once per backend set and
// shared by every later generation, so a change costs one Maglev build per
// new set plus an O(frontends) index copy, and lcores never pause.
//
// Apply is all-or-nothing: everything is built before the one pointer
// swap; on error nothing is published and installed() is unchanged.
// Errors: RESOURCE_EXHAUSTED when an id or the frontend count is beyond
// the configured capacity (--max-services, --max-backends,
// --max-frontends), INTERNAL for an inconsistent ChangeSet.
// State is not persisted: after a restart ReadInstalled() is empty and the
// first sync installs everything.
// Not thread-safe: one caller (the proxy's sync loop); SetNet may be called
// from another thread (serialised inside).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "dataplane/core/engine.h"
#include "dataplane/dpdk/counters.h"
#include "dataplane/dpdk/publisher.h"
#include "dataplane/dpdk/tables.h"

namespace skiff::dataplane::dpdk {

struct EngineLimits {
  uint32_t maglev_size = 16381;  // prime
  uint32_t max_services = 65536;
  uint32_t max_backends = 262144;
  uint32_t max_frontends = 524288;
};

class DpdkEngine : public Engine {
 public:
  // `publisher` and `counters` (may be null) must outlive the engine.
  DpdkEngine(Publisher* publisher, CounterSet* counters, EngineLimits limits);

  Result<State> ReadInstalled() override;
  Status Apply(const ChangeSet& changes) override;

  // Replaces the port/neighbor tables (the control thread, after ARP/NDP
  // learnt something) and publishes.
  void SetNet(std::shared_ptr<const NetTables> net);

  const State& installed() const { return installed_; }
  // The Maglev table of a set (for inspection and tests); null if unknown.
  std::shared_ptr<const SetTable> set(uint32_t id) const;
  const EngineLimits& limits() const { return limits_; }

 private:
  Publisher* publisher_;
  CounterSet* counters_;
  EngineLimits limits_;
  State installed_;
  std::map<uint32_t, std::shared_ptr<const SetTable>> sets_;
  std::mutex publish_mu_;
};

}  // namespace skiff::dataplane::dpdk
