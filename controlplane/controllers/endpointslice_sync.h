// What the controllers behind a Service's endpoints share — the EndpointSlice controller
// (Services with a selector), the endpoints controller (their core/v1 Endpoints) and the
// EndpointSlice mirroring controller (Endpoints of Services without one): queueing Services
// when their pods change, the slice cache's per-Service index, waiting for created slices to
// reach the cache, grouping endpoints by address type and ports, cutting groups into slices,
// and writing the difference between the slices that exist and the slices wanted (reusing
// existing slices, only changed ones written).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <mutex>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "common/status.h"
#include "controlplane/controllers/work_queue.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/meta.pb.h"

namespace skiff::controllers {

inline constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";
inline constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";

// Handlers queueing an object's own key ("ns/name") when it is added, changed or deleted.
api::EventHandlers QueueOwnKey(WorkQueue& queue);
// Handlers queueing the key of every Service in `services` whose selector matches a pod that
// is added, changed (its old and its new labels) or deleted.
api::EventHandlers QueueServicesOfPod(const api::Informer<api::Service>& services,
                                      WorkQueue& queue);

// An informer of the slices labelled managed-by `managed_by`, indexed by the key ("ns/name")
// of the Service in their kubernetes.io/service-name label (kSliceServiceIndex); a deleted
// slice queues its Service's key (someone removed a slice we keep: put it back). Not started.
inline constexpr const char* kSliceServiceIndex = "service-name";
std::unique_ptr<api::Informer<api::EndpointSlice>> ManagedSliceInformer(
    api::ApiClient& client, const std::string& managed_by, WorkQueue& queue);

// Slices a controller created that its cache has not shown yet, per Service key: a sync
// waits for them rather than create duplicates from a stale cache. Thread-safe.
class PendingSliceCreates {
 public:
  // Forgets the names `existing` (the cache's slices of `key`) shows; true while some
  // created slice of `key` is still missing from it.
  bool Waiting(const std::string& key,
               const std::vector<std::shared_ptr<const api::EndpointSlice>>& existing);
  void Add(const std::string& key, const std::set<std::string>& names);

 private:
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> pending_;
};

// Endpoints sharing one address type and one port list (one slice family).
struct SliceGroup {
  std::string address_type;  // IPv4, IPv6
  std::vector<api::EndpointPort> ports;
  std::vector<api::Endpoint> endpoints;
};
// Groups keyed by address type and ports, so that equal port lists land together.
using SliceGroups = std::map<std::string, SliceGroup>;

// The group for (address_type, ports) in `groups`, created empty when new.
SliceGroup& GroupFor(SliceGroups& groups, const std::string& address_type,
                     const std::vector<api::EndpointPort>& ports);

// The port a Service port reaches on `pod`: targetPort as a number, a named targetPort
// looked up in the pod's container ports (same protocol), port when targetPort is unset;
// 0 when a named targetPort is not among the pod's ports.
int32_t ResolveServicePort(const api::ServicePort& port, const api::Pod& pod);

// The slices for `groups`: each group cut into slices of at most `max_per_slice`
// endpoints; an empty group gives one empty slice. Only address type, ports and endpoints
// are set.
std::vector<api::EndpointSlice> SlicesFor(const SliceGroups& groups, size_t max_per_slice);

// Who the slices belong to, and the labels and owner they carry.
struct SliceOwner {
  std::string ns;
  std::string service_name;  // the kubernetes.io/service-name label
  std::string managed_by;    // the endpointslice.kubernetes.io/managed-by label
  api::OwnerReference owner;
  std::map<std::string, std::string> extra_labels;  // set on new and reused slices
};

// Makes the slices of `owner` equal `desired`: an existing slice with the same content is
// kept, one of the same address type is updated, the rest are created (with generateName
// "<service>-") or deleted. The names of created slices are added to `created` (the caller
// waits for its cache to see them before syncing again). Stops at the first failed write.
Status WriteSlices(api::ApiClient& client, const SliceOwner& owner,
                   const std::vector<std::shared_ptr<const api::EndpointSlice>>& existing,
                   std::vector<api::EndpointSlice> desired, std::set<std::string>* created);

}  // namespace skiff::controllers
