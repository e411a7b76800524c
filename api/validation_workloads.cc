// Validation of workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet) and the
// HorizontalPodAutoscaler.
#include <google/protobuf/struct.pb.h>

#include <set>

#include "api/int_or_string.h"
#include "api/labels.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

// maxUnavailable / maxSurge pair of a rolling update.
template <typename RU>
void ValidateRollingUpdate(const RU& ru, std::string_view path, ErrorList* e) {
  bool unavailable_zero = false, surge_zero = false;
  std::string up = Child(path, "maxUnavailable");
  CheckIntOrPercent(e, up, ru.max_unavailable(), /*max_100=*/true, &unavailable_zero);
  CheckIntOrPercent(e, Child(path, "maxSurge"), ru.max_surge(), /*max_100=*/false, &surge_zero);
  if (unavailable_zero && surge_zero) {
    e->InvalidRaw(up, ReadIntOrString(ru.max_unavailable(), up)->is_int() ? "0" : "\"0%\"",
                  "may not be 0 when `maxSurge` is 0");
  }
}

void ValidateCommonCounts(std::string_view path, bool has_replicas, int32_t replicas,
                          int32_t min_ready, bool has_history, int32_t history, ErrorList* e) {
  if (has_replicas) CheckNonNegative(e, Child(path, "replicas"), replicas);
  CheckNonNegative(e, Child(path, "minReadySeconds"), min_ready);
  if (has_history) CheckNonNegative(e, Child(path, "revisionHistoryLimit"), history);
}

void ValidatePVCTemplate(const PersistentVolumeClaim& pvc, std::string_view path, ErrorList* e) {
  std::string mp = Child(path, "metadata");
  if (pvc.metadata().name().empty()) {
    e->Required(Child(mp, "name"));
  } else {
    e->AddProblems(Child(mp, "name"), pvc.metadata().name(),
                   CheckDNS1123Subdomain(pvc.metadata().name()));
  }
  ValidateTemplateMeta(pvc.metadata(), mp, e);
  const PersistentVolumeClaimSpec& spec = pvc.spec();
  std::string sp = Child(path, "spec");
  if (spec.access_modes_size() == 0) {
    e->Required(Child(sp, "accessModes"), "at least 1 access mode is required");
  }
  for (int i = 0; i < spec.access_modes_size(); ++i) {
    CheckOneOf(e, Index(Child(sp, "accessModes"), i), spec.access_modes(i),
               {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}, false);
  }
  std::string rp = Child(Child(sp, "resources"), "requests");
  auto storage = spec.resources().requests().find("storage");
  if (storage == spec.resources().requests().end()) {
    e->Required(Key(rp, "storage"));
  } else if (CheckQuantity(e, Key(rp, "storage"), storage->second)) {
    if (Quantity::Parse(storage->second)->IsZero()) {
      e->Invalid(Key(rp, "storage"), storage->second, "must be greater than zero");
    }
  }
  ValidateResourceList(spec.resources().requests(), rp, e);
  ValidateResourceList(spec.resources().limits(), Child(Child(sp, "resources"), "limits"), e);
  if (spec.has_volume_mode()) {
    CheckOneOf(e, Child(sp, "volumeMode"), spec.volume_mode(), {"Block", "Filesystem"}, false);
  }
  if (spec.has_selector()) ValidateLabelSelector(spec.selector(), Child(sp, "selector"), e);
}

void ValidateMetricTarget(const MetricTarget& t, std::string_view path,
                          std::initializer_list<std::string_view> allowed, ErrorList* e) {
  std::string tp = Child(path, "type");
  if (t.type().empty()) {
    e->Required(tp, "must specify a metric target type");
    return;
  }
  bool ok = false;
  for (std::string_view a : allowed)
    ok |= t.type() == a;
  if (!ok) {
    e->NotSupported(tp, t.type(), std::vector<std::string_view>(allowed));
    return;
  }
  if (t.type() == "Utilization") {
    if (!t.has_average_utilization()) {
      e->Required(Child(path, "averageUtilization"), "must set a target utilization");
    } else {
      CheckPositive(e, Child(path, "averageUtilization"), t.average_utilization());
    }
  }
  auto positive_quantity = [&](bool has, const std::string& v, const char* field) {
    std::string p = Child(path, field);
    if (!has) {
      e->Required(p, std::string("must set ") + field + " when `type` is " + t.type());
    } else if (CheckQuantity(e, p, v, /*non_negative=*/false) && Quantity::Parse(v)->Sign() <= 0) {
      e->Invalid(p, v, "must be positive");
    }
  };
  if (t.type() == "Value") positive_quantity(t.has_value(), t.value(), "value");
  if (t.type() == "AverageValue") {
    positive_quantity(t.has_average_value(), t.average_value(), "averageValue");
  }
}

