// SqliteStore: the embedded store (Skiff's default), one SQLite file in WAL
// mode holding the full revision log.
//
// Writes go through one writer thread that commits every queued Txn in one
// SQLite transaction (group commit: one fsync for many writes). A Txn returns
// only after its transaction is durable (synchronous=FULL), so an
// acknowledged write survives kill -9 and power loss. The latest state is
// also kept in memory, so reads at the latest revision never touch SQLite;
// reads at older revisions and watch catch-up beyond the in-memory event ring
// read the log.
#pragma once

#include <memory>
#include <string>

#include "controlplane/store/store.h"

namespace skiff::store {

struct SqliteStoreOptions {
  std::string path;                   // database file, created when missing
  size_t max_batch = 512;             // Txns per group commit
  size_t watch_ring_events = 100000;  // recent events kept for watch catch-up
  bool synchronous_full = true;       // fsync every commit (false: NORMAL, for tests)
};

// Opens or creates the store. INTERNAL naming the path on failure.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace skiff::store
