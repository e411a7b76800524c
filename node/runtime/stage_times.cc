#include "node/runtime/stage_times.h"

#include <cstdio>

#include "common/metrics.h"

namespace skiff::node {

void StageTimes::Add(std::string_view stage, Clock::duration d) {
  for (auto& [name, total] : stages_) {
    if (name == stage) {
      total += d;
      return;
    }
  }
  stages_.emplace_back(std::string(stage), d);
}

StageTimes::Clock::time_point StageTimes::Since(std::string_view stage, Clock::time_point start) {
  auto now = Clock::now();
  Add(stage, now - start);
  return now;
}

std::string StageTimes::Format() const {
  std::string out;
  for (const auto& [name, d] : stages_) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", std::chrono::duration<double, std::milli>(d).count());
    if (!out.empty()) out += ' ';
    out += name + "=" + buf;
  }
  return out;
}

void StageTimes::Observe() const {
  static const std::vector<double> kBuckets = metrics::LatencyBuckets();
  for (const auto& [name, d] : stages_) {
    metrics::Registry::Default()
        .GetHistogram("skiff_agent_pod_start_stage_seconds",
                      "Time of each stage of a pod's first start on this node.", kBuckets,
                      {{"stage", name}})
        .Observe(std::chrono::duration<double>(d).count());
  }
}

}  // namespace skiff::node