void ValidateMetricIdentifier(const MetricIdentifier& m, std::string_view path, ErrorList* e) {
  if (m.name().empty()) e->Required(Child(path, "name"), "must specify a metric name");
  if (m.has_selector()) ValidateLabelSelector(m.selector(), Child(path, "selector"), e);
}

void ValidateMetricSpec(const MetricSpec& m, std::string_view path, ErrorList* e) {
  struct Source {
    const char* type;
    const char* field;
    bool set;
  };
  const Source sources[] = {
      {"Object", "object", m.has_object()},
      {"Pods", "pods", m.has_pods()},
      {"Resource", "resource", m.has_resource()},
      {"ContainerResource", "containerResource", m.has_container_resource()},
      {"External", "external", m.has_external()},
  };
  if (m.type().empty()) {
    e->Required(Child(path, "type"), "must specify a metric source type");
  } else {
    bool known = false;
    for (const Source& s : sources)
      known |= m.type() == s.type;
    if (!known) {
      e->NotSupported(Child(path, "type"), m.type(),
                      {"ContainerResource", "External", "Object", "Pods", "Resource"});
    }
  }
  for (const Source& s : sources) {
    if (m.type() == s.type && !s.set) {
      e->Required(Child(path, s.field), "must populate information for the given metric source");
    } else if (m.type() != s.type && s.set) {
      e->Forbidden(Child(path, s.field), "must populate the given metric source only");
    }
  }
  if (m.has_object() && m.type() == "Object") {
    std::string p = Child(path, "object");
    const CrossVersionObjectReference& ref = m.object().described_object();
    if (ref.kind().empty()) e->Required(Child(Child(p, "describedObject"), "kind"));
    if (ref.name().empty()) e->Required(Child(Child(p, "describedObject"), "name"));
    ValidateMetricIdentifier(m.object().metric(), Child(p, "metric"), e);
    ValidateMetricTarget(m.object().target(), Child(p, "target"), {"AverageValue", "Value"}, e);
  }
  if (m.has_pods() && m.type() == "Pods") {
    std::string p = Child(path, "pods");
    ValidateMetricIdentifier(m.pods().metric(), Child(p, "metric"), e);
    ValidateMetricTarget(m.pods().target(), Child(p, "target"), {"AverageValue"}, e);
  }
  if (m.has_resource() && m.type() == "Resource") {
    std::string p = Child(path, "resource");
    if (m.resource().name().empty()) e->Required(Child(p, "name"), "must specify a resource name");
    ValidateMetricTarget(m.resource().target(), Child(p, "target"), {"AverageValue", "Utilization"},
                         e);
  }
  if (m.has_container_resource() && m.type() == "ContainerResource") {
    const ContainerResourceMetricSource& c = m.container_resource();
    std::string p = Child(path, "containerResource");
    if (c.name().empty()) e->Required(Child(p, "name"), "must specify a resource name");
    if (c.container().empty()) {
      e->Required(Child(p, "container"), "must specify a container");
    } else {
      e->AddProblems(Child(p, "container"), c.container(), CheckDNS1123Label(c.container()));
    }
    ValidateMetricTarget(c.target(), Child(p, "target"), {"AverageValue", "Utilization"}, e);
  }
  if (m.has_external() && m.type() == "External") {
    std::string p = Child(path, "external");
    ValidateMetricIdentifier(m.external().metric(), Child(p, "metric"), e);
    ValidateMetricTarget(m.external().target(), Child(p, "target"), {"AverageValue", "Value"}, e);
  }
}

