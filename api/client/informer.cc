#include "api/client/informer.h"

#include <google/protobuf/message.h>

#include <algorithm>

#include "common/log.h"
#include "skiff/api/meta.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::Message;

constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
constexpr auto kReadTick = std::chrono::milliseconds(200);

}  // namespace

std::string InformerBase::KeyOf(const Message& object) {
  const ObjectMeta* meta = GetObjectMeta(object);
  if (!meta) return "";
  return meta->namespace_().empty() ? meta->name() : meta->namespace_() + "/" + meta->name();
}

InformerBase::InformerBase(ApiClient& client, const KindInfo& kind, InformerOptions options)
    : client_(client), kind_(kind), options_(std::move(options)) {}

InformerBase::~InformerBase() {
  Stop();
}

void InformerBase::AddHandlers(EventHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void InformerBase::AddIndex(const std::string& name, IndexFunc func) {
  index_funcs_[name] = std::move(func);
}

void InformerBase::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void InformerBase::Stop() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
    if (watch_) watch_->Cancel();
    run_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool InformerBase::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(run_mu_);
  return run_cv_.wait_for(lock, timeout, [&] { return synced_.load() || stopping_.load(); }) &&
         synced_.load();
}

bool InformerBase::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock lock(run_mu_);
  return !run_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
}

