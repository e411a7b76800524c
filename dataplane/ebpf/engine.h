// The eBPF engine: applies core ChangeSets to the pinned LB maps.
// Order and atomicity: entries are written in ChangeSet order; a backend set
// is a complete new Maglev table (inner map filled through mmap before it is
// published) plus its member entries, and a frontend switches to it with one
// map update. Apply is all-or-nothing: on the first failure every entry
// written so far is restored. Apply skips entries already installed with the
// same content (cheap resync after a restart).
// Not thread-safe: one caller (the proxy's sync loop).
#pragma once

#include <cstdint>

#include "dataplane/core/engine.h"
#include "dataplane/ebpf/maps.h"

namespace skiff::dataplane::ebpf {

class EbpfEngine : public Engine {
 public:
  // `maps` stay owned by the caller and must outlive the engine.
  EbpfEngine(const LbMaps& maps, uint32_t maglev_size);

  // Reads the pinned maps, drops leftovers of interrupted updates (members
  // without a table, tables without members) and remembers the result.
  Result<State> ReadInstalled() override;
  Status Apply(const ChangeSet& changes) override;

  const State& installed() const { return installed_; }
  uint32_t maglev_size() const { return maglev_size_; }

 private:
  Status WriteSet(uint32_t id, const BackendSet& set);
  Status RemoveSet(uint32_t id, const BackendSet& set);
  Status WriteFrontend(const FrontendKey& k, const FrontendValue& v);
  Status RemoveFrontend(const FrontendKey& k);
  void ZeroStats(int fd, uint32_t id);

  LbMaps maps_;
  uint32_t maglev_size_;
  State installed_;
};

}  // namespace skiff::dataplane::ebpf
