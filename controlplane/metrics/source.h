// Resource metrics as their consumers see them (the metrics.k8s.io/v1beta1
// NodeMetrics and PodMetrics of Kubernetes): the latest CPU rate and memory
// working set per node, pod and container, each with the time of its sample
// and the window the CPU rate was measured over. The HPA controller reads
// them through MetricsSource; netctl top through the metrics gRPC service.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace skiff::api {
class Selector;
}

namespace skiff::metrics {

using WallClock = std::chrono::system_clock;

struct ContainerUsage {
  std::string name;
  int64_t cpu_nanocores = 0;  // average CPU rate over the window, 1e-9 cores
  int64_t memory_bytes = 0;   // working set at the sample time
};

struct PodUsage {
  std::string ns;
  std::string name;
  WallClock::time_point timestamp;  // when the later of the two samples was taken
  std::chrono::milliseconds window{0};
  std::vector<ContainerUsage> containers;  // every running container of the pod
};

struct NodeUsage {
  std::string name;
  WallClock::time_point timestamp;
  std::chrono::milliseconds window{0};
  int64_t cpu_nanocores = 0;
  int64_t memory_bytes = 0;
};

// Millicores rounded up, as Kubernetes' Quantity.MilliValue() does for a
// nanocore quantity.
inline int64_t NanocoresToMilli(int64_t nanocores) {
  return nanocores <= 0 ? 0 : (nanocores + 999'999) / 1'000'000;
}

// Where the HPA controller and the metrics API get usage from.
// Implementations are thread-safe.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // Pods in `ns` whose labels match `selector` and that have a complete
  // sample (every container measured). Pods without one are simply absent
  // (the HPA treats them as missing). UNAVAILABLE when the source itself
  // cannot answer (e.g. no collector is running).
  virtual Result<std::vector<PodUsage>> ListPodMetrics(const std::string& ns,
                                                       const api::Selector& selector) const = 0;
  // Nodes whose labels match `selector` and that have a sample.
  virtual Result<std::vector<NodeUsage>> ListNodeMetrics(const api::Selector& selector) const = 0;
};

}  // namespace skiff::metrics
