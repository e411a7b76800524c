// What dataplane/core asks of an engine (eBPF maps, DPDK tables).
#pragma once

#include "common/status.h"
#include "dataplane/core/state.h"

namespace skiff::dataplane {

class Engine {
 public:
  virtual ~Engine() = default;
  // What is installed now (e.g. read back from pinned maps after a restart).
  virtual Result<State> ReadInstalled() = 0;
  // Applies `changes` in ChangeSet order. All or nothing: on failure the
  // engine restores every entry it touched and returns the error
  // (RESOURCE_EXHAUSTED when a table is full).
  virtual Status Apply(const ChangeSet& changes) = 0;
};

}  // namespace skiff::dataplane