void ValidateScalingRules(const HPAScalingRules& r, std::string_view path, ErrorList* e) {
  if (r.has_stabilization_window_seconds()) {
    std::string p = Child(path, "stabilizationWindowSeconds");
    int32_t s = r.stabilization_window_seconds();
    if (s < 0) e->Invalid(p, s, "must be greater than or equal to zero");
    if (s > 3600) e->Invalid(p, s, "must be less than or equal to 3600");
  }
  if (r.has_select_policy()) {
    CheckOneOf(e, Child(path, "selectPolicy"), r.select_policy(), {"Disabled", "Max", "Min"},
               false);
  }
  for (int i = 0; i < r.policies_size(); ++i) {
    const HPAScalingPolicy& p = r.policies(i);
    std::string pp = Index(Child(path, "policies"), i);
    CheckOneOf(e, Child(pp, "type"), p.type(), {"Percent", "Pods"}, false);
    CheckPositive(e, Child(pp, "value"), p.value());
    CheckPositive(e, Child(pp, "periodSeconds"), p.period_seconds());
    if (p.period_seconds() > 1800) {
      e->Invalid(Child(pp, "periodSeconds"), p.period_seconds(),
                 "must be less than or equal to 1800");
    }
  }
  if (r.has_tolerance()) CheckQuantity(e, Child(path, "tolerance"), r.tolerance());
}

}  // namespace

void ValidateDeployment(const Deployment& d, ErrorList* e) {
  const DeploymentSpec& spec = d.spec();
  ValidateCommonCounts("spec", spec.has_replicas(), spec.replicas(), spec.min_ready_seconds(),
                       spec.has_revision_history_limit(), spec.revision_history_limit(), e);
  if (spec.has_progress_deadline_seconds()) {
    CheckNonNegative(e, "spec.progressDeadlineSeconds", spec.progress_deadline_seconds());
    if (spec.progress_deadline_seconds() <= spec.min_ready_seconds()) {
      e->Invalid("spec.progressDeadlineSeconds", spec.progress_deadline_seconds(),
                 "must be greater than minReadySeconds");
    }
  }
  const DeploymentStrategy& strategy = spec.strategy();
  CheckOneOf(e, "spec.strategy.type", strategy.type(), {"Recreate", "RollingUpdate"});
  if (strategy.has_rolling_update()) {
    if (strategy.type() == "Recreate") {
      e->Forbidden("spec.strategy.rollingUpdate",
                   "may not be specified when strategy `type` is 'Recreate'");
    } else {
      ValidateRollingUpdate(strategy.rolling_update(), "spec.strategy.rollingUpdate", e);
    }
  }
  PodSpecOptions options;
  options.require_image = false;
  ValidateWorkloadTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                           spec.has_template_() ? &spec.template_() : nullptr, "spec", options, e);
}

void ValidateReplicaSet(const ReplicaSet& rs, ErrorList* e) {
  const ReplicaSetSpec& spec = rs.spec();
  ValidateCommonCounts("spec", spec.has_replicas(), spec.replicas(), spec.min_ready_seconds(),
                       false, 0, e);
  PodSpecOptions options;
  options.require_image = false;
  ValidateWorkloadTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                           spec.has_template_() ? &spec.template_() : nullptr, "spec", options, e);
}

void ValidateStatefulSet(const StatefulSet& s, ErrorList* e) {
  const StatefulSetSpec& spec = s.spec();
  ValidateCommonCounts("spec", spec.has_replicas(), spec.replicas(), spec.min_ready_seconds(),
                       spec.has_revision_history_limit(), spec.revision_history_limit(), e);
  if (!spec.service_name().empty()) {
    e->AddProblems("spec.serviceName", spec.service_name(), CheckDNS1123Label(spec.service_name()));
  }
  CheckOneOf(e, "spec.podManagementPolicy", spec.pod_management_policy(),
             {"OrderedReady", "Parallel"});
  const StatefulSetUpdateStrategy& strategy = spec.update_strategy();
  CheckOneOf(e, "spec.updateStrategy.type", strategy.type(), {"OnDelete", "RollingUpdate"});
  if (strategy.has_rolling_update()) {
    const std::string rp = "spec.updateStrategy.rollingUpdate";
    if (strategy.type() == "OnDelete") {
      e->Forbidden(rp, "only allowed for updateStrategy 'RollingUpdate'");
    } else {
      const RollingUpdateStatefulSetStrategy& ru = strategy.rolling_update();
      if (ru.has_partition()) CheckNonNegative(e, Child(rp, "partition"), ru.partition());
      if (IsSet(ru.max_unavailable())) {
        bool zero = false;
        std::string mp = Child(rp, "maxUnavailable");
        size_t before = e->size();
        CheckIntOrPercent(e, mp, ru.max_unavailable(), true, &zero);
        if (zero && e->size() == before) {
          e->InvalidRaw(mp, ReadIntOrString(ru.max_unavailable(), mp)->is_int() ? "0" : "\"0%\"",
                        "must be greater than 0");
        }
      }
    }
  }
  const auto& retention = spec.persistent_volume_claim_retention_policy();
  CheckOneOf(e, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", retention.when_deleted(),
             {"Delete", "Retain"});
  CheckOneOf(e, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", retention.when_scaled(),
             {"Delete", "Retain"});
  if (spec.has_ordinals()) CheckNonNegative(e, "spec.ordinals.start", spec.ordinals().start());

  PodSpecOptions options;
  options.require_image = false;
  std::set<std::string> claim_names;
  for (int i = 0; i < spec.volume_claim_templates_size(); ++i) {
    const PersistentVolumeClaim& pvc = spec.volume_claim_templates(i);
    std::string p = Index("spec.volumeClaimTemplates", i);
    ValidatePVCTemplate(pvc, p, e);
    if (!pvc.metadata().name().empty() && !claim_names.insert(pvc.metadata().name()).second) {
      e->Duplicate(Child(Child(p, "metadata"), "name"), pvc.metadata().name());
    }
  }
  options.extra_volumes = claim_names;
  ValidateWorkloadTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                           spec.has_template_() ? &spec.template_() : nullptr, "spec", options, e);
}

