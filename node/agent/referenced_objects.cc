#include "node/agent/referenced_objects.h"

namespace skiff::node {

ReferencedObjects::ReferencedObjects(api::ApiClient& client, const api::KindInfo& kind,
                                     std::function<void(const std::string& ns)> on_change)
    : client_(client), kind_(kind), on_change_(std::move(on_change)) {}

ReferencedObjects::~ReferencedObjects() {
  std::map<Key, Watched> all;
  {
    std::lock_guard lock(mu_);
    all.swap(watched_);
    by_pod_.clear();
  }
  for (auto& [key, w] : all)
    w.informer->Stop();
}

void ReferencedObjects::SetReferences(const std::string& uid, const std::string& ns,
                                      const std::vector<std::string>& names) {
  std::set<Key> want;
  for (const auto& n : names)
    want.insert({ns, n});
  std::vector<Watched> retired;
  std::vector<api::InformerBase*> started;
  {
    std::lock_guard lock(mu_);
    std::set<Key>& have = by_pod_[uid];
    for (auto it = have.begin(); it != have.end();) {
      if (want.count(*it)) {
        ++it;
        continue;
      }
      Unref(uid, *it, &retired);
      it = have.erase(it);
    }
    for (const Key& key : want) {
      if (!have.insert(key).second) continue;
      Watched& w = watched_[key];
      w.pods.insert(uid);
      if (w.informer) continue;
      api::InformerOptions opts;
      opts.ns = key.first;
      opts.field_selector = "metadata.name=" + key.second;
      w.informer = std::make_shared<api::InformerBase>(client_, kind_, opts);
      auto notify = [this, ns = key.first](const api::ObjectPtr&) { on_change_(ns); };
      w.informer->AddHandlers(
          {notify, [notify](const api::ObjectPtr&, const api::ObjectPtr& n) { notify(n); },
           notify});
      started.push_back(w.informer.get());
    }
    if (have.empty()) by_pod_.erase(uid);
    // Start under the lock: a concurrent Forget could otherwise stop and free it first.
    for (auto* inf : started)
      inf->Start();
  }
  for (auto& w : retired)
    w.informer->Stop();
}

void ReferencedObjects::Forget(const std::string& uid) {
  std::vector<Watched> retired;
  {
    std::lock_guard lock(mu_);
    auto it = by_pod_.find(uid);
    if (it == by_pod_.end()) return;
    for (const Key& key : it->second)
      Unref(uid, key, &retired);
    by_pod_.erase(it);
  }
  for (auto& w : retired)
    w.informer->Stop();
}

void ReferencedObjects::Unref(const std::string& uid, const Key& key,
                              std::vector<Watched>* retired) {
  auto it = watched_.find(key);
  if (it == watched_.end()) return;
  it->second.pods.erase(uid);
  if (!it->second.pods.empty()) return;
  retired->push_back(std::move(it->second));
  watched_.erase(it);
}

api::ObjectPtr ReferencedObjects::Get(const std::string& ns, const std::string& name,
                                      std::chrono::milliseconds wait) const {
  std::shared_ptr<api::InformerBase> informer;
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find({ns, name});
    if (it == watched_.end()) return nullptr;
    informer = it->second.informer;
  }
  if (!informer->HasSynced() && !informer->WaitForSync(wait)) return nullptr;
  return informer->Get(ns, name);
}

size_t ReferencedObjects::size() const {
  std::lock_guard lock(mu_);
  return watched_.size();
}

}  // namespace skiff::node
