#include "controlplane/store/watch_hub.h"

#include <pthread.h>

#include <algorithm>

namespace skiff::store {

class WatchHub::Handle : public WatchHandle {
 public:
  Handle(std::shared_ptr<WatchHub> hub, std::list<Watcher>::iterator it)
      : hub_(std::move(hub)), it_(it) {}
  ~Handle() override { hub_->Remove(it_); }

 private:
  std::shared_ptr<WatchHub> hub_;
  std::list<Watcher>::iterator it_;
};

WatchHub::WatchHub(HistoryReader history, size_t ring_capacity, int64_t delivered_revision)
    : history_(std::move(history)),
      ring_capacity_(ring_capacity),
      ring_complete_from_(delivered_revision + 1),
      delivered_revision_(delivered_revision),
      dispatcher_([this] { DispatchLoop(); }) {}

WatchHub::~WatchHub() {
  Close();
}

void WatchHub::Publish(std::vector<Event> events, int64_t revision) {
  std::lock_guard lock(queue_mu_);
  if (closed_) return;
  queue_.push_back(Batch{std::move(events), revision});
  queue_cv_.notify_one();
}

void WatchHub::Deliver(Watcher& w, const std::vector<Event>& events) {
  WatchResponse resp;
  for (const Event& e : events) {
    if (e.kv.mod_revision < w.request.start_revision) continue;
    if (!InRange(e.kv.key, w.request.key, w.request.range_end)) continue;
    resp.events.push_back(e);
    if (!w.request.prev_kv) resp.events.back().prev_kv.reset();
  }
  if (!resp.events.empty()) w.handler(std::move(resp));
}

void WatchHub::DispatchLoop() {
  pthread_setname_np(pthread_self(), "store-watch");
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closed and drained
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    std::lock_guard lock(mu_);
    for (Watcher& w : watchers_)
      Deliver(w, batch.events);
    for (Event& e : batch.events)
      ring_.push_back(std::move(e));
    while (ring_.size() > ring_capacity_) {
      // Drop whole revisions so the ring stays complete from its first one.
      int64_t rev = ring_.front().kv.mod_revision;
      while (!ring_.empty() && ring_.front().kv.mod_revision == rev)
        ring_.pop_front();
      ring_complete_from_ = rev + 1;
    }
    delivered_revision_ = batch.revision;
  }
}

Result<std::unique_ptr<WatchHandle>> WatchHub::Add(const WatchRequest& request,
                                                   WatchHandler handler, int64_t compacted) {
  std::lock_guard lock(mu_);
  {
    std::lock_guard qlock(queue_mu_);
    if (closed_) return Unavailable("store is closed");
  }
  WatchRequest req = request;
  if (req.start_revision == 0) req.start_revision = delivered_revision_ + 1;
  if (req.start_revision <= compacted) {
    return OutOfRange("watch from revision " + std::to_string(req.start_revision) +
                      ": required revision has been compacted (compacted at " +
                      std::to_string(compacted) + ")");
  }
  Watcher w{req, std::move(handler)};
  if (req.start_revision <= delivered_revision_) {
    if (req.start_revision >= ring_complete_from_) {
      std::vector<Event> history;
      for (const Event& e : ring_) {
        if (e.kv.mod_revision >= req.start_revision) history.push_back(e);
      }
      Deliver(w, history);
    } else {
      auto history = history_(req.start_revision - 1, delivered_revision_);
      if (!history.ok()) return history.status();
      Deliver(w, *history);
    }
  }
  watchers_.push_back(std::move(w));
  return std::unique_ptr<WatchHandle>(new Handle(shared_from_this(), std::prev(watchers_.end())));
}

void WatchHub::Remove(std::list<Watcher>::iterator it) {
  std::lock_guard lock(mu_);
  watchers_.erase(it);
}

void WatchHub::Close() {
  {
    std::lock_guard qlock(queue_mu_);
    if (closed_) return;
    closed_ = true;
    queue_cv_.notify_all();
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  std::lock_guard lock(mu_);
  for (Watcher& w : watchers_) {
    WatchResponse resp;
    resp.status = Unavailable("store closed");
    w.handler(std::move(resp));
    w.handler = [](WatchResponse) {};
  }
}

size_t WatchHub::watcher_count() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

}  // namespace skiff::store
