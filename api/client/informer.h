// Informer: the one list+watch cache every Skiff component uses (the role of
// client-go's SharedInformer). It lists a kind, then watches from the list's
// resourceVersion, keeps a local cache of the objects (with optional
// indexes), and calls event handlers for adds, updates and deletes.
//
// Resilience: a dropped watch is resumed from the last resourceVersion seen
// (events or bookmarks) with back-off; OUT_OF_RANGE (compacted) triggers a
// re-list, and the difference between the cache and the new list is
// delivered as adds, updates and deletes, so handlers never miss a change.
// Memory is bounded by the objects themselves (the server cuts off slow
// watchers instead of queueing without bound).
//
// Threading: handlers run on the informer's own thread, one at a time, in
// event order; they must not block for long. Cache reads (Get, List,
// ByIndex) are thread-safe and return immutable shared objects.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client/client.h"
#include "api/kinds.h"

namespace google::protobuf {
class Message;
}

namespace skiff::api {

using ObjectPtr = std::shared_ptr<const google::protobuf::Message>;

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  int bookmark_interval_seconds = 30;
  // Every period, on_update(obj, obj) for every cached object; 0 = never.
  std::chrono::seconds resync{0};
};

struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
};

class InformerBase {
 public:
  // Index function: the index values of an object (e.g. its node name).
  using IndexFunc = std::function<std::vector<std::string>(const google::protobuf::Message&)>;

  InformerBase(ApiClient& client, const KindInfo& kind, InformerOptions options = {});
  virtual ~InformerBase();  // Stop()s

  // Before Start().
  void AddHandlers(EventHandlers handlers);
  void AddIndex(const std::string& name, IndexFunc func);

  void Start();
  void Stop();
  // True once the first list is in the cache (and its adds delivered).
  bool HasSynced() const { return synced_.load(); }
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // Cache reads. Keys are "namespace/name" (or "name" for cluster kinds).
  ObjectPtr GetByKey(const std::string& key) const;
  ObjectPtr Get(const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> ListAll() const;
  std::vector<ObjectPtr> ListNamespace(const std::string& ns) const;
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  size_t size() const;
  std::string last_resource_version() const;
  const KindInfo& kind() const { return kind_; }

  static std::string KeyOf(const google::protobuf::Message& object);

 private:
  void Run();
  // Lists and replaces the cache; false when stopping or the list failed.
  bool ListAndReplace();
  // Watches until the stream ends; returns the end status.
  Status WatchOnce();
  void Apply(const std::string& type, ObjectPtr object);
  void Upsert(ObjectPtr object);  // cache + indexes, under lock
  void Erase(const std::string& key);
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  ApiClient& client_;
  const KindInfo& kind_;
  InformerOptions options_;
  std::vector<EventHandlers> handlers_;
  std::map<std::string, IndexFunc> index_funcs_;

  mutable std::shared_mutex cache_mu_;
  std::map<std::string, ObjectPtr> cache_;
  // index name -> value -> keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;
  std::string resource_version_;

  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  mutable std::mutex run_mu_;
  mutable std::condition_variable run_cv_;
  std::unique_ptr<WatchStream> watch_;  // guarded by run_mu_
  std::thread thread_;
};

// Typed view: T is the kind message.
template <typename T>
class Informer : public InformerBase {
 public:
  explicit Informer(ApiClient& client, InformerOptions options = {})
      : InformerBase(client, *FindKind(T::descriptor()), std::move(options)) {}

  std::shared_ptr<const T> Get(const std::string& ns, const std::string& name) const {
    return std::static_pointer_cast<const T>(InformerBase::Get(ns, name));
  }
  std::vector<std::shared_ptr<const T>> List(const std::string& ns = "") const {
    return Cast(ns.empty() ? ListAll() : ListNamespace(ns));
  }
  std::vector<std::shared_ptr<const T>> Indexed(const std::string& index,
                                                const std::string& value) const {
    return Cast(ByIndex(index, value));
  }
  static std::shared_ptr<const T> As(const ObjectPtr& p) {
    return std::static_pointer_cast<const T>(p);
  }

 private:
  static std::vector<std::shared_ptr<const T>> Cast(const std::vector<ObjectPtr>& in) {
    std::vector<std::shared_ptr<const T>> out;
    out.reserve(in.size());
    for (const auto& p : in)
      out.push_back(std::static_pointer_cast<const T>(p));
    return out;
  }
};

}  // namespace skiff::api