void ValidateDaemonSet(const DaemonSet& d, ErrorList* e) {
  const DaemonSetSpec& spec = d.spec();
  ValidateCommonCounts("spec", false, 0, spec.min_ready_seconds(),
                       spec.has_revision_history_limit(), spec.revision_history_limit(), e);
  const DaemonSetUpdateStrategy& strategy = spec.update_strategy();
  CheckOneOf(e, "spec.updateStrategy.type", strategy.type(), {"OnDelete", "RollingUpdate"});
  if (strategy.has_rolling_update()) {
    if (strategy.type() == "OnDelete") {
      e->Forbidden("spec.updateStrategy.rollingUpdate",
                   "only allowed for updateStrategy 'RollingUpdate'");
    } else {
      ValidateRollingUpdate(strategy.rolling_update(), "spec.updateStrategy.rollingUpdate", e);
    }
  }
  PodSpecOptions options;
  options.require_image = false;
  ValidateWorkloadTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                           spec.has_template_() ? &spec.template_() : nullptr, "spec", options, e);
}

void ValidateHPA(const HorizontalPodAutoscaler& h, ErrorList* e) {
  const HorizontalPodAutoscalerSpec& spec = h.spec();
  const CrossVersionObjectReference& ref = spec.scale_target_ref();
  if (ref.kind().empty()) {
    e->Required("spec.scaleTargetRef.kind");
  } else {
    e->AddProblems("spec.scaleTargetRef.kind", ref.kind(), CheckPathSegmentName(ref.kind(), false));
  }
  if (ref.name().empty()) {
    e->Required("spec.scaleTargetRef.name");
  } else {
    e->AddProblems("spec.scaleTargetRef.name", ref.name(), CheckPathSegmentName(ref.name(), false));
  }
  int32_t min = spec.has_min_replicas() ? spec.min_replicas() : 1;
  if (spec.has_min_replicas() && spec.min_replicas() < 1) {
    e->Invalid("spec.minReplicas", spec.min_replicas(), "must be greater than or equal to 1");
  }
  if (spec.max_replicas() < 1) {
    e->Invalid("spec.maxReplicas", spec.max_replicas(), "must be greater than 0");
  } else if (spec.max_replicas() < min) {
    e->Invalid("spec.maxReplicas", spec.max_replicas(),
               "must be greater than or equal to `minReplicas`");
  }
  for (int i = 0; i < spec.metrics_size(); ++i) {
    ValidateMetricSpec(spec.metrics(i), Index("spec.metrics", i), e);
  }
  if (spec.has_behavior()) {
    if (spec.behavior().has_scale_up()) {
      ValidateScalingRules(spec.behavior().scale_up(), "spec.behavior.scaleUp", e);
    }
    if (spec.behavior().has_scale_down()) {
      ValidateScalingRules(spec.behavior().scale_down(), "spec.behavior.scaleDown", e);
    }
  }
}

}  // namespace skiff::api
