// Resource amounts as the scheduler compares them (kube-scheduler's framework.Resource):
// cpu in millicores, memory and ephemeral-storage in bytes, the node's pod capacity as a
// count, and every other schedulable resource (extended resources such as
// "example.com/gpu", hugepages-*, attachable-volumes-*, kubernetes.io/*-prefixed names) in
// whole units. Quantities are converted exactly (api/quantity.h): cpu rounds up to the next
// millicore, everything else up to the next unit, as Kubernetes does.
//
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace google::protobuf {
template <typename Key, typename T>
class Map;
}  // namespace google::protobuf

namespace skiff::api {
class Pod;
class Node;
}  // namespace skiff::api

namespace skiff::scheduler {

// kube-scheduler's defaults for containers without a cpu / memory request, used only for
// scoring (so that many request-less pods do not pile onto one node).
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200LL * 1024 * 1024;

// True for names the scheduler accounts as scalar resources (see the file comment).
bool IsScalarResourceName(std::string_view name);

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
  int64_t allowed_pods = 0;  // "pods": meaningful for node allocatable only
  // Scalar resources, sorted by name, no duplicates.
  std::vector<std::pair<std::string, int64_t>> scalars;

  int64_t Scalar(std::string_view name) const;
  void AddScalar(std::string_view name, int64_t value);
  void Add(const Resources& other);
  void Sub(const Resources& other);
  // True when nothing is requested: cpu, memory, ephemeral-storage and every scalar zero.
  bool IsEmptyRequest() const;

  friend bool operator==(const Resources&, const Resources&) = default;
};

// A resource list ("cpu": "500m", ...) as Resources. Unknown unprefixed names (not cpu,
// memory, ephemeral-storage, pods or a scalar name) are ignored, as Kubernetes does.
// Errors (INVALID_ARGUMENT) name the field: `<path>[cpu]: invalid quantity "x": ...`.
Result<Resources> ParseResourceList(const google::protobuf::Map<std::string, std::string>& list,
                                    std::string_view path);

// What a pod asks for: the sum over its containers, at least the largest init container
// (restartable "sidecar" init containers add to everything after them), pod-level
// spec.resources.requests for cpu/memory when set, plus spec.overhead.
struct PodRequests {
  Resources requests;
  // Requests with kube-scheduler's defaults (100m cpu, 200Mi memory) for containers that
  // request none; used by the LeastAllocated score and nodes' non-zero totals.
  int64_t non_zero_milli_cpu = 0;
  int64_t non_zero_memory = 0;
};
Result<PodRequests> ComputePodRequests(const api::Pod& pod);

// The node's allocatable resources: status.allocatable, or status.capacity when no
// allocatable is reported (the API server's defaulting in Kubernetes).
Result<Resources> NodeAllocatable(const api::Node& node);

}  // namespace skiff::scheduler
