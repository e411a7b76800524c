#include "controlplane/autoscaler/replica_calculator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "api/quantity.h"

namespace skiff::autoscaler {
namespace {

Clock::time_point ToTime(const google::protobuf::Timestamp& ts) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(ts.seconds()) + std::chrono::nanoseconds(ts.nanos())));
}

const api::PodCondition* ReadyCondition(const api::Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return &c;
  }
  return nullptr;
}

int32_t CeilReplicas(double ratio, size_t count) {
  double v = std::ceil(ratio * static_cast<double>(count));
  if (v > static_cast<double>(INT32_MAX)) return INT32_MAX;
  return static_cast<int32_t>(v);
}

// The tail both calculators share once usage ratios are known: fill in
// missing and unready pods, recompute, and refuse changes of direction.
// `fill_missing_down` is what a missing pod counts as on a scale-down.
template <typename RatioFn>
int32_t Reconcile(int32_t current_replicas, const Tolerances& tolerances, double usage_ratio,
                  const PodGroups& groups, PodMetricsInfo& metrics,
                  const std::function<int64_t(const std::string&)>& fill_missing_down,
                  RatioFn ratio_of, Status* error) {
  bool scale_up_with_unready = !groups.unready.empty() && usage_ratio > 1.0;
  if (!scale_up_with_unready && groups.missing.empty()) {
    if (tolerances.IsWithin(usage_ratio)) return current_replicas;
    return CeilReplicas(usage_ratio, static_cast<size_t>(groups.ready_count));
  }
  if (!groups.missing.empty()) {
    if (usage_ratio < 1.0) {
      for (const auto& name : groups.missing)
        metrics[name] = PodMetric{{}, {}, fill_missing_down(name)};
    } else if (usage_ratio > 1.0) {
      for (const auto& name : groups.missing)
        metrics[name] = PodMetric{{}, {}, 0};
    }
  }
  if (scale_up_with_unready) {
    for (const auto& name : groups.unready)
      metrics[name] = PodMetric{{}, {}, 0};
  }
  auto new_ratio = ratio_of(metrics);
  if (!new_ratio.ok()) {
    *error = new_ratio.status();
    return 0;
  }
  double r = *new_ratio;
  if (tolerances.IsWithin(r) || (usage_ratio < 1.0 && r > 1.0) || (usage_ratio > 1.0 && r < 1.0)) {
    return current_replicas;
  }
  int32_t replicas = CeilReplicas(r, metrics.size());
  if ((r < 1.0 && replicas > current_replicas) || (r > 1.0 && replicas < current_replicas)) {
    return current_replicas;
  }
  return replicas;
}

void RemoveMetrics(PodMetricsInfo& metrics, const std::set<std::string>& pods) {
  for (const auto& name : pods)
    metrics.erase(name);
}

}  // namespace

PodGroups GroupPods(const PodList& pods, const PodMetricsInfo& metrics, const std::string& resource,
                    const CalculatorOptions& options, Clock::time_point now) {
  PodGroups g;
  for (const auto& pod : pods) {
    const std::string& name = pod->metadata().name();
    if (pod->metadata().has_deletion_timestamp() || pod->status().phase() == "Failed") {
      g.ignored.insert(name);
      continue;
    }
    if (pod->status().phase() == "Pending") {
      g.unready.insert(name);
      continue;
    }
    auto metric = metrics.find(name);
    if (metric == metrics.end()) {
      g.missing.insert(name);
      continue;
    }
    if (resource == "cpu") {
      bool unready;
      const api::PodCondition* ready = ReadyCondition(*pod);
      if (ready == nullptr || !pod->status().has_start_time()) {
        unready = true;
      } else {
        Clock::time_point start = ToTime(pod->status().start_time());
        Clock::time_point transition = ToTime(ready->last_transition_time());
        if (start + options.cpu_initialization_period > now) {
          // Still initializing: use the sample only when the pod is Ready
          // and a whole window was measured after it became so.
          unready = ready->status() == "False" ||
                    metric->second.timestamp < transition + metric->second.window;
        } else {
          // Not ready and never was after the initial readiness delay.
          unready = ready->status() == "False" &&
                    start + options.delay_of_initial_readiness_status > transition;
        }
      }
      if (unready) {
        g.unready.insert(name);
        continue;
      }
    }
    ++g.ready_count;
  }
  return g;
}

