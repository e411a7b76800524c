// The Secrets or ConfigMaps this node's pods reference, each watched on its
// own (namespace + field selector metadata.name=NAME), as kubelet's "Watch"
// change-detection strategy does. The node authorizer lets an agent read
// exactly the objects referenced by pods bound to its node, so a cluster-wide
// list would be refused; and a node should not hold other tenants' secrets.
//
//   ReferencedObjects secrets(client, api::FindKind("Secret"), on_change);
//   secrets.SetReferences(pod_uid, "shop", {"db-password"});   // pod admitted
//   auto s = secrets.Get("shop", "db-password", 5s);           // while syncing
//   secrets.Forget(pod_uid);                                   // pod gone
//
// One informer per (namespace, name), shared by every pod that references
// it, stopped when the last reference goes. `on_change(ns)` runs on informer
// threads when a watched object is added, changed or deleted.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/client/informer.h"

namespace skiff::node {

class ReferencedObjects {
 public:
  ReferencedObjects(api::ApiClient& client, const api::KindInfo& kind,
                    std::function<void(const std::string& ns)> on_change);
  ~ReferencedObjects();  // stops every informer

  // Pod `uid` (in `ns`) now references exactly `names`.
  void SetReferences(const std::string& uid, const std::string& ns,
                     const std::vector<std::string>& names);
  // Pod `uid` references nothing any more.
  void Forget(const std::string& uid);

  // The object, waiting up to `wait` for its informer's first list. nullptr
  // when it does not exist, is not referenced, or could not be read in time
  // (not authorised yet: the pod binding may still be on its way to the
  // authorizer; the informer keeps retrying and on_change fires when it
  // arrives).
  api::ObjectPtr Get(const std::string& ns, const std::string& name,
                     std::chrono::milliseconds wait) const;

  // Watched objects (tests, metrics).
  size_t size() const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  struct Watched {
    std::shared_ptr<api::InformerBase> informer;  // Get() may hold it a while
    std::set<std::string> pods;                   // uids
  };

  void Unref(const std::string& uid, const Key& key, std::vector<Watched>* retired);

  api::ApiClient& client_;
  const api::KindInfo& kind_;
  std::function<void(const std::string&)> on_change_;
  mutable std::mutex mu_;
  std::map<Key, Watched> watched_;
  std::map<std::string, std::set<Key>> by_pod_;
};

}  // namespace skiff::node
