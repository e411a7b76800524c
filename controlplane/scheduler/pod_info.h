// PodInfo: a pod as the scheduler uses it, parsed once when the pod is seen (its requests,
// compiled node affinity, compiled inter-pod affinity terms, host ports), so that filter and
// score plugins never re-parse specs in their per-node loops.
//
// Inter-pod affinity terms follow Kubernetes: an unset labelSelector matches no pod; the
// namespaces a term applies to are its `namespaces` plus those its namespaceSelector picks,
// or the pod's own namespace when both are unset; matchLabelKeys / mismatchLabelKeys add
// `key in (value)` / `key notin (value)` for the owning pod's label values.
//
// PodInfo is immutable once built and shared between threads (shared_ptr<const PodInfo>).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/labels.h"
#include "common/status.h"
#include "controlplane/scheduler/node_selector.h"
#include "controlplane/scheduler/resources.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

using LabelMap = google::protobuf::Map<std::string, std::string>;

// The labels of no object (for namespaces the scheduler has not seen).
const LabelMap& EmptyLabels();

struct AffinityTerm {
  api::Selector selector = api::Selector::Nothing();
  std::vector<std::string> namespaces;              // sorted
  std::optional<api::Selector> namespace_selector;  // nullopt: selects no namespace
  std::string topology_key;
  const std::string* topology_key_id = nullptr;  // interned (label_index.h)
  int32_t weight = 0;                            // preferred terms only

  // True when `pod` (in a namespace labelled `ns_labels`) is one this term selects.
  bool Matches(const api::Pod& pod, const LabelMap& ns_labels) const;
};

struct HostPort {
  std::string ip;        // "0.0.0.0" when unset
  std::string protocol;  // "TCP" when unset
  int32_t port = 0;
};

struct PodInfo {
  std::shared_ptr<const api::Pod> pod;
  std::string key;  // "namespace/name"
  PodRequests resources;
  RequiredNodeAffinity required_node_affinity;
  std::vector<PreferredNodeTerm> preferred_node_affinity;
  std::vector<AffinityTerm> required_affinity;
  std::vector<AffinityTerm> required_anti_affinity;
  std::vector<AffinityTerm> preferred_affinity;
  std::vector<AffinityTerm> preferred_anti_affinity;
  std::vector<HostPort> host_ports;  // hostPort > 0 only
  // spec.affinity has podAffinity or podAntiAffinity (kube's "pods with affinity").
  bool has_pod_affinity = false;

  const std::string& ns() const { return pod->metadata().namespace_(); }
  const std::string& name() const { return pod->metadata().name(); }
  const std::string& uid() const { return pod->metadata().uid(); }
  const LabelMap& labels() const { return pod->metadata().labels(); }
  int32_t priority() const { return pod->spec().has_priority() ? pod->spec().priority() : 0; }
  bool terminating() const { return pod->metadata().has_deletion_timestamp(); }
};

using PodInfoPtr = std::shared_ptr<const PodInfo>;

// Parses `pod`. Errors (INVALID_ARGUMENT) name the field, e.g.
// `spec.containers[0].resources.requests[cpu]: invalid quantity "x": ...` or
// `spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector:
// ...`; the API server's validation normally keeps such pods out.
Result<PodInfoPtr> NewPodInfo(std::shared_ptr<const api::Pod> pod);

// Compiles a set `selector` with `key in (value)` added for each of `match_keys` and
// `key notin (value)` for each of `mismatch_keys` that `pod_labels` has (matchLabelKeys /
// mismatchLabelKeys). Errors (INVALID_ARGUMENT) describe the selector.
Result<api::Selector> CompileSelector(
    const api::LabelSelector& selector,
    const google::protobuf::RepeatedPtrField<std::string>& match_keys,
    const google::protobuf::RepeatedPtrField<std::string>& mismatch_keys,
    const LabelMap& pod_labels);

}  // namespace skiff::scheduler
