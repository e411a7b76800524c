// Workload and HPA validation rules, table-driven.
#include <gtest/gtest.h>

#include "api/validation_test_util.h"

namespace skiff::api {
namespace {

using test_support::Indent;
using test_support::ValidationCase;
using test_support::ValidationTableTest;

const char kTemplate[] =
    "selector: {matchLabels: {app: web}}\n"
    "template:\n"
    "  metadata: {labels: {app: web}}\n"
    "  spec:\n"
    "    containers: [{name: web, image: nginx}]\n";

std::string Workload(const std::string& api_kind, const std::string& spec) {
  return api_kind + "\nmetadata: {name: web}\nspec:\n" + Indent(spec, 2);
}
std::string Deploy(const std::string& extra, const std::string& tmpl = kTemplate) {
  return Workload("apiVersion: apps/v1\nkind: Deployment", tmpl + extra);
}
std::string RS(const std::string& extra) {
  return Workload("apiVersion: apps/v1\nkind: ReplicaSet", kTemplate + extra);
}
std::string STS(const std::string& extra) {
  return Workload("apiVersion: apps/v1\nkind: StatefulSet", kTemplate + extra);
}
std::string DS(const std::string& extra) {
  return Workload("apiVersion: apps/v1\nkind: DaemonSet", kTemplate + extra);
}
std::string HPA(const std::string& spec) {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
         "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n" +
         Indent(spec, 2);
}

INSTANTIATE_TEST_SUITE_P(
    Deployment, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid", Deploy("replicas: 3\n"), {}},
        ValidationCase{"SelectorRequired",
                       Deploy("",
                              "template:\n  metadata: {labels: {app: web}}\n  spec:\n    "
                              "containers: [{name: web, image: nginx}]\n"),
                       {"spec.selector: Required value"}},
        ValidationCase{"EmptySelector",
                       Deploy("",
                              "selector: {}\ntemplate:\n  spec:\n    containers: [{name: "
                              "web, image: nginx}]\n"),
                       {"spec.selector: Invalid value: {}: empty selector is invalid for this "
                        "workload"}},
        ValidationCase{"TemplateRequired",
                       Deploy("", "selector: {matchLabels: {app: web}}\n"),
                       {"spec.template: Required value"}},
        ValidationCase{"SelectorMustMatchTemplate",
                       Deploy("",
                              "selector: {matchLabels: {app: web}}\ntemplate:\n  metadata: "
                              "{labels: {app: api, tier: be}}\n  spec:\n    containers: "
                              "[{name: web, image: nginx}]\n"),
                       {"spec.template.metadata.labels: Invalid value: "
                        "{\"app\":\"api\",\"tier\":\"be\"}: `selector` does not match template "
                        "`labels`"}},
        ValidationCase{"ExpressionSelectorMatches",
                       Deploy("",
                              "selector: {matchExpressions: [{key: app, operator: In, "
                              "values: [web, api]}]}\ntemplate:\n  metadata: {labels: {app: "
                              "api}}\n  spec:\n    containers: [{name: web, image: x}]\n"),
                       {}},
        ValidationCase{"Counts",
                       Deploy("replicas: -1\nminReadySeconds: -2\nrevisionHistoryLimit: "
                              "-3\nprogressDeadlineSeconds: 5\n"),
                       {"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                        "spec.minReadySeconds: Invalid value: -2: must be greater than or equal "
                        "to 0",
                        "spec.revisionHistoryLimit: Invalid value: -3: must be greater than or "
                        "equal to 0"}},
        ValidationCase{"ProgressDeadline",
                       Deploy("minReadySeconds: 30\nprogressDeadlineSeconds: 30\n"),
                       {"spec.progressDeadlineSeconds: Invalid value: 30: must be greater than "
                        "minReadySeconds"}},
        ValidationCase{"StrategyType",
                       Deploy("strategy: {type: BlueGreen}\n"),
                       {"spec.strategy.type: Unsupported value: \"BlueGreen\": supported values: "
                        "\"Recreate\", \"RollingUpdate\""}},
        ValidationCase{"RecreateWithRollingUpdate",
                       Deploy("strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n"),
                       {"spec.strategy.rollingUpdate: Forbidden: may not be specified when "
                        "strategy `type` is 'Recreate'"}},
        ValidationCase{"BothZero",
                       Deploy("strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0%}}\n"),
                       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may "
                        "not be 0 when `maxSurge` is 0"}},
        ValidationCase{"Percentages",
                       Deploy("strategy: {rollingUpdate: {maxSurge: abc, maxUnavailable: "
                              "150%}}\n"),
                       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": "
                        "must not be greater than 100%",
                        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid "
                        "percent string must be a numeric string followed by an ending '%' (e.g. "
                        "'1%',  or '93%', regex used for validation is '[0-9]+%')"}},
        ValidationCase{"NegativeSurge",
                       Deploy("strategy: {rollingUpdate: {maxSurge: -1}}\n"),
                       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be "
                        "greater than or equal to 0"}},
        ValidationCase{"TemplateRestartPolicy",
                       Deploy("",
                              "selector: {matchLabels: {app: web}}\ntemplate:\n  metadata: "
                              "{labels: {app: web}}\n  spec:\n    restartPolicy: Never\n    "
                              "activeDeadlineSeconds: 10\n    containers: [{name: web, "
                              "image: x}]\n"),
                       {"spec.template.spec.restartPolicy: Unsupported value: \"Never\": "
                        "supported values: \"Always\"",
                        "spec.template.spec.activeDeadlineSeconds: Forbidden: "
                        "activeDeadlineSeconds in ReplicaSet is not Supported"}},
        ValidationCase{"TemplateImageMayBeEmpty",
                       Deploy("",
                              "selector: {matchLabels: {app: web}}\ntemplate:\n  metadata: "
                              "{labels: {app: web}}\n  spec:\n    containers: [{name: "
                              "web}]\n"),
                       {}},
        ValidationCase{"TemplatePodErrorsHaveFullPath",
                       Deploy("",
                              "selector: {matchLabels: {app: web}}\ntemplate:\n  metadata: "
                              "{labels: {app: web}}\n  spec:\n    containers:\n    - {name: "
                              "web, image: x}\n    - {image: y}\n"),
                       {"spec.template.spec.containers[1].name: Required value"}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    OtherWorkloads, ValidationTableTest,
    testing::Values(
        ValidationCase{"ReplicaSetValid", RS("replicas: 0\n"), {}},
        ValidationCase{"ReplicaSetNegative",
                       RS("replicas: -5\n"),
                       {"spec.replicas: Invalid value: -5: must be greater than or equal to 0"}},
        ValidationCase{"StatefulSetValid",
                       STS("serviceName: web\npodManagementPolicy: Parallel\nupdateStrategy: "
                           "{type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: "
                           "2}}\n"),
                       {}},
        ValidationCase{"StatefulSetEnums",
                       STS("podManagementPolicy: Random\nupdateStrategy: {type: OnDelete, "
                           "rollingUpdate: {partition: 1}}\npersistentVolumeClaimRetentionPolicy:"
                           " {whenDeleted: Keep}\nordinals: {start: -1}\n"),
                       {"spec.podManagementPolicy: Unsupported value: \"Random\": supported "
                        "values: \"OrderedReady\", \"Parallel\"",
                        "spec.updateStrategy.rollingUpdate: Forbidden: only allowed for "
                        "updateStrategy 'RollingUpdate'",
                        "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported "
                        "value: \"Keep\": supported values: \"Delete\", \"Retain\"",
                        "spec.ordinals.start: Invalid value: -1: must be greater than or equal to "
                        "0"}},
        ValidationCase{"StatefulSetPartitionAndMaxUnavailable",
                       STS("updateStrategy: {rollingUpdate: {partition: -1, maxUnavailable: "
                           "0}}\n"),
                       {"spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be "
                        "greater than or equal to 0",
                        "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: "
                        "must be greater than 0"}},
        ValidationCase{"StatefulSetClaimTemplates",
                       Workload("apiVersion: apps/v1\nkind: StatefulSet",
                                "selector: {matchLabels: {app: db}}\ntemplate:\n  metadata: "
                                "{labels: {app: db}}\n  spec:\n    containers:\n    - name: db\n "
                                "     image: postgres\n      volumeMounts: [{name: data, "
                                "mountPath: /var/lib/postgresql}, {name: other, mountPath: "
                                "/x}]\nvolumeClaimTemplates:\n- metadata: {name: data}\n  spec:\n "
                                "   accessModes: [ReadWriteOnce]\n    resources: {requests: "
                                "{storage: 1Gi}}\n- metadata: {name: data}\n  spec:\n    "
                                "accessModes: [ReadWriteSometimes]\n    resources: {requests: "
                                "{storage: \"0\"}}\n- spec: {}\n"),
                       {"spec.volumeClaimTemplates[1].spec.accessModes[0]: Unsupported value: "
                        "\"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", "
                        "\"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                        "spec.volumeClaimTemplates[1].spec.resources.requests[storage]: Invalid "
                        "value: \"0\": must be greater than zero",
                        "spec.volumeClaimTemplates[1].metadata.name: Duplicate value: \"data\"",
                        "spec.volumeClaimTemplates[2].metadata.name: Required value",
                        "spec.volumeClaimTemplates[2].spec.accessModes: Required value: at least "
                        "1 access mode is required",
                        "spec.volumeClaimTemplates[2].spec.resources.requests[storage]: Required "
                        "value",
                        "spec.template.spec.containers[0].volumeMounts[1].name: Not found: "
                        "\"other\""}},
        ValidationCase{"DaemonSetValid",
                       DS("updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "
                          "10%}}\n"),
                       {}},
        ValidationCase{"DaemonSetRules",
                       DS("updateStrategy: {type: Always, rollingUpdate: {maxUnavailable: 0, "
                          "maxSurge: 0}}\n"),
                       {"spec.updateStrategy.type: Unsupported value: \"Always\": supported "
                        "values: \"OnDelete\", \"RollingUpdate\"",
                        "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: may "
                        "not be 0 when `maxSurge` is 0"}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    HPA, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid",
                       HPA("minReplicas: 1\nmaxReplicas: 10\nmetrics:\n- type: Resource\n  "
                           "resource: {name: cpu, target: {type: Utilization, averageUtilization: "
                           "50}}\n"),
                       {}},
        ValidationCase{"MinMax",
                       HPA("minReplicas: 5\nmaxReplicas: 3\n"),
                       {"spec.maxReplicas: Invalid value: 3: must be greater than or equal to "
                        "`minReplicas`"}},
        ValidationCase{"MaxAtLeastOne",
                       HPA("minReplicas: 0\nmaxReplicas: 0\n"),
                       {"spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                        "spec.maxReplicas: Invalid value: 0: must be greater than 0"}},
        ValidationCase{"ScaleTargetRef",
                       "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: "
                       "{name: h}\nspec:\n  maxReplicas: 2\n",
                       {"spec.scaleTargetRef.kind: Required value",
                        "spec.scaleTargetRef.name: Required value"}},
        ValidationCase{"MetricSourceMustMatchType",
                       HPA("maxReplicas: 3\nmetrics:\n- type: Pods\n  resource: {name: cpu, "
                           "target: {type: Utilization, averageUtilization: 50}}\n- type: "
                           "Magic\n- {}\n"),
                       {"spec.metrics[0].pods: Required value: must populate information for the "
                        "given metric source",
                        "spec.metrics[0].resource: Forbidden: must populate the given metric "
                        "source only",
                        "spec.metrics[1].type: Unsupported value: \"Magic\": supported values: "
                        "\"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"",
                        "spec.metrics[2].type: Required value: must specify a metric source "
                        "type"}},
        ValidationCase{"MetricTargets",
                       HPA("maxReplicas: 3\nmetrics:\n- type: Resource\n  resource:\n    name: "
                           "cpu\n    target: {type: Value, value: \"1\"}\n- type: Resource\n  "
                           "resource:\n    name: memory\n    target: {type: Utilization}\n- type: "
                           "Pods\n  pods:\n    metric: {name: qps}\n    target: {type: "
                           "AverageValue, averageValue: \"-1\"}\n- type: External\n  external:\n "
                           "   metric: {}\n    target: {type: Value}\n"),
                       {"spec.metrics[0].resource.target.type: Unsupported value: \"Value\": "
                        "supported values: \"AverageValue\", \"Utilization\"",
                        "spec.metrics[1].resource.target.averageUtilization: Required value: "
                        "must set a target utilization",
                        "spec.metrics[2].pods.target.averageValue: Invalid value: \"-1\": must be "
                        "positive",
                        "spec.metrics[3].external.metric.name: Required value: must specify a "
                        "metric name",
                        "spec.metrics[3].external.target.value: Required value: must set value "
                        "when `type` is Value"}},
        ValidationCase{"Behavior",
                       HPA("maxReplicas: 3\nbehavior:\n  scaleUp:\n    "
                           "stabilizationWindowSeconds: 4000\n    selectPolicy: Any\n    "
                           "policies: [{type: Pods, value: 0, periodSeconds: 15}, {type: Nodes, "
                           "value: 1, periodSeconds: 2000}]\n"),
                       {"spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: "
                        "must be less than or equal to 3600",
                        "spec.behavior.scaleUp.selectPolicy: Unsupported value: \"Any\": "
                        "supported values: \"Disabled\", \"Max\", \"Min\"",
                        "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be "
                        "greater than 0",
                        "spec.behavior.scaleUp.policies[1].type: Unsupported value: \"Nodes\": "
                        "supported values: \"Percent\", \"Pods\"",
                        "spec.behavior.scaleUp.policies[1].periodSeconds: Invalid value: 2000: "
                        "must be less than or equal to 1800"}}),
    test_support::CaseName);

}  // namespace
}  // namespace skiff::api
