// Resource arithmetic over pod specs (exact, through api::Quantity): what a
// container and a pod request and are limited to, in milli-CPU and bytes.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct ResourceAmounts {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t ephemeral_bytes = 0;
};

struct ContainerResources {
  ResourceAmounts requests;
  ResourceAmounts limits;  // 0 = unlimited
};

// INVALID_ARGUMENT names the container and resource of a malformed quantity.
Result<ContainerResources> ResourcesOf(const api::Container& c);

// What the scheduler and kubelet admission count for a pod: the larger of the
// sum over app containers (plus sidecars) and the largest init container.
Result<ResourceAmounts> PodRequests(const api::Pod& pod);

// The pod cgroup's limits: the sum over containers when every container has
// a limit for that resource, else 0 (unlimited); requests summed for shares.
Result<ContainerResources> PodCgroupResources(const api::Pod& pod);

}  // namespace skiff::node
