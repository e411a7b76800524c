// EtcdStore: the Store interface over a real etcd v3 cluster (gRPC KV and
// Watch services). Revisions, compaction and watch semantics are etcd's own.
// The last compacted revision is kept in the key "/skiff/meta/compacted"
// (written after each successful Compact), since etcd does not report it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controlplane/store/store.h"

namespace skiff::store {

struct EtcdStoreOptions {
  std::vector<std::string> endpoints;  // "host:port"
  int request_timeout_ms = 30000;
};

// Connects lazily; fails only on malformed endpoints. Calls fail with
// UNAVAILABLE while no endpoint answers.
Result<std::unique_ptr<Store>> OpenEtcdStore(const EtcdStoreOptions& options);

}  // namespace skiff::store