Result<std::map<std::string, int64_t>> PodRequests(const PodList& pods,
                                                   const std::string& container,
                                                   const std::string& resource) {
  std::map<std::string, int64_t> out;
  for (const auto& pod : pods) {
    const std::string& name = pod->metadata().name();
    if (container.empty()) {
      const auto& pod_level = pod->spec().resources().requests();
      if (auto it = pod_level.find(resource); it != pod_level.end()) {
        auto q = api::Quantity::Parse(it->second);
        if (!q.ok()) return q.status().WithContext("pod " + name + " spec.resources.requests");
        out[name] = q->MilliValue();
        continue;
      }
    }
    std::vector<const api::Container*> containers;
    for (const auto& c : pod->spec().containers())
      containers.push_back(&c);
    for (const auto& c : pod->spec().init_containers()) {
      if (c.has_restart_policy() && c.restart_policy() == "Always") containers.push_back(&c);
    }
    int64_t sum = 0;
    for (const api::Container* c : containers) {
      if (!container.empty() && c->name() != container) continue;
      const auto& requests = c->resources().requests();
      auto it = requests.find(resource);
      if (it == requests.end()) {
        return InvalidArgument("missing request for " + resource + " in container " + c->name() +
                               " of Pod " + name);
      }
      auto q = api::Quantity::Parse(it->second);
      if (!q.ok()) {
        return q.status().WithContext("request for " + resource + " in container " + c->name() +
                                      " of Pod " + name);
      }
      sum += q->MilliValue();
    }
    out[name] = sum;
  }
  return out;
}

Result<Utilization> ResourceUtilizationRatio(const PodMetricsInfo& metrics,
                                             const std::map<std::string, int64_t>& requests,
                                             int32_t target_utilization) {
  int64_t metrics_total = 0, requests_total = 0;
  int64_t entries = 0;
  for (const auto& [name, metric] : metrics) {
    auto it = requests.find(name);
    if (it == requests.end()) continue;  // an extraneous metric
    metrics_total += metric.value;
    requests_total += it->second;
    ++entries;
  }
  if (requests_total == 0) return FailedPrecondition("no metrics returned matched known pods");
  Utilization u;
  u.utilization = static_cast<int32_t>((metrics_total * 100) / requests_total);
  u.ratio = static_cast<double>(u.utilization) / static_cast<double>(target_utilization);
  u.raw_average = metrics_total / entries;
  return u;
}

Usage MetricUsageRatio(const PodMetricsInfo& metrics, int64_t target_usage) {
  int64_t total = 0;
  for (const auto& [name, metric] : metrics)
    total += metric.value;
  Usage u;
  u.average = metrics.empty() ? 0 : total / static_cast<int64_t>(metrics.size());
  u.ratio = static_cast<double>(u.average) / static_cast<double>(target_usage);
  return u;
}

