// Registry::List and Registry::Watch: reads of many objects, with label and
// field selectors, pagination, and watches that turn store events into
// Kubernetes watch events.
#include <google/protobuf/message.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "api/kinds.h"
#include "api/labels.h"
#include "controlplane/apiserver/codec.h"
#include "controlplane/apiserver/field_selector.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/registry_internal.h"
#include "skiff/api/meta.pb.h"

namespace skiff::apiserver {
namespace {

using google::protobuf::Message;
using internal::KindOf;

// Label + field selectors of one List/Watch.
struct Filter {
  api::Selector labels;
  FieldSelector fields;

  bool empty() const { return labels.empty() && fields.empty(); }
  bool Matches(const Message& object) const {
    return labels.Matches(api::GetObjectMeta(object)->labels()) && fields.Matches(object);
  }
};

Result<Filter> MakeFilter(const api::KindInfo& kind, const std::string& label_selector,
                          const std::string& field_selector) {
  Filter f;
  auto labels = api::Selector::Parse(label_selector);
  if (!labels.ok()) return labels.status();
  f.labels = std::move(*labels);
  auto fields = FieldSelector::Parse(field_selector, kind.descriptor);
  if (!fields.ok()) return fields.status();
  f.fields = std::move(*fields);
  return f;
}

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> Unhex(std::string_view s) {
  if (s.size() % 2) return InvalidArgument("bad hex");
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("bad hex");
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Continue tokens: "<revision>:<hex of the next key>".
std::string EncodeContinue(int64_t revision, std::string_view next_key) {
  return FormatRevision(revision) + ":" + Hex(next_key);
}

Status BadContinue() {
  return InvalidArgument("continue: invalid value: the continue token is malformed");
}

}  // namespace

Result<api::ListResponse> Registry::List(const api::ListRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  auto filter = MakeFilter(kind, req.label_selector(), req.field_selector());
  if (!filter.ok()) return filter.status();
  if (req.limit() < 0) return InvalidArgument("limit: must be >= 0");

  std::string prefix = KindPrefix(kind, kind.namespaced ? req.namespace_() : "");
  std::string end = store::PrefixEnd(prefix);
  std::string start = prefix;
  auto rev = ParseResourceVersion(req.resource_version());
  if (!rev.ok()) return rev.status();
  int64_t revision = *rev;
  if (!req.continue_().empty()) {
    size_t colon = req.continue_().find(':');
    if (colon == std::string::npos) return BadContinue();
    auto r = ParseResourceVersion(req.continue_().substr(0, colon));
    auto k = Unhex(req.continue_().substr(colon + 1));
    if (!r.ok() || !k.ok() || !k->starts_with(prefix)) return BadContinue();
    revision = *r;
    start = *k;
  }

  api::ListResponse out;
  const int64_t page = filter->empty() && req.limit() > 0 ? req.limit() : options_.list_page;
  for (;;) {
    store::RangeRequest range;
    range.key = start;
    range.range_end = end;
    range.limit = page;
    range.revision = revision;
    auto resp = store_.Range(range);
    if (!resp.ok()) {
      if (resp.status().code() == StatusCode::kOutOfRange && !req.continue_().empty()) {
        return OutOfRange(
            "The provided continue parameter is too old to display a consistent list result. "
            "Start a new list without the continue parameter.");
      }
      return resp.status();
    }
    revision = resp->revision;  // every page reads the same snapshot
    if (range.revision == 0) revision = resp->revision;
    for (size_t i = 0; i < resp->kvs.size(); ++i) {
      auto& kv = resp->kvs[i];
      if (!filter->empty()) {
        auto obj = Decode(kind, kv.value);
        if (!obj.ok() || !filter->Matches(**obj)) continue;
      }
      out.add_items(WithResourceVersion(std::move(kv.value), kv.mod_revision));
      if (req.limit() > 0 && out.items_size() >= req.limit()) {
        bool more_here = i + 1 < resp->kvs.size();
        if (more_here || resp->more) {
          out.set_continue_(EncodeContinue(revision, kv.key + std::string(1, '\0')));
          if (filter->empty()) {
            out.set_remaining_item_count(resp->count - static_cast<int64_t>(i) - 1);
          }
        }
        out.set_resource_version(FormatRevision(revision));
        return out;
      }
    }
    if (!resp->more || resp->kvs.empty()) break;
    start = resp->kvs.back().key + std::string(1, '\0');
    range.revision = revision;
  }
  out.set_resource_version(FormatRevision(revision));
  return out;
}

namespace {

// One client watch: a store watch on the kind's prefix whose events are
// filtered, turned into ADDED/MODIFIED/DELETED and queued for Read().
class ServerWatch : public api::WatchStream {
 public:
  ServerWatch(const api::KindInfo& kind, Filter filter, size_t max_queue,
              std::chrono::seconds bookmark_interval)
      : kind_(kind),
        filter_(std::move(filter)),
        max_queue_(max_queue),
        bookmark_interval_(bookmark_interval),
        last_event_(std::chrono::steady_clock::now()) {}

