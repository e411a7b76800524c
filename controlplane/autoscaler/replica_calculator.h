// The HPA's replica arithmetic for resource metrics, as
// kube-controller-manager's podautoscaler/replica_calculator.go and
// metrics/utilization.go compute it. Pure functions: every input (pods,
// metrics, the time) is an argument, so the cases are table-tested.
//
//  - Pods are grouped: deleted or Failed pods are ignored; Pending pods are
//    unready; pods without a metric are missing; for CPU, a pod is unready
//    when it has no Ready condition or start time, when (within the CPU
//    initialization period after start) it is not Ready or its sample
//    covers time before it became Ready, or (later) when it is not Ready
//    and never was Ready after the readiness delay.
//  - usage ratio = (sum of usage / sum of requests of the measured pods,
//    in whole percent) / target; within the tolerance it is 1 (no change).
//  - Missing pods count as 100% of their request (or the target, if
//    higher) on a scale-down and 0% on a scale-up; unready pods count as 0%
//    on a scale-up; the ratio is computed again and any change of
//    direction cancels the change.
//  - desired = ceil(ratio * pods considered).
//
// Values are milli-units: millicores for cpu, bytes * 1000 for memory
// (Kubernetes' Quantity.MilliValue()).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/metrics/source.h"
#include "skiff/api/core.pb.h"

namespace skiff::autoscaler {

using Clock = std::chrono::system_clock;
using PodList = std::vector<std::shared_ptr<const api::Pod>>;

struct PodMetric {
  Clock::time_point timestamp;
  std::chrono::milliseconds window{0};
  int64_t value = 0;  // milli-units
};
// By pod name (all pods are in the HPA's namespace).
using PodMetricsInfo = std::map<std::string, PodMetric>;

// How far from 1.0 a usage ratio may be and still mean "no change".
struct Tolerances {
  double scale_down = 0.1;
  double scale_up = 0.1;
  bool IsWithin(double ratio) const {
    return (1.0 - scale_down) <= ratio && ratio <= (1.0 + scale_up);
  }
};

struct CalculatorOptions {
  // --horizontal-pod-autoscaler-cpu-initialization-period
  std::chrono::milliseconds cpu_initialization_period{std::chrono::minutes(5)};
  // --horizontal-pod-autoscaler-initial-readiness-delay
  std::chrono::milliseconds delay_of_initial_readiness_status{std::chrono::seconds(30)};
};

struct PodGroups {
  int ready_count = 0;
  std::set<std::string> unready, missing, ignored;
};

// groupPods: see the header comment. `resource` is "cpu", "memory", ...
PodGroups GroupPods(const PodList& pods, const PodMetricsInfo& metrics, const std::string& resource,
                    const CalculatorOptions& options, Clock::time_point now);

// Requests per pod (milli-units) of `resource`, summed over its containers
// (and restartable init containers), or only `container` when given; the
// pod-level request when the pod sets one and no container is named.
// INVALID_ARGUMENT "missing request for cpu in container web of Pod web-1".
Result<std::map<std::string, int64_t>> PodRequests(const PodList& pods,
                                                   const std::string& container,
                                                   const std::string& resource);

struct Utilization {
  double ratio = 0;         // utilization / target
  int32_t utilization = 0;  // whole percent of requests
  int64_t raw_average = 0;  // mean usage per measured pod, milli-units
};
// GetResourceUtilizationRatio; FAILED_PRECONDITION when no metric matches a
// pod with requests.
Result<Utilization> ResourceUtilizationRatio(const PodMetricsInfo& metrics,
                                             const std::map<std::string, int64_t>& requests,
                                             int32_t target_utilization);

struct Usage {
  double ratio = 0;
  int64_t average = 0;  // milli-units
};
// GetMetricUsageRatio: mean over `metrics` (must not be empty) / target.
Usage MetricUsageRatio(const PodMetricsInfo& metrics, int64_t target_usage);

struct ResourceReplicas {
  int32_t replicas = 0;
  int32_t utilization = 0;  // only for utilization targets
  int64_t raw_average = 0;  // milli-units
};

// GetResourceReplicas (target: averageUtilization percent of requests).
Result<ResourceReplicas> UtilizationReplicas(
    int32_t current_replicas, int32_t target_utilization, const std::string& resource,
    const std::string& container, const Tolerances& tolerances, const PodList& pods,
    PodMetricsInfo metrics, const CalculatorOptions& options, Clock::time_point now);

// GetRawResourceReplicas (target: averageValue, milli-units per pod).
Result<ResourceReplicas> AverageValueReplicas(int32_t current_replicas, int64_t target_usage,
                                              const std::string& resource,
                                              const Tolerances& tolerances, const PodList& pods,
                                              PodMetricsInfo metrics,
                                              const CalculatorOptions& options,
                                              Clock::time_point now);

// The resource metrics client's view of the metrics API's answer: per pod,
// the sum over its containers (a pod lacking the resource in any container
// is left out), or only `container` (a pod without that container is an
// error). Errors name the cause as Kubernetes does ("no metrics returned
// from resource metrics API"). `*timestamp` is the first item's.
Result<PodMetricsInfo> ResourceMetricInfo(const std::vector<metrics::PodUsage>& usage,
                                          const std::string& resource, const std::string& container,
                                          Clock::time_point* timestamp);

}  // namespace skiff::autoscaler
