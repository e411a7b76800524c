// StageTimes: how long each named stage of one operation took (a pod's
// start: cgroup, netns, CNI ADD, shim start, ...), for the agent's log line
// and the Prometheus histogram skiff_agent_pod_start_stage_seconds{stage}.
// Stages are kept in first-recorded order; recording a stage again adds to
// it (a retried sandbox). Not thread-safe: one owner (the pod's worker).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skiff::node {

class StageTimes {
 public:
  using Clock = std::chrono::steady_clock;

  // Adds `d` to `stage`.
  void Add(std::string_view stage, Clock::duration d);
  // Adds the time since `start` to `stage` and returns now (chain stages).
  Clock::time_point Since(std::string_view stage, Clock::time_point start);
  bool empty() const { return stages_.empty(); }
  const std::vector<std::pair<std::string, Clock::duration>>& stages() const { return stages_; }
  // "cgroup=0.4ms netns=1.2ms cni_add=9.8ms".
  std::string Format() const;
  // Observes every stage in skiff_agent_pod_start_stage_seconds{stage}.
  void Observe() const;

 private:
  std::vector<std::pair<std::string, Clock::duration>> stages_;
};

}  // namespace skiff::node
