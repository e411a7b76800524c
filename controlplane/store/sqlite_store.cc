#include "controlplane/store/sqlite_store.h"

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <thread>

#include "common/log.h"
#include "common/metrics.h"
#include "controlplane/store/sqlite_db.h"
#include "controlplane/store/watch_hub.h"

namespace skiff::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS log(
  id INTEGER PRIMARY KEY,
  rev INTEGER NOT NULL,
  key BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value BLOB,
  prev_id INTEGER);
CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
CREATE INDEX IF NOT EXISTS log_rev ON log(rev);
CREATE TABLE IF NOT EXISTS current(key BLOB PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(name, value) VALUES ('revision', 1), ('compacted', 0);
)sql";

// The latest version of a live key, plus the id of its log row (the prev_id
// of the key's next change).
struct Entry {
  KeyValue kv;
  int64_t log_id = 0;
};

// One change a committed Txn makes; becomes a log row and an event.
struct Mutation {
  int64_t log_id;
  bool deleted;
  KeyValue kv;                // for deletes: key + mod_revision
  std::optional<Entry> prev;  // the version it replaces
};

struct PendingTxn {
  const TxnRequest* request;
  std::promise<Result<TxnResponse>> done;
};

struct PendingCompact {
  int64_t revision;
  std::promise<Status> done;
};

using Overlay = std::map<std::string, std::optional<Entry>, std::less<>>;

void FilterRange(const std::vector<KeyValue>& sorted, int64_t limit, bool count_only,
                 RangeResponse* out) {
  out->count = static_cast<int64_t>(sorted.size());
  if (count_only) return;
  size_t n = sorted.size();
  if (limit > 0 && static_cast<size_t>(limit) < n) {
    n = static_cast<size_t>(limit);
    out->more = true;
  }
  out->kvs.assign(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(n));
}

bool CompareHolds(const Compare& c, const Entry* e) {
  int cmp = 0;
  if (c.target == Compare::Target::kValue) {
    if (!e) return false;  // as etcd: a value compare on a missing key fails
    cmp = std::string_view(e->kv.value).compare(c.value);
  } else {
    int64_t actual = 0;
    if (e) {
      actual = c.target == Compare::Target::kVersion          ? e->kv.version
               : c.target == Compare::Target::kCreateRevision ? e->kv.create_revision
                                                              : e->kv.mod_revision;
    }
    cmp = actual < c.number ? -1 : actual > c.number ? 1 : 0;
  }
  switch (c.result) {
    case Compare::Result::kEqual:
      return cmp == 0;
    case Compare::Result::kNotEqual:
      return cmp != 0;
    case Compare::Result::kLess:
      return cmp < 0;
    case Compare::Result::kGreater:
      return cmp > 0;
  }
  return false;
}

Status CheckKeys(const TxnRequest& req) {
  for (const auto* ops : {&req.success, &req.failure}) {
    std::set<std::string_view> put_keys;
    for (const Op& op : *ops) {
      if (op.key.empty()) return InvalidArgument("txn: empty key");
      if (op.type == Op::Type::kPut && !put_keys.insert(op.key).second) {
        return InvalidArgument("txn: duplicate key \"" + op.key + "\" given in one txn");
      }
    }
  }
  return Status::Ok();
}

class SqliteStore : public Store {
 public:
  explicit SqliteStore(SqliteStoreOptions options, SqliteDb writer, SqliteDb reader)
      : options_(std::move(options)), writer_(std::move(writer)), reader_(std::move(reader)) {}

