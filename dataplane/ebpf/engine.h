// The eBPF engine: applies core ChangeSets to the pinned LB maps.
// Order and atomicity: entries are written in ChangeSet order; a backend set
// is a complete Maglev table (written through the mmap of its table pool,
// see skiff_maps.h) followed by its member entries, and a frontend switches
// to it with one map update. Apply is all-or-nothing: on the first failure every entry
// written so far is restored. Apply skips entries already installed with the
// same content (cheap resync after a restart).
// Not thread-safe: one caller (the proxy's sync loop).
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/core/engine.h"
#include "dataplane/ebpf/maps.h"

namespace skiff::dataplane::ebpf {

class EbpfEngine : public Engine {
 public:
  // `maps` stay owned by the caller and must outlive the engine.
  EbpfEngine(const LbMaps& maps, uint32_t maglev_size, uint32_t tables_per_pool);
  ~EbpfEngine() override;
  EbpfEngine(const EbpfEngine&) = delete;
  EbpfEngine& operator=(const EbpfEngine&) = delete;

  // Reads the pinned maps, drops leftovers of interrupted updates (members
  // without a table, tables without members) and remembers the result.
  Result<State> ReadInstalled() override;
  Status Apply(const ChangeSet& changes) override;

  const State& installed() const { return installed_; }
  uint32_t maglev_size() const { return maglev_size_; }

 private:
  struct Pool {
    int fd = -1;
    uint8_t* mem = nullptr;
    size_t bytes = 0;
  };
  // Maps table pool `pool` (creating and publishing it when missing).
  Result<Pool*> EnsurePool(uint32_t pool);
  Status WriteSet(uint32_t id, const BackendSet& set);
  Status RemoveSet(uint32_t id, const BackendSet& set);
  Status WriteFrontend(const FrontendKey& k, const FrontendValue& v);
  Status RemoveFrontend(const FrontendKey& k);
  void ZeroStats(int fd, uint32_t id);

  LbMaps maps_;
  uint32_t maglev_size_;
  uint32_t tables_per_pool_;
  uint32_t max_pools_ = 0;
  std::vector<Pool> pools_;
  State installed_;
};

}  // namespace skiff::dataplane::ebpf