  ~ServerWatch() override { handle_.reset(); }

  void SetHandle(std::unique_ptr<store::WatchHandle> handle) { handle_ = std::move(handle); }

  // Queues the initial state (resourceVersion "" or "0").
  void AddInitial(std::vector<store::KeyValue> kvs, int64_t revision) {
    std::lock_guard lock(mu_);
    for (auto& kv : kvs) {
      if (!filter_.empty()) {
        auto obj = Decode(kind_, kv.value);
        if (!obj.ok() || !filter_.Matches(**obj)) continue;
      }
      Push("ADDED", WithResourceVersion(std::move(kv.value), kv.mod_revision));
    }
    last_revision_ = revision;
  }

  void SetStartRevision(int64_t revision) {
    std::lock_guard lock(mu_);
    last_revision_ = revision;
  }

  // Store watch handler: runs on the store's delivery thread.
  void OnStoreEvents(store::WatchResponse resp) {
    std::lock_guard lock(mu_);
    if (ended_) return;
    if (!resp.status.ok()) {
      End(resp.status);
      return;
    }
    for (auto& e : resp.events) {
      bool is_put = e.type == store::Event::Type::kPut;
      bool old_match = false, new_match = false;
      if (filter_.empty()) {
        old_match = e.prev_kv.has_value() || !is_put;  // a delete always matched
        new_match = is_put;
      } else {
        if (e.prev_kv) {
          auto prev = Decode(kind_, e.prev_kv->value);
          old_match = prev.ok() && filter_.Matches(**prev);
        }
        if (is_put) {
          auto cur = Decode(kind_, e.kv.value);
          new_match = cur.ok() && filter_.Matches(**cur);
        }
      }
      int64_t rev = e.kv.mod_revision;
      if (is_put && new_match) {
        Push(old_match ? "MODIFIED" : "ADDED", WithResourceVersion(std::move(e.kv.value), rev));
      } else if (old_match) {
        // Deleted, or no longer matching: the last state the client saw.
        Push("DELETED", WithResourceVersion(
                            e.prev_kv ? std::move(e.prev_kv->value) : Tombstone(e.kv.key), rev));
      }
      last_revision_ = rev;
      if (ended_) return;
    }
  }

  Next Read(api::WatchEvent* event, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!queue_.empty()) {
        *event = std::move(queue_.front());
        queue_.pop_front();
        last_event_ = std::chrono::steady_clock::now();
        return Next::kEvent;
      }
      if (ended_) return Next::kEnd;
      auto now = std::chrono::steady_clock::now();
      if (bookmark_interval_.count() > 0 && now - last_event_ >= bookmark_interval_) {
        last_event_ = now;
        *event = Bookmark();
        return Next::kEvent;
      }
      auto wake = deadline;
      if (bookmark_interval_.count() > 0) wake = std::min(wake, last_event_ + bookmark_interval_);
      if (now >= deadline) return Next::kTimeout;
      cv_.wait_until(lock, wake);
    }
  }

  void Cancel() override {
    std::lock_guard lock(mu_);
    End(Status::Ok());
  }

