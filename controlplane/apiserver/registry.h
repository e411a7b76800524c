// Registry: the API server's semantics over the store, for every kind —
// what Create / Get / List / Update / Delete / Watch mean (see
// api/proto/skiff/api/service.proto), independent of transport. The gRPC
// service and the server's in-process client both call it.
//
// Writes: defaulting, validation (every field error, with paths), admission
// plugins, then one store Txn guarded by compare-and-swap, so a write is
// applied whole or not at all. Deletion honours finalizers, propagation
// policy (foreground/orphan finalizers for the garbage collector) and pods'
// graceful termination.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/client/client.h"
#include "api/kinds.h"
#include "controlplane/apiserver/admission.h"
#include "controlplane/store/store.h"

namespace skiff::apiserver {

struct RegistryOptions {
  // Events queued for one watcher before it is cut off as too slow (it then
  // re-watches from its last resourceVersion).
  size_t max_watch_queue = 100000;
  // Page size of store reads while filtering a List.
  int64_t list_page = 500;
};

class Registry {
 public:
  Registry(store::Store& store, std::vector<std::unique_ptr<AdmissionPlugin>> plugins,
           RegistryOptions options = {});

  Result<api::ObjectResponse> Create(const api::CreateRequest& request);
  Result<api::ObjectResponse> Get(const api::GetRequest& request);
  Result<api::ListResponse> List(const api::ListRequest& request);
  // Subresources: "" (everything but .status), "status" (only .status), and for Pods
  // "binding": the object is a Pod naming the pod (metadata.namespace/name; metadata.uid
  // and metadata.resourceVersion, when set, are preconditions) and the node
  // (spec.nodeName); metadata.annotations are added to the pod's. The binding sets
  // spec.nodeName and the PodScheduled=True condition and fails with ABORTED when the pod
  // is already bound, being deleted, gated, or fails a precondition (kube-apiserver's
  // pods/binding). Returns the bound pod.
  Result<api::ObjectResponse> Update(const api::UpdateRequest& request);
  Result<api::ObjectResponse> Delete(const api::DeleteRequest& request);
  Result<std::unique_ptr<api::WatchStream>> Watch(const api::WatchRequest& request);

  // Creates the namespaces every cluster has (default, kube-system,
  // kube-public, kube-node-lease) when missing.
  Status EnsureSystemNamespaces();

  store::Store& store() { return store_; }

 private:
  // An object as stored: decoded (resourceVersion set) and the raw key-value.
  struct Current {
    std::unique_ptr<google::protobuf::Message> object;
    store::KeyValue kv;
  };
  Result<Current> ReadCurrent(const api::KindInfo& kind, const std::string& ns,
                              const std::string& name);
  Status CheckNamespaceWritable(const std::string& ns);
  Result<api::ObjectResponse> WriteUpdate(const api::KindInfo& kind, const Current& current,
                                          google::protobuf::Message* updated, bool dry_run,
                                          bool force);
  // registry_binding.cc: Update with subresource "binding".
  Result<api::ObjectResponse> Bind(const api::KindInfo& kind,
                                   const google::protobuf::Message& binding, bool dry_run);
  Result<api::ObjectResponse> DeleteNow(const api::KindInfo& kind, const Current& current);
  Status RunAdmission(Operation op, google::protobuf::Message* object,
                      const google::protobuf::Message* old, store::TxnRequest* txn);

  store::Store& store_;
  std::vector<std::unique_ptr<AdmissionPlugin>> plugins_;
  RegistryOptions options_;
};

}  // namespace skiff::apiserver
