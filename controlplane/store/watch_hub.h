// WatchHub: fans committed events out to watchers, for stores that produce
// their own event stream (SqliteStore). Keeps a bounded ring of recent events
// so that most watches starting in the past catch up from memory; older
// starts read the store's history through a HistoryReader.
//
// Ordering: Publish() must be called in revision order by one writer. Each
// watcher sees every matching event exactly once, in revision order, first
// its catch-up history and then live events, with no gap between them.
// Thread-safety: all methods are thread-safe. Handlers run on the hub's
// dispatcher thread (catch-up deliveries run on the caller of Add()).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "controlplane/store/store.h"

namespace skiff::store {

// Create with std::make_shared: watch handles keep the hub alive, so a handle
// may outlive the store that owns the hub (it then only unregisters).
class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // Returns every event with from < revision <= to, in revision order, with
  // prev_kv filled where known.
  using HistoryReader = std::function<Result<std::vector<Event>>(int64_t from, int64_t to)>;

  // `delivered_revision`: the store's revision at start; events published
  // later must have higher revisions.
  WatchHub(HistoryReader history, size_t ring_capacity, int64_t delivered_revision);
  ~WatchHub();  // Close()s

  // Queues the events of one committed batch (all revisions <= `revision`).
  void Publish(std::vector<Event> events, int64_t revision);

  // Registers a watch after delivering its catch-up history.
  // `compacted`: the store's last compacted revision.
  Result<std::unique_ptr<WatchHandle>> Add(const WatchRequest& request, WatchHandler handler,
                                           int64_t compacted);

  // Ends all watches with UNAVAILABLE and stops the dispatcher. Live
  // watches are unaffected by compaction (as in etcd); only Add() checks it.
  void Close();

  size_t watcher_count() const;

 private:
  struct Watcher {
    WatchRequest request;
    WatchHandler handler;
  };
  class Handle;
  struct Batch {
    std::vector<Event> events;
    int64_t revision;
  };

  void DispatchLoop();
  void Deliver(Watcher& w, const std::vector<Event>& events);
  void Remove(std::list<Watcher>::iterator it);

  HistoryReader history_;
  const size_t ring_capacity_;

  // Guards watchers_, ring_ and delivered_revision_; held while handlers run
  // so that Add()'s catch-up and removal are ordered with deliveries.
  mutable std::mutex mu_;
  std::list<Watcher> watchers_;
  std::deque<Event> ring_;          // most recent delivered events
  int64_t ring_complete_from_ = 0;  // ring holds every event with revision >= this
  int64_t delivered_revision_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Batch> queue_;
  bool closed_ = false;
  std::thread dispatcher_;
};

}  // namespace skiff::store