  ~SqliteStore() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
      queue_cv_.notify_all();
    }
    if (writer_thread_.joinable()) writer_thread_.join();
    if (hub_) hub_->Close();
  }

  Status Init() {
    SKIFF_RETURN_IF_ERROR(writer_.Exec("PRAGMA journal_mode=WAL"));
    SKIFF_RETURN_IF_ERROR(writer_.Exec(options_.synchronous_full ? "PRAGMA synchronous=FULL"
                                                                 : "PRAGMA synchronous=NORMAL"));
    SKIFF_RETURN_IF_ERROR(writer_.Exec(kSchema));
    SKIFF_RETURN_IF_ERROR(LoadState());
    SKIFF_RETURN_IF_ERROR(PrepareWriterStatements());
    hub_ = std::make_shared<WatchHub>(
        [this](int64_t from, int64_t to) { return ReadHistory(from, to); },
        options_.watch_ring_events, revision_);
    writer_thread_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  Result<RangeResponse> Range(const RangeRequest& req) override {
    if (req.key.empty()) return InvalidArgument("range: empty key");
    std::shared_lock lock(state_mu_);
    if (req.revision > revision_) {
      return OutOfRange("range at revision " + std::to_string(req.revision) +
                        ": required revision is a future revision (current " +
                        std::to_string(revision_) + ")");
    }
    if (req.revision != 0 && req.revision < revision_) {
      if (req.revision < compacted_) {
        return OutOfRange("range at revision " + std::to_string(req.revision) +
                          ": required revision has been compacted (compacted at " +
                          std::to_string(compacted_) + ")");
      }
      int64_t current = revision_;
      lock.unlock();
      auto resp = RangeAt(req);
      if (resp.ok()) resp->revision = current;
      return resp;
    }
    RangeResponse resp;
    resp.revision = revision_;
    std::vector<KeyValue> hits;
    ForEachLive(req.key, req.range_end, [&](const Entry& e) { hits.push_back(e.kv); });
    FilterRange(hits, req.limit, req.count_only, &resp);
    return resp;
  }

  Result<TxnResponse> Txn(const TxnRequest& req) override {
    SKIFF_RETURN_IF_ERROR(CheckKeys(req));
    PendingTxn pending{&req, {}};
    auto future = pending.done.get_future();
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return Unavailable("store is closed");
      txn_queue_.push_back(&pending);
      queue_cv_.notify_one();
    }
    return future.get();
  }

  Result<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& req,
                                             WatchHandler handler) override {
    if (req.key.empty()) return InvalidArgument("watch: empty key");
    int64_t compacted;
    {
      std::shared_lock lock(state_mu_);
      compacted = compacted_;
    }
    return hub_->Add(req, std::move(handler), compacted);
  }

  Status Compact(int64_t revision) override {
    PendingCompact pending{revision, {}};
    auto future = pending.done.get_future();
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return Unavailable("store is closed");
      compact_queue_.push_back(&pending);
      queue_cv_.notify_one();
    }
    return future.get();
  }

  Result<int64_t> CurrentRevision() override {
    std::shared_lock lock(state_mu_);
    return revision_;
  }

  Result<int64_t> CompactedRevision() override {
    std::shared_lock lock(state_mu_);
    return compacted_;
  }

 private:
  template <typename F>
  void ForEachLive(const std::string& key, const std::string& range_end, F&& f) const {
    if (range_end.empty()) {
      auto it = live_.find(key);
      if (it != live_.end()) f(it->second);
      return;
    }
    auto it = live_.lower_bound(key);
    for (; it != live_.end() && InRange(it->first, key, range_end); ++it)
      f(it->second);
  }

  Status LoadState() {
    auto meta = writer_.Prepare("SELECT name, value FROM meta");
    if (!meta.ok()) return meta.status();
    for (;;) {
      auto row = meta->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (meta->Blob(0) == "revision") revision_ = meta->Int(1);
      if (meta->Blob(0) == "compacted") compacted_ = meta->Int(1);
    }
    auto rows = writer_.Prepare(
        "SELECT l.key, l.value, l.create_rev, l.rev, l.version, l.id "
        "FROM current c JOIN log l ON l.id = c.id");
    if (!rows.ok()) return rows.status();
    for (;;) {
      auto row = rows->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      Entry e;
      e.kv.key = std::string(rows->Blob(0));
      e.kv.value = std::string(rows->Blob(1));
      e.kv.create_revision = rows->Int(2);
      e.kv.mod_revision = rows->Int(3);
      e.kv.version = rows->Int(4);
      e.log_id = rows->Int(5);
      live_.emplace(e.kv.key, std::move(e));
    }
    auto max_id = writer_.Prepare("SELECT coalesce(max(id), 0) FROM log");
    if (!max_id.ok()) return max_id.status();
    auto row = max_id->Step();
    if (!row.ok()) return row.status();
    next_log_id_ = max_id->Int(0) + 1;
    return Status::Ok();
  }

  Status PrepareWriterStatements() {
    auto prep = [&](SqliteStatement& s, const char* sql) -> Status {
      auto r = writer_.Prepare(sql);
      if (!r.ok()) return r.status();
      s = std::move(*r);
      return Status::Ok();
    };
    SKIFF_RETURN_IF_ERROR(prep(insert_log_,
                               "INSERT INTO log(id, rev, key, create_rev, version, deleted, value, "
                               "prev_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    SKIFF_RETURN_IF_ERROR(
        prep(upsert_current_, "INSERT OR REPLACE INTO current(key, id) VALUES (?1, ?2)"));
    SKIFF_RETURN_IF_ERROR(prep(delete_current_, "DELETE FROM current WHERE key = ?1"));
    SKIFF_RETURN_IF_ERROR(prep(set_meta_, "UPDATE meta SET value = ?2 WHERE name = ?1"));
    return Status::Ok();
  }

  // --- reads of the log (reader connection) ---

  Result<RangeResponse> RangeAt(const RangeRequest& req) {
    std::lock_guard lock(reader_mu_);
    std::string sql =
        "SELECT key, value, create_rev, rev, version, deleted FROM log WHERE id IN ("
        "SELECT max(id) FROM log WHERE rev <= ?1 AND ";
    bool all = req.range_end.size() == 1 && req.range_end[0] == '\0';
    if (req.range_end.empty()) {
      sql += "key = ?2";
    } else if (all) {
      sql += "key >= ?2";
    } else {
      sql += "key >= ?2 AND key < ?3";
    }
    sql += " GROUP BY key) ORDER BY key";
    auto stmt = reader_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, req.revision);
    stmt->Bind(2, std::string_view(req.key));
    if (!req.range_end.empty() && !all) stmt->Bind(3, std::string_view(req.range_end));
    std::vector<KeyValue> hits;
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (stmt->Int(5)) continue;  // deleted at that revision
      hits.push_back(KeyValue{std::string(stmt->Blob(0)), std::string(stmt->Blob(1)), stmt->Int(2),
                              stmt->Int(3), stmt->Int(4)});
    }
    RangeResponse resp;
    FilterRange(hits, req.limit, req.count_only, &resp);
    return resp;
  }

  Result<std::vector<Event>> ReadHistory(int64_t from, int64_t to) {
    std::lock_guard lock(reader_mu_);
    auto stmt = reader_.Prepare(
        "SELECT l.rev, l.key, l.deleted, l.value, l.create_rev, l.version, "
        "p.id, p.value, p.create_rev, p.rev, p.version, p.deleted "
        "FROM log l LEFT JOIN log p ON p.id = l.prev_id "
        "WHERE l.rev > ?1 AND l.rev <= ?2 ORDER BY l.id");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, from);
    stmt->Bind(2, to);
    std::vector<Event> events;
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      Event e;
      e.type = stmt->Int(2) ? Event::Type::kDelete : Event::Type::kPut;
      e.kv.key = std::string(stmt->Blob(1));
      e.kv.mod_revision = stmt->Int(0);
      if (e.type == Event::Type::kPut) {
        e.kv.value = std::string(stmt->Blob(3));
        e.kv.create_revision = stmt->Int(4);
        e.kv.version = stmt->Int(5);
      }
      if (!stmt->IsNull(6) && !stmt->Int(11)) {
        e.prev_kv = KeyValue{e.kv.key, std::string(stmt->Blob(7)), stmt->Int(8), stmt->Int(9),
                             stmt->Int(10)};
      }
      events.push_back(std::move(e));
    }
    return events;
  }

  // --- the writer thread ---

  void WriterLoop() {
    pthread_setname_np(pthread_self(), "store-writer");
    for (;;) {
      std::vector<PendingTxn*> batch;
      std::vector<PendingCompact*> compacts;
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock,
                       [&] { return stopping_ || !txn_queue_.empty() || !compact_queue_.empty(); });
        while (!txn_queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(txn_queue_.front());
          txn_queue_.pop_front();
        }
        compacts.assign(compact_queue_.begin(), compact_queue_.end());
        compact_queue_.clear();
        if (batch.empty() && compacts.empty() && stopping_) break;
      }
      if (!batch.empty()) CommitBatch(batch);
      for (PendingCompact* c : compacts)
        c->done.set_value(DoCompact(c->revision));
    }
  }

  // The key's entry as the batch so far sees it; null when absent. Points into the overlay
  // or live_: valid until either changes (no copy of the value on the write path).
  const Entry* View(const Overlay& overlay, const std::string& key) const {
    auto o = overlay.find(key);
    if (o != overlay.end()) return o->second ? &*o->second : nullptr;
    auto it = live_.find(key);
    return it == live_.end() ? nullptr : &it->second;
  }

  // Keys selected by (key, range_end) as seen through the overlay, sorted.
  std::map<std::string, Entry> ViewRange(const Overlay& overlay, const std::string& key,
                                         const std::string& range_end) const {
    std::map<std::string, Entry> out;
    if (range_end.empty()) {
      if (const Entry* e = View(overlay, key)) out.emplace(key, *e);
      return out;
    }
    ForEachLive(key, range_end, [&](const Entry& e) { out.emplace(e.kv.key, e); });
    for (auto it = overlay.lower_bound(key);
         it != overlay.end() && InRange(it->first, key, range_end); ++it) {
      if (it->second) {
        out[it->first] = *it->second;
      } else {
        out.erase(it->first);
      }
    }
    return out;
  }

  // Evaluates one Txn against live state + overlay. Appends its changes to
  // `mutations` and the overlay; `rev` is the revision it writes at.
  TxnResponse Evaluate(const TxnRequest& req, int64_t rev, Overlay& overlay,
                       std::vector<Mutation>& mutations) {
    TxnResponse resp;
    resp.succeeded = true;
    for (const Compare& c : req.compare) {
      if (!CompareHolds(c, View(overlay, c.key))) {
        resp.succeeded = false;
        break;
      }
    }
    size_t first_mutation = mutations.size();
    for (const Op& op : resp.succeeded ? req.success : req.failure) {
      OpResult result;
      switch (op.type) {
        case Op::Type::kRange: {
          std::vector<KeyValue> hits;
          for (auto& [k, e] : ViewRange(overlay, op.key, op.range_end))
            hits.push_back(e.kv);
          result.range.revision = rev;
          FilterRange(hits, op.limit, false, &result.range);
          break;
        }
        case Op::Type::kPut: {
          const Entry* prev = View(overlay, op.key);
          Entry next;
          next.kv = KeyValue{op.key, op.value, prev ? prev->kv.create_revision : rev, rev,
                             prev ? prev->kv.version + 1 : 1};
          next.log_id = next_log_id_++;
          if (op.prev_kv && prev) result.prev_kv = prev->kv;
          mutations.push_back(Mutation{next.log_id, false, next.kv,
                                       prev ? std::optional<Entry>(*prev) : std::nullopt});
          overlay[op.key] = std::move(next);
          break;
        }
        case Op::Type::kDelete: {
          for (auto& [k, e] : ViewRange(overlay, op.key, op.range_end)) {
            KeyValue tomb;
            tomb.key = k;
            tomb.mod_revision = rev;
            mutations.push_back(Mutation{next_log_id_++, true, tomb, e});
            if (op.prev_kv) result.prev_kvs.push_back(e.kv);
            ++result.deleted;
            overlay[k] = std::nullopt;
          }
          break;
        }
      }
      resp.results.push_back(std::move(result));
    }
    resp.revision = mutations.size() > first_mutation ? rev : rev - 1;
    return resp;
  }

  Status WriteMutations(const std::vector<Mutation>& mutations, int64_t revision) {
    SKIFF_RETURN_IF_ERROR(writer_.Exec("BEGIN IMMEDIATE"));
    for (const Mutation& m : mutations) {
      insert_log_.Bind(1, m.log_id);
      insert_log_.Bind(2, m.kv.mod_revision);
      insert_log_.Bind(3, std::string_view(m.kv.key));
      insert_log_.Bind(4, m.kv.create_revision);
      insert_log_.Bind(5, m.kv.version);
      insert_log_.Bind(6, int64_t{m.deleted});
      if (m.deleted) {
        insert_log_.BindNull(7);
      } else {
        insert_log_.Bind(7, std::string_view(m.kv.value));
      }
      if (m.prev) {
        insert_log_.Bind(8, m.prev->log_id);
      } else {
        insert_log_.BindNull(8);
      }
      Status s = insert_log_.Run();
      if (s.ok()) {
        SqliteStatement& cur = m.deleted ? delete_current_ : upsert_current_;
        cur.Bind(1, std::string_view(m.kv.key));
        if (!m.deleted) cur.Bind(2, m.log_id);
        s = cur.Run();
      }
      if (!s.ok()) {
        (void)writer_.Exec("ROLLBACK");
        return s;
      }
    }
    set_meta_.BindText(1, "revision");
    set_meta_.Bind(2, revision);
    Status s = set_meta_.Run();
    if (s.ok()) s = writer_.Exec("COMMIT");
    if (!s.ok()) (void)writer_.Exec("ROLLBACK");
    return s;
  }

  void CommitBatch(const std::vector<PendingTxn*>& batch) {
    static auto& commit_seconds = metrics::Registry::Default().GetHistogram(
        "skiff_store_commit_duration_seconds",
        "Time to evaluate and durably commit one group of store transactions.",
        metrics::LatencyBuckets(), {{"store", "sqlite"}});
    static auto& batch_size = metrics::Registry::Default().GetHistogram(
        "skiff_store_commit_batch_txns", "Transactions per group commit.",
        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}, {{"store", "sqlite"}});
    auto started = std::chrono::steady_clock::now();
    batch_size.Observe(static_cast<double>(batch.size()));
    Overlay overlay;
    std::vector<Mutation> mutations;
    std::vector<TxnResponse> responses;
    int64_t rev = revision_;  // only this thread writes revision_
    int64_t first_log_id = next_log_id_;
    for (PendingTxn* p : batch) {
      size_t before = mutations.size();
      responses.push_back(Evaluate(*p->request, rev + 1, overlay, mutations));
      if (mutations.size() > before) ++rev;
    }
    if (!mutations.empty()) {
      Status s = WriteMutations(mutations, rev);
      if (!s.ok()) {
        next_log_id_ = first_log_id;
        log::Get("store")->error("commit of {} txns failed: {}", batch.size(), s.ToString());
        for (PendingTxn* p : batch)
          p->done.set_value(s.WithContext("store commit"));
        return;
      }
    }
    std::vector<Event> events;
    events.reserve(mutations.size());
    {
      std::unique_lock lock(state_mu_);
      for (auto& [key, entry] : overlay) {
        if (entry) {
          live_[key] = std::move(*entry);  // the overlay is dropped after this
        } else {
          live_.erase(key);
        }
      }
      revision_ = rev;
    }
    for (Mutation& m : mutations) {
      Event e;
      e.type = m.deleted ? Event::Type::kDelete : Event::Type::kPut;
      e.kv = std::move(m.kv);
      if (m.prev) e.prev_kv = std::move(m.prev->kv);
      events.push_back(std::move(e));
    }
    if (!events.empty()) hub_->Publish(std::move(events), rev);
    commit_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    for (size_t i = 0; i < batch.size(); ++i) {
      // A txn that wrote nothing reports the revision current after the batch
      // position it ran at; that is the revision its reads observed.
      batch[i]->done.set_value(std::move(responses[i]));
    }
  }

  Status DoCompact(int64_t revision) {
    {
      std::shared_lock lock(state_mu_);
      if (revision <= compacted_) {
        return OutOfRange("compact to " + std::to_string(revision) +
                          ": required revision has been compacted (compacted at " +
                          std::to_string(compacted_) + ")");
      }
      if (revision > revision_) {
        return OutOfRange("compact to " + std::to_string(revision) +
                          ": required revision is a future revision");
      }
    }
    auto del = writer_.Prepare(
        "DELETE FROM log WHERE rev <= ?1 AND (deleted = 1 OR id < "
        "(SELECT max(l2.id) FROM log l2 WHERE l2.key = log.key AND l2.rev <= ?1))");
    if (!del.ok()) return del.status();
    SKIFF_RETURN_IF_ERROR(writer_.Exec("BEGIN IMMEDIATE"));
    del->Bind(1, revision);
    Status s = del->Run();
    if (s.ok()) {
      set_meta_.BindText(1, "compacted");
      set_meta_.Bind(2, revision);
      s = set_meta_.Run();
    }
    if (s.ok()) s = writer_.Exec("COMMIT");
    if (!s.ok()) {
      (void)writer_.Exec("ROLLBACK");
      return s;
    }
    std::unique_lock lock(state_mu_);
    compacted_ = revision;
    return Status::Ok();
  }

  SqliteStoreOptions options_;
  SqliteDb writer_;  // writer thread only (and Init)
  std::mutex reader_mu_;
  SqliteDb reader_;
  SqliteStatement insert_log_, upsert_current_, delete_current_, set_meta_;
  int64_t next_log_id_ = 1;  // writer thread only

  mutable std::shared_mutex state_mu_;
  std::map<std::string, Entry, std::less<>> live_;
  int64_t revision_ = 1;
  int64_t compacted_ = 0;

  std::shared_ptr<WatchHub> hub_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingTxn*> txn_queue_;
  std::deque<PendingCompact*> compact_queue_;
  bool stopping_ = false;
  std::thread writer_thread_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  auto writer = SqliteDb::Open(options.path);
  if (!writer.ok()) return writer.status();
  auto store_or = [&]() -> Result<std::unique_ptr<SqliteStore>> {
    // The schema must exist before the reader connection prepares statements,
    // which Init() guarantees; the reader is opened alongside.
    auto reader = SqliteDb::Open(options.path);
    if (!reader.ok()) return reader.status();
    auto store = std::make_unique<SqliteStore>(options, std::move(*writer), std::move(*reader));
    Status s = store->Init();
    if (!s.ok()) return s.WithContext("open store " + options.path);
    return store;
  }();
  if (!store_or.ok()) return store_or.status();
  return std::unique_ptr<Store>(std::move(*store_or));
}

}  // namespace skiff::store
