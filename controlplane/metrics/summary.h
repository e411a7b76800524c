// The node agent's stats summary (GET /stats/summary on skiff-agent, the
// shape of kubelet's Summary API) as the metrics collector needs it:
// cumulative CPU time and memory working set for the node, each pod and each
// container. Rates are not taken from the agent; the collector derives them
// from two cumulative samples (see sample_store.h).
//
//   {"node": {"nodeName": "n1",
//             "cpu": {"time": "...", "usageCoreNanoSeconds": 123},
//             "memory": {"time": "...", "workingSetBytes": 456}},
//    "pods": [{"podRef": {"name": "web-1", "namespace": "default", "uid": "..."},
//              "startTime": "2024-01-01T00:00:00Z",
//              "containers": [{"name": "main", "startTime": "...",
//                              "cpu": {...}, "memory": {...}}]}]}
//
// Fields kubelet may omit (cpu, memory, startTime, containers) may be absent;
// a value that is present must have the right type and range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::metrics {

// One cgroup's counters as the agent read them. Absent values are nullopt.
struct UsageSample {
  std::optional<int64_t> cpu_usage_core_ns;  // cumulative CPU time, nanoseconds
  std::optional<int64_t> memory_working_set_bytes;
};

struct ContainerSummary {
  std::string name;
  int64_t start_time_unix_ns = 0;  // 0 when the agent did not say
  UsageSample usage;
};

struct PodSummary {
  std::string ns;
  std::string name;
  std::string uid;
  std::vector<ContainerSummary> containers;
};

struct NodeSummary {
  std::string node_name;
  UsageSample usage;
  std::vector<PodSummary> pods;
};

// Limits that keep a hostile or broken agent from costing unbounded memory.
inline constexpr size_t kMaxSummaryBytes = 64 << 20;
inline constexpr size_t kMaxSummaryPods = 10000;

// Parses a summary document. INVALID_ARGUMENT names the JSON path of the first
// bad field ("pods[2].containers[0].cpu.usageCoreNanoSeconds: must be a
// non-negative integer") or the JSON syntax error; nothing is returned
// partially.
Result<NodeSummary> ParseSummary(std::string_view json_text);

}  // namespace skiff::metrics