Result<ResourceReplicas> UtilizationReplicas(
    int32_t current_replicas, int32_t target_utilization, const std::string& resource,
    const std::string& container, const Tolerances& tolerances, const PodList& pods,
    PodMetricsInfo metrics, const CalculatorOptions& options, Clock::time_point now) {
  if (target_utilization <= 0) {
    return InvalidArgument("averageUtilization must be positive, got " +
                           std::to_string(target_utilization));
  }
  if (pods.empty()) {
    return FailedPrecondition("no pods returned by selector while calculating replica count");
  }
  PodGroups groups = GroupPods(pods, metrics, resource, options, now);
  RemoveMetrics(metrics, groups.ignored);
  RemoveMetrics(metrics, groups.unready);
  if (metrics.empty()) {
    return FailedPrecondition("did not receive metrics for targeted pods (pods might be unready)");
  }
  auto requests = PodRequests(pods, container, resource);
  if (!requests.ok()) return requests.status();
  auto usage = ResourceUtilizationRatio(metrics, *requests, target_utilization);
  if (!usage.ok()) return usage.status();

  int64_t fallback = std::max<int64_t>(100, target_utilization);
  Status error;
  int32_t replicas = Reconcile(
      current_replicas, tolerances, usage->ratio, groups, metrics,
      [&](const std::string& name) { return requests->at(name) * fallback / 100; },
      [&](const PodMetricsInfo& m) -> Result<double> {
        auto r = ResourceUtilizationRatio(m, *requests, target_utilization);
        if (!r.ok()) return r.status();
        return r->ratio;
      },
      &error);
  if (!error.ok()) return error;
  return ResourceReplicas{replicas, usage->utilization, usage->raw_average};
}

Result<ResourceReplicas> AverageValueReplicas(int32_t current_replicas, int64_t target_usage,
                                              const std::string& resource,
                                              const Tolerances& tolerances, const PodList& pods,
                                              PodMetricsInfo metrics,
                                              const CalculatorOptions& options,
                                              Clock::time_point now) {
  if (target_usage <= 0) {
    return InvalidArgument("averageValue must be positive, got " + std::to_string(target_usage) +
                           "m");
  }
  if (pods.empty()) {
    return FailedPrecondition("no pods returned by selector while calculating replica count");
  }
  PodGroups groups = GroupPods(pods, metrics, resource, options, now);
  RemoveMetrics(metrics, groups.ignored);
  RemoveMetrics(metrics, groups.unready);
  if (metrics.empty()) {
    return FailedPrecondition("did not receive metrics for targeted pods (pods might be unready)");
  }
  Usage usage = MetricUsageRatio(metrics, target_usage);
  Status error;
  int32_t replicas = Reconcile(
      current_replicas, tolerances, usage.ratio, groups, metrics,
      [&](const std::string&) { return target_usage; },
      [&](const PodMetricsInfo& m) -> Result<double> {
        return MetricUsageRatio(m, target_usage).ratio;
      },
      &error);
  if (!error.ok()) return error;
  return ResourceReplicas{replicas, 0, usage.average};
}

Result<PodMetricsInfo> ResourceMetricInfo(const std::vector<metrics::PodUsage>& usage,
                                          const std::string& resource, const std::string& container,
                                          Clock::time_point* timestamp) {
  if (usage.empty()) return FailedPrecondition("no metrics returned from resource metrics API");
  auto value_of = [&](const metrics::ContainerUsage& c) -> std::optional<int64_t> {
    if (resource == "cpu") return metrics::NanocoresToMilli(c.cpu_nanocores);
    if (resource == "memory") return c.memory_bytes * 1000;
    return std::nullopt;  // the metrics API serves cpu and memory only
  };
  PodMetricsInfo out;
  for (const auto& pod : usage) {
    if (!container.empty()) {
      const metrics::ContainerUsage* found = nullptr;
      for (const auto& c : pod.containers) {
        if (c.name == container) found = &c;
      }
      if (found == nullptr) {
        return FailedPrecondition("failed to get container metrics: container " + container +
                                  " not present in metrics for pod " + pod.ns + "/" + pod.name);
      }
      if (auto v = value_of(*found)) out[pod.name] = PodMetric{pod.timestamp, pod.window, *v};
      continue;
    }
    bool missing = pod.containers.empty();
    int64_t sum = 0;
    for (const auto& c : pod.containers) {
      auto v = value_of(c);
      if (!v) {
        missing = true;
        break;
      }
      sum += *v;
    }
    if (!missing) out[pod.name] = PodMetric{pod.timestamp, pod.window, sum};
  }
  *timestamp = usage.front().timestamp;
  return out;
}

}  // namespace skiff::autoscaler
