#include "controlplane/autoscaler/decision.h"

#include <algorithm>

#include "api/labels.h"
#include "api/quantity.h"

namespace skiff::autoscaler {
namespace {

// What one metric proposes, or why it cannot.
struct Proposal {
  int32_t replicas = 0;
  std::string metric_name;
  api::MetricStatus status;
  ConditionUpdate condition;  // set when error is not OK
  Status error;
};

ConditionUpdate Unable(const std::string& reason, const std::string& message,
                       std::vector<HpaEvent>* events) {
  events->push_back({"Warning", reason, message});
  return {"ScalingActive", "False", reason,
          "the HPA was unable to compute the replica count: " + message};
}

double ToleranceOf(const api::HPAScalingRules& rules, double fallback) {
  if (!rules.has_tolerance()) return fallback;
  auto q = api::Quantity::Parse(rules.tolerance());
  return q.ok() ? q->ApproximateDouble() : fallback;
}

Tolerances TolerancesFor(const api::HorizontalPodAutoscaler& hpa, double fallback) {
  const auto& b = hpa.spec().behavior();
  return Tolerances{ToleranceOf(b.scale_down(), fallback), ToleranceOf(b.scale_up(), fallback)};
}

std::string MilliQuantity(int64_t milli) {
  return api::Quantity::FromMilli(milli).ToString();
}

// computeStatusForResourceMetricGeneric: the proposal of a Resource or
// ContainerResource metric. Errors are "failed to get cpu utilization: ...".
Status ResourceProposal(const DecisionInput& in, const DecisionOptions& options,
                        const api::MetricTarget& target, const std::string& resource,
                        const std::string& container, Proposal* p,
                        api::MetricValueStatus* current) {
  Tolerances tolerances = TolerancesFor(*in.hpa, options.tolerance);
  int32_t replicas = in.scale.spec_replicas;
  auto fetch = [&]() -> Result<PodMetricsInfo> {
    if (!in.pod_metrics.ok()) {
      return Status(in.pod_metrics.status().code(),
                    "unable to fetch metrics from resource metrics API: " +
                        in.pod_metrics.status().message());
    }
    Clock::time_point ts;
    auto info = ResourceMetricInfo(*in.pod_metrics, resource, container, &ts);
    if (!info.ok()) return info.status();
    return info;
  };
  if (target.has_average_value()) {
    auto q = api::Quantity::Parse(target.average_value());
    if (!q.ok()) return q.status().WithContext("target.averageValue");
    auto info = fetch();
    if (!info.ok()) {
      return Status(info.status().code(), "failed to get " + resource +
                                              " usage: unable to get metrics for resource " +
                                              resource + ": " + info.status().message());
    }
    auto r = AverageValueReplicas(replicas, q->MilliValue(), resource, tolerances, in.pods,
                                  std::move(*info), options.calculator, in.now);
    if (!r.ok()) {
      return Status(r.status().code(),
                    "failed to get " + resource + " usage: " + r.status().message());
    }
    p->replicas = r->replicas;
    p->metric_name = resource + " resource";
    current->set_average_value(MilliQuantity(r->raw_average));
    return Status::Ok();
  }
  if (!target.has_average_utilization()) {
    return InvalidArgument(
        "invalid resource metric source: neither an average utilization target nor an average "
        "value (usage) target was set");
  }
  auto info = fetch();
  if (!info.ok()) {
    return Status(info.status().code(), "failed to get " + resource +
                                            " utilization: unable to get metrics for resource " +
                                            resource + ": " + info.status().message());
  }
  auto r = UtilizationReplicas(replicas, target.average_utilization(), resource, container,
                               tolerances, in.pods, std::move(*info), options.calculator, in.now);
  if (!r.ok()) {
    return Status(r.status().code(),
                  "failed to get " + resource + " utilization: " + r.status().message());
  }
  p->replicas = r->replicas;
  p->metric_name = resource + (container.empty() ? "" : " container") +
                   " resource utilization (percentage of request)";
  current->set_average_utilization(r->utilization);
  current->set_average_value(MilliQuantity(r->raw_average));
  return Status::Ok();
}

constexpr const char* kNoCustomMetrics =
    "no custom metrics API (custom.metrics.k8s.io) is served by this cluster; Skiff serves "
    "resource metrics (cpu, memory) only";
constexpr const char* kNoExternalMetrics =
    "no external metrics API (external.metrics.k8s.io) is served by this cluster; Skiff serves "
    "resource metrics (cpu, memory) only";

// computeReplicasForMetric.
Proposal ProposeFor(const DecisionInput& in, const DecisionOptions& options,
                    const api::MetricSpec& spec, std::vector<HpaEvent>* events) {
  Proposal p;
  const std::string& type = spec.type();
  if (type == "Resource") {
    const auto& r = spec.resource();
    auto* status = p.status.mutable_resource();
    Status s =
        ResourceProposal(in, options, r.target(), r.name(), "", &p, status->mutable_current());
    if (!s.ok()) {
      p.condition = Unable("FailedGetResourceMetric", s.message(), events);
      p.error =
          Status(s.code(), "failed to get " + r.name() + " resource metric value: " + s.message());
      p.status.Clear();
      return p;
    }
    p.status.set_type("Resource");
    status->set_name(r.name());
    return p;
  }
  if (type == "ContainerResource") {
    const auto& r = spec.container_resource();
    auto* status = p.status.mutable_container_resource();
    Status s = ResourceProposal(in, options, r.target(), r.name(), r.container(), &p,
                                status->mutable_current());
    if (!s.ok()) {
      p.condition = Unable("FailedGetContainerResourceMetric", s.message(), events);
      p.error = Status(
          s.code(), "failed to get " + r.container() + " container metric value: " + s.message());
      p.status.Clear();
      return p;
    }
    p.status.set_type("ContainerResource");
    status->set_name(r.name());
    status->set_container(r.container());
    return p;
  }
  std::string reason, message, outer;
  if (type == "Pods") {
    reason = "FailedGetPodsMetric";
    message = "unable to get metric " + spec.pods().metric().name() + ": " + kNoCustomMetrics;
    outer = "failed to get pods metric value: ";
  } else if (type == "Object") {
    const auto& o = spec.object();
    reason = "FailedGetObjectMetric";
    message = "unable to get metric " + o.metric().name() + ": " + o.described_object().kind() +
              " on " + in.hpa->metadata().namespace_() + " " + o.described_object().name() + ": " +
              kNoCustomMetrics;
    outer = "failed to get object metric value: ";
  } else if (type == "External") {
    reason = "FailedGetExternalMetric";
    message = "unable to get external metric " + in.hpa->metadata().namespace_() + "/" +
              spec.external().metric().name() + ": " + kNoExternalMetrics;
    outer = "failed to get external metric value: ";
  } else {
    reason = "InvalidMetricSourceType";
    message = "unknown metric source type \"" + type + "\"";
  }
  p.condition = Unable(reason, message, events);
  p.error = Status(StatusCode::kFailedPrecondition, outer + message);
  return p;
}

// validateAndParseSelector: ScalingActive False InvalidSelector /
// AmbiguousSelector with an event, or OK.
Status CheckSelector(const DecisionInput& in, Decision* d) {
  const std::string& selector = in.scale.selector;
  if (selector.empty() && in.scale.selector_error.empty()) {
    d->events.push_back({"Warning", "SelectorRequired", "selector is required"});
    d->conditions.push_back({"ScalingActive", "False", "InvalidSelector",
                             "the HPA target's scale is missing a selector"});
    return FailedPrecondition("selector is required");
  }
  auto parsed = api::Selector::Parse(selector);
  if (!parsed.ok() || !in.scale.selector_error.empty()) {
    std::string msg = "couldn't convert selector into a corresponding internal selector object: " +
                      (parsed.ok() ? in.scale.selector_error : parsed.status().message());
    d->events.push_back({"Warning", "InvalidSelector", msg});
    d->conditions.push_back({"ScalingActive", "False", "InvalidSelector", msg});
    return FailedPrecondition(msg);
  }
  if (!in.also_selecting.empty()) {
    std::vector<std::string> all = in.also_selecting;
    all.push_back(in.hpa->metadata().name());
    std::sort(all.begin(), all.end());
    std::string names;
    for (const auto& n : all)
      names += (names.empty() ? "" : " ") + in.hpa->metadata().namespace_() + "/" + n;
    std::string msg =
        "pods by selector " + selector + " are controlled by multiple HPAs: [" + names + "]";
    d->events.push_back({"Warning", "AmbiguousSelector", msg});
    d->conditions.push_back({"ScalingActive", "False", "AmbiguousSelector", msg});
    return FailedPrecondition(msg);
  }
  return Status::Ok();
}

// computeReplicasForMetrics: -1 when no count could be computed.
int32_t ReplicasForMetrics(const DecisionInput& in, const DecisionOptions& options, Decision* d,
                           std::string* metric_name) {
  const auto& specs = in.hpa->spec().metrics();
  Status sel = CheckSelector(in, d);
  if (!sel.ok()) {
    d->error = sel;
    return -1;
  }
  if (specs.empty()) {
    d->error = FailedPrecondition("spec.metrics is empty: there is nothing to scale on");
    d->conditions.push_back(
        {"ScalingActive", "False", "InvalidMetricSourceType",
         "the HPA was unable to compute the replica count: " + d->error.message()});
    return -1;
  }
  d->metric_statuses.assign(static_cast<size_t>(specs.size()), api::MetricStatus());
  int32_t replicas = 0;
  int invalid = 0;
  Proposal first_invalid;
  for (int i = 0; i < specs.size(); ++i) {
    Proposal p = ProposeFor(in, options, specs[i], &d->events);
    if (!p.error.ok()) {
      if (invalid == 0) first_invalid = p;
      ++invalid;
      continue;
    }
    d->metric_statuses[static_cast<size_t>(i)] = p.status;
    if (replicas == 0 || p.replicas > replicas) {
      replicas = p.replicas;
      *metric_name = p.metric_name;
    }
  }
  if (invalid > 0) {
    d->error = Status(first_invalid.error.code(),
                      "invalid metrics (" + std::to_string(invalid) + " invalid out of " +
                          std::to_string(specs.size()) +
                          "), first error is: " + first_invalid.error.message());
  }
  // All metrics failed, or some did and the others would scale down: a
  // partial view must not shrink the workload.
  if (invalid >= specs.size() || (invalid > 0 && replicas < in.scale.spec_replicas)) {
    d->conditions.push_back(first_invalid.condition);
    return -1;
  }
  d->conditions.push_back(
      {"ScalingActive", "True", "ValidMetricFound",
       "the HPA was able to successfully calculate a replica count from " + *metric_name});
  return replicas;
}

}  // namespace

std::string TargetReference(const api::HorizontalPodAutoscaler& hpa) {
  const auto& ref = hpa.spec().scale_target_ref();
  return ref.kind() + "/" + hpa.metadata().namespace_() + "/" + ref.name();
}

Decision Decide(const DecisionInput& in, const DecisionOptions& options, ScalingHistory& history) {
  const auto& spec = in.hpa->spec();
  Decision d;
  d.conditions.push_back({"AbleToScale", "True", "SucceededGetScale",
                          "the HPA controller was able to get the target's current scale"});
  int32_t current = in.scale.spec_replicas;
  d.current_replicas = current;
  history.RecordInitial(current, in.now);
  int32_t min_replicas = spec.has_min_replicas() ? spec.min_replicas() : 1;
  int32_t desired = 0;
  bool rescale = true;
  if (current == 0 && min_replicas != 0) {
    rescale = false;
    d.conditions.push_back({"ScalingActive", "False", "ScalingDisabled",
                            "scaling is disabled since the replica count of the target is zero"});
  } else if (current > spec.max_replicas()) {
    d.rescale_reason = "Current number of replicas above Spec.MaxReplicas";
    desired = spec.max_replicas();
  } else if (current < min_replicas) {
    d.rescale_reason = "Current number of replicas below Spec.MinReplicas";
    desired = min_replicas;
  } else {
    std::string metric_name;
    int32_t proposed = ReplicasForMetrics(in, options, &d, &metric_name);
    if (proposed == -1) {
      d.metrics_failed = true;
      d.desired_replicas = in.hpa->status().desired_replicas();
      std::string msg =
          "failed to compute desired number of replicas based on listed metrics "
          "for " +
          TargetReference(*in.hpa) + ": " + d.error.message();
      d.events.push_back({"Warning", "FailedComputeMetricsReplicas", d.error.message()});
      d.error = Status(d.error.code(), msg);
      return d;
    }
    std::string rescale_metric;
    if (proposed > desired) {
      desired = proposed;
      rescale_metric = metric_name;
    }
    if (desired > current) d.rescale_reason = rescale_metric + " above target";
    if (desired < current) d.rescale_reason = "All metrics below target";
    Normalized n =
        spec.has_behavior()
            ? NormalizeWithBehavior(
                  history, EffectiveBehavior(spec.behavior(), options.downscale_stabilization),
                  current, desired, min_replicas, spec.max_replicas(), in.now)
            : NormalizeLegacy(history, options.downscale_stabilization, current, desired,
                              min_replicas, spec.max_replicas(), in.now);
    desired = n.replicas;
    for (auto& c : n.conditions)
      d.conditions.push_back(std::move(c));
    rescale = desired != current;
  }
  d.rescale = rescale;
  d.desired_replicas = rescale ? desired : current;
  return d;
}

}  // namespace skiff::autoscaler