  Status status() const override {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  void Push(const char* type, std::string object) {
    if (queue_.size() >= max_queue_) {
      End(Unavailable("watch of " + std::string(kind_.resource) +
                      " cut off: the client is too slow; re-watch from the last resourceVersion"));
      return;
    }
    api::WatchEvent ev;
    ev.set_type(type);
    ev.set_object(std::move(object));
    ev.set_kind(std::string(kind_.kind));
    queue_.push_back(std::move(ev));
    cv_.notify_all();
  }

  // A bare object naming the deleted key, when the store no longer has its
  // last state (compacted).
  std::string Tombstone(std::string_view key) const {
    auto obj = kind_.New();
    api::SetTypeMeta(obj.get());
    std::string_view rest = key.substr(KindPrefix(kind_, "").size());
    auto* meta = api::MutableObjectMeta(obj.get());
    size_t slash = rest.find('/');
    if (kind_.namespaced && slash != std::string_view::npos) {
      meta->set_namespace_(std::string(rest.substr(0, slash)));
      rest.remove_prefix(slash + 1);
    }
    meta->set_name(std::string(rest));
    return obj->SerializeAsString();
  }

  api::WatchEvent Bookmark() const {
    auto obj = kind_.New();
    api::SetTypeMeta(obj.get());
    api::MutableObjectMeta(obj.get())->set_resource_version(FormatRevision(last_revision_));
    api::WatchEvent ev;
    ev.set_type("BOOKMARK");
    ev.set_kind(std::string(kind_.kind));
    ev.set_object(obj->SerializeAsString());
    return ev;
  }

  void End(Status s) {
    if (ended_) return;
    ended_ = true;
    status_ = std::move(s);
    cv_.notify_all();
  }

  const api::KindInfo& kind_;
  Filter filter_;
  size_t max_queue_;
  std::chrono::seconds bookmark_interval_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<api::WatchEvent> queue_;
  bool ended_ = false;
  Status status_;
  int64_t last_revision_ = 0;
  std::chrono::steady_clock::time_point last_event_;
  std::unique_ptr<store::WatchHandle> handle_;
};

}  // namespace

Result<std::unique_ptr<api::WatchStream>> Registry::Watch(const api::WatchRequest& req) {
  auto kind_or = KindOf(req.kind());
  if (!kind_or.ok()) return kind_or.status();
  const api::KindInfo& kind = **kind_or;
  auto filter = MakeFilter(kind, req.label_selector(), req.field_selector());
  if (!filter.ok()) return filter.status();
  auto rv = ParseResourceVersion(req.resource_version());
  if (!rv.ok()) return rv.status();

  std::string prefix = KindPrefix(kind, kind.namespaced ? req.namespace_() : "");
  auto watch = std::make_unique<ServerWatch>(kind, std::move(*filter), options_.max_watch_queue,
                                             std::chrono::seconds(req.bookmark_interval_seconds()));
  int64_t from = *rv;
  if (from == 0) {
    // "" and "0": the current state as ADDED events, then changes after it.
    store::RangeRequest range;
    range.key = prefix;
    range.range_end = store::PrefixEnd(prefix);
    auto resp = store_.Range(range);
    if (!resp.ok()) return resp.status();
    from = resp->revision;
    watch->AddInitial(std::move(resp->kvs), from);
  } else {
    watch->SetStartRevision(from);
  }
  store::WatchRequest sreq;
  sreq.key = prefix;
  sreq.range_end = store::PrefixEnd(prefix);
  sreq.start_revision = from + 1;
  sreq.prev_kv = true;
  ServerWatch* raw = watch.get();
  auto handle =
      store_.Watch(sreq, [raw](store::WatchResponse resp) { raw->OnStoreEvents(std::move(resp)); });
  if (!handle.ok()) {
    if (handle.status().code() == StatusCode::kOutOfRange) {
      return OutOfRange("too old resource version: " + FormatRevision(*rv) + " (" +
                        handle.status().message() + ")");
    }
    return handle.status();
  }
  watch->SetHandle(std::move(*handle));
  return std::unique_ptr<api::WatchStream>(std::move(watch));
}

}  // namespace skiff::apiserver
