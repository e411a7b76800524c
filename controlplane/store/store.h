// The store: Skiff's durable key-value state in the etcd v3 model.
//
// Every change gets the next global revision; one Txn is one revision however
// many keys it touches. Keys are compared as bytes. A key's create_revision is
// the revision of its (latest) creation, mod_revision of its last change,
// version counts changes since creation (1 on create). Range reads the latest
// state or the state at an older revision; Watch streams changes from a
// revision; Compact discards history before a revision, after which reads and
// watches below it fail with OUT_OF_RANGE.
//
// Two implementations pass one conformance suite (store_conformance_test.cc):
// SqliteStore (embedded, default) and EtcdStore (a real etcd v3 cluster).
//
// Thread-safety: every method may be called concurrently from any thread.
// Errors: UNAVAILABLE when the backend cannot be reached or is closed,
// OUT_OF_RANGE for compacted revisions (and revisions in the future),
// INVALID_ARGUMENT for malformed requests, INTERNAL for I/O failures.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;

  bool operator==(const KeyValue&) const = default;
};

// Key ranges follow etcd: range_end "" selects `key` alone, range_end "\0"
// (one zero byte) selects every key >= key, otherwise [key, range_end).
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0: no limit
  int64_t revision = 0;  // 0: latest
  bool count_only = false;
};

struct RangeResponse {
  std::vector<KeyValue> kvs;  // sorted by key
  int64_t revision = 0;       // the store revision the read was served at
  int64_t count = 0;          // keys in range, ignoring limit
  bool more = false;          // true when limit cut the result
};

struct Compare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue };
  enum class Result { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  int64_t number = 0;  // for kVersion / kCreateRevision / kModRevision
  std::string value;   // for kValue
};

struct Op {
  enum class Type { kRange, kPut, kDelete };
  Type type = Type::kPut;
  std::string key;
  std::string range_end;  // kRange and kDelete, same convention as RangeRequest
  std::string value;      // kPut
  bool prev_kv = false;   // kPut / kDelete: return the previous value(s)
  int64_t limit = 0;      // kRange
};

struct OpResult {
  RangeResponse range;              // kRange
  std::optional<KeyValue> prev_kv;  // kPut with prev_kv, when the key existed
  int64_t deleted = 0;              // kDelete
  std::vector<KeyValue> prev_kvs;   // kDelete with prev_kv
};

// If every comparison holds, `success` runs, else `failure`; atomically.
// A missing key compares with version/create_revision/mod_revision 0; a
// value compare on a missing key always fails (as in etcd). A Txn that changes nothing does not
// create a revision.
struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResponse {
  bool succeeded = false;
  int64_t revision = 0;  // the revision after the txn
  std::vector<OpResult> results;
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;                      // for kDelete: key and mod_revision (the deletion's) only
  std::optional<KeyValue> prev_kv;  // when requested and known
};

struct WatchRequest {
  std::string key;
  std::string range_end;
  int64_t start_revision = 0;  // 0: changes after the current revision
  bool prev_kv = false;
};

// One delivery to a watcher: events in revision order (a revision's events
// are never split across deliveries), or a terminal error. OUT_OF_RANGE
// carries compact_revision: the caller must re-list. After a terminal error
// the handler is not called again.
struct WatchResponse {
  std::vector<Event> events;
  Status status;
  int64_t compact_revision = 0;
};

// Called on a store-owned thread, serially for one watch. Must not block for
// long and must not destroy its own WatchHandle.
using WatchHandler = std::function<void(WatchResponse)>;

// Cancels the watch when destroyed; after the destructor returns the handler
// is never called again.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<RangeResponse> Range(const RangeRequest& request) = 0;
  virtual Result<TxnResponse> Txn(const TxnRequest& request) = 0;
  // Starts a watch. Fails at once with OUT_OF_RANGE when start_revision is
  // compacted (start_revision <= compacted revision).
  virtual Result<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& request,
                                                     WatchHandler handler) = 0;
  // Discards history before `revision`: Range at revision < it and Watch
  // from revision <= it fail afterwards. Compacting to a revision at or
  // below the last compaction is OUT_OF_RANGE; above the current one too.
  virtual Status Compact(int64_t revision) = 0;
  // The latest revision and the last compacted one.
  virtual Result<int64_t> CurrentRevision() = 0;
  virtual Result<int64_t> CompactedRevision() = 0;
};

// Opens a store from a URL-ish spec: "sqlite:DIR" (file DIR/skiff.db) or
// "etcd://host:port[,host:port...]".
Result<std::unique_ptr<Store>> OpenStore(std::string_view spec);

// --- helpers shared by implementations and callers ---

// The range_end that selects every key with `prefix`.
std::string PrefixEnd(std::string_view prefix);
// True when `key` is selected by (begin, range_end) under the conventions above.
bool InRange(std::string_view key, std::string_view begin, std::string_view range_end);

// Shorthands over Txn.
Result<TxnResponse> Put(Store& store, std::string key, std::string value);
Result<TxnResponse> Delete(Store& store, std::string key);
Result<std::optional<KeyValue>> Get(Store& store, std::string key);

}  // namespace skiff::store