void InformerBase::Run() {
  auto backoff = kMinBackoff;
  bool need_list = true;
  auto last_resync = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (need_list) {
      if (!ListAndReplace()) {
        if (!SleepUnlessStopped(backoff)) return;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      need_list = false;
      backoff = kMinBackoff;
    }
    Status end = WatchOnce();
    if (stopping_) return;
    if (end.code() == StatusCode::kOutOfRange) {
      log::Get("informer")->info("kind={} resourceVersion compacted, re-listing", kind_.kind);
      need_list = true;
      continue;
    }
    if (!end.ok()) {
      log::Get("informer")->debug("kind={} watch ended: {}", kind_.kind, end.ToString());
      if (!SleepUnlessStopped(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
    } else {
      backoff = kMinBackoff;
    }
    if (options_.resync.count() > 0 &&
        std::chrono::steady_clock::now() - last_resync >= options_.resync) {
      last_resync = std::chrono::steady_clock::now();
      for (const auto& obj : ListAll()) {
        for (auto& h : handlers_) {
          if (h.on_update) h.on_update(obj, obj);
        }
      }
    }
  }
}

bool InformerBase::ListAndReplace() {
  ListRequest req;
  req.set_kind(std::string(kind_.kind));
  req.set_namespace_(options_.ns);
  req.set_label_selector(options_.label_selector);
  req.set_field_selector(options_.field_selector);
  auto resp = client_.List(req);
  if (!resp.ok()) {
    log::Get("informer")->warn("kind={} list failed: {}", kind_.kind, resp.status().ToString());
    return false;
  }
  std::map<std::string, ObjectPtr> fresh;
  for (const auto& item : resp->items()) {
    auto obj = std::shared_ptr<Message>(kind_.New());
    if (!obj->ParseFromString(item)) continue;
    fresh[KeyOf(*obj)] = std::move(obj);
  }
  // Deliver the difference between what we had and what is there now.
  std::vector<ObjectPtr> added, deleted;
  std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;
  {
    std::unique_lock lock(cache_mu_);
    for (const auto& [key, old] : cache_) {
      if (!fresh.count(key)) deleted.push_back(old);
    }
    for (const auto& [key, obj] : fresh) {
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        added.push_back(obj);
      } else if (GetObjectMeta(*it->second)->resource_version() !=
                 GetObjectMeta(*obj)->resource_version()) {
        updated.emplace_back(it->second, obj);
      }
    }
    cache_.clear();
    indexes_.clear();
    resource_version_ = resp->resource_version();
  }
  for (const auto& [key, obj] : fresh) {
    std::unique_lock lock(cache_mu_);
    Upsert(obj);
  }
  for (const auto& obj : deleted) {
    for (auto& h : handlers_) {
      if (h.on_delete) h.on_delete(obj);
    }
  }
  for (const auto& obj : added) {
    for (auto& h : handlers_) {
      if (h.on_add) h.on_add(obj);
    }
  }
  for (const auto& [old, obj] : updated) {
    for (auto& h : handlers_) {
      if (h.on_update) h.on_update(old, obj);
    }
  }
  {
    std::lock_guard lock(run_mu_);
    synced_ = true;
    run_cv_.notify_all();
  }
  return true;
}

Status InformerBase::WatchOnce() {
  WatchRequest req;
  req.set_kind(std::string(kind_.kind));
  req.set_namespace_(options_.ns);
  req.set_label_selector(options_.label_selector);
  req.set_field_selector(options_.field_selector);
  req.set_resource_version(last_resource_version());
  req.set_bookmark_interval_seconds(options_.bookmark_interval_seconds);
  auto stream = client_.Watch(req);
  if (!stream.ok()) return stream.status();
  {
    std::lock_guard lock(run_mu_);
    if (stopping_) return Status::Ok();
    watch_ = std::move(*stream);
  }
  WatchEvent ev;
  Status end;
  auto resync_deadline = options_.resync.count() > 0
                             ? std::chrono::steady_clock::now() + options_.resync
                             : std::chrono::steady_clock::time_point::max();
  for (;;) {
    auto next = watch_->Read(&ev, kReadTick);
    if (next == WatchStream::Next::kEnd) {
      end = watch_->status();
      break;
    }
    if (stopping_) break;
    if (next == WatchStream::Next::kTimeout) {
      if (std::chrono::steady_clock::now() >= resync_deadline) break;  // Run() resyncs
      continue;
    }
    auto obj = std::shared_ptr<Message>(kind_.New());
    if (!obj->ParseFromString(ev.object())) continue;
    std::string rv = GetObjectMeta(*obj)->resource_version();
    if (ev.type() != "BOOKMARK") Apply(ev.type(), obj);
    std::unique_lock lock(cache_mu_);
    if (!rv.empty()) resource_version_ = rv;
  }
  std::lock_guard lock(run_mu_);
  watch_.reset();
  return end;
}

void InformerBase::Apply(const std::string& type, ObjectPtr object) {
  std::string key = KeyOf(*object);
  ObjectPtr old;
  {
    std::unique_lock lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (type == "DELETED") {
      Erase(key);
    } else {
      Upsert(object);
    }
  }
  for (auto& h : handlers_) {
    if (type == "DELETED") {
      if (h.on_delete) h.on_delete(old ? old : object);
    } else if (old) {
      if (h.on_update) h.on_update(old, object);
    } else if (h.on_add) {
      h.on_add(object);
    }
  }
}

void InformerBase::Upsert(ObjectPtr object) {
  std::string key = KeyOf(*object);
  Erase(key);
  for (const auto& [name, func] : index_funcs_) {
    for (const auto& value : func(*object))
      indexes_[name][value].insert(key);
  }
  cache_[key] = std::move(object);
}

void InformerBase::Erase(const std::string& key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  for (const auto& [name, func] : index_funcs_) {
    for (const auto& value : func(*it->second)) {
      auto& keys = indexes_[name][value];
      keys.erase(key);
      if (keys.empty()) indexes_[name].erase(value);
    }
  }
  cache_.erase(it);
}

ObjectPtr InformerBase::GetByKey(const std::string& key) const {
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

ObjectPtr InformerBase::Get(const std::string& ns, const std::string& name) const {
  return GetByKey(ns.empty() ? name : ns + "/" + name);
}

std::vector<ObjectPtr> InformerBase::ListAll() const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_)
    out.push_back(v);
  return out;
}

std::vector<ObjectPtr> InformerBase::ListNamespace(const std::string& ns) const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  std::string prefix = ns + "/";
  for (auto it = cache_.lower_bound(prefix); it != cache_.end() && it->first.starts_with(prefix);
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> InformerBase::ByIndex(const std::string& index,
                                             const std::string& value) const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    auto it = cache_.find(key);
    if (it != cache_.end()) out.push_back(it->second);
  }
  return out;
}

size_t InformerBase::size() const {
  std::shared_lock lock(cache_mu_);
  return cache_.size();
}

std::string InformerBase::last_resource_version() const {
  std::shared_lock lock(cache_mu_);
  return resource_version_;
}

}  // namespace skiff::api
