// Pod and container validation rules, table-driven.
#include <gtest/gtest.h>

#include "api/validation_test_util.h"

namespace skiff::api {
namespace {

using test_support::Indent;
using test_support::ValidationCase;
using test_support::ValidationTableTest;

// A Pod whose spec is `spec`.
std::string PodSpecYaml(const std::string& spec) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + Indent(spec, 2);
}

// A Pod with one container "c" (image nginx) plus `container` fields and `extra` spec fields.
std::string PodWith(const std::string& container, const std::string& extra = "") {
  return PodSpecYaml("containers:\n- name: c\n  image: nginx\n" + Indent(container, 2) + extra);
}

const char kIanaLetter[] = "must contain at least one letter (a-z)";

INSTANTIATE_TEST_SUITE_P(
    Pod, ValidationTableTest,
    testing::Values(
        ValidationCase{"Minimal", PodWith(""), {}},
        ValidationCase{"ContainersRequired",
                       PodSpecYaml("restartPolicy: Always\n"),
                       {"spec.containers: Required value"}},
        ValidationCase{"ContainerNameAndImageRequired",
                       PodSpecYaml("containers:\n- {}\n"),
                       {"spec.containers[0].name: Required value",
                        "spec.containers[0].image: Required value"}},
        ValidationCase{
            "ContainerNameIsLabel",
            PodSpecYaml("containers:\n- {name: c, image: x}\n- {name: Web_2, image: x}\n"),
            {"spec.containers[1].name: Invalid value: \"Web_2\": a lowercase RFC 1123 label must "
             "consist of lower case alphanumeric characters or '-', and must start and end with "
             "an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"}},
        ValidationCase{"ContainerNamesUnique",
                       PodSpecYaml("initContainers:\n- {name: c, image: x}\ncontainers:\n- {name: "
                                   "c, image: x}\n- {name: d, image: x}\n- {name: d, image: x}\n"),
                       {"spec.containers[0].name: Duplicate value: \"c\"",
                        "spec.containers[2].name: Duplicate value: \"d\""}},
        ValidationCase{"Ports",
                       PodWith("ports:\n- {containerPort: 70000}\n- {containerPort: 80, name: "
                               "\"8080\"}\n- {containerPort: 81, name: http, protocol: ICMP}\n- "
                               "{containerPort: 82, name: http, hostPort: -1}\n- {name: x}\n"),
                       {"spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be "
                        "between 1 and 65535, inclusive",
                        std::string("spec.containers[0].ports[1].name: Invalid value: \"8080\": ") +
                            kIanaLetter,
                        "spec.containers[0].ports[2].protocol: Unsupported value: \"ICMP\": "
                        "supported values: \"SCTP\", \"TCP\", \"UDP\"",
                        "spec.containers[0].ports[3].name: Duplicate value: \"http\"",
                        "spec.containers[0].ports[3].hostPort: Invalid value: -1: must be between "
                        "1 and 65535, inclusive",
                        "spec.containers[0].ports[4].containerPort: Required value"}},
        ValidationCase{
            "HostNetworkPorts",
            PodWith("ports:\n- {containerPort: 80, hostPort: 8080}\n", "hostNetwork: true\n"),
            {"spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match "
             "`containerPort` when `hostNetwork` is true"}},
        ValidationCase{
            "EnvNames",
            PodWith("env:\n- {name: GOOD_1, value: x}\n- {name: 1BAD}\n- {value: x}\n"),
            {"spec.containers[0].env[1].name: Invalid value: \"1BAD\": a valid environment "
             "variable name must consist of alphabetic characters, digits, '_', '-', or '.', and "
             "must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or "
             "'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
             "spec.containers[0].env[2].name: Required value"}},
        ValidationCase{
            "EnvValueFrom",
            PodWith("env:\n- name: A\n  value: x\n  valueFrom: {fieldRef: {fieldPath: "
                    "metadata.name}}\n- name: B\n  valueFrom: {}\n- name: C\n  valueFrom:\n    "
                    "configMapKeyRef: {name: c, key: k}\n    secretKeyRef: {name: s, key: k}\n- "
                    "name: D\n  valueFrom: {fieldRef: {fieldPath: spec.foo}}\n- name: E\n  "
                    "valueFrom: {secretKeyRef: {name: s, key: \"a/b\"}}\n- name: F\n  "
                    "valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1Mi}}\n- name: "
                    "G\n  valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}\n"),
            {"spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified "
             "when `value` is not empty",
             "spec.containers[0].env[1].valueFrom: Invalid value: \"\": must specify one of: "
             "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
             "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not have more than "
             "one field specified at a time",
             "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: "
             "\"spec.foo\": supported values: \"metadata.name\", \"metadata.namespace\", "
             "\"metadata.uid\", \"metadata.labels\", \"metadata.annotations\", "
             "\"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", "
             "\"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
             "spec.containers[0].env[4].valueFrom.secretKeyRef.key: Invalid value: \"a/b\": a "
             "valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
             "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
             "'[-._a-zA-Z0-9]+')",
             "spec.containers[0].env[5].valueFrom.resourceFieldRef.divisor: Unsupported value: "
             "\"1Mi\": supported values: \"1m\", \"1\""}},
        ValidationCase{"EnvFrom",
                       PodWith("envFrom:\n- {}\n- {prefix: \"1x\", configMapRef: {name: c}}\n"),
                       {"spec.containers[0].envFrom[0]: Invalid value: \"\": must specify one "
                        "of: `configMapRef` or `secretRef`",
                        "spec.containers[0].envFrom[1].prefix: Invalid value: \"1x\": a valid "
                        "environment variable name must consist of alphabetic characters, "
                        "digits, '_', '-', or '.', and must not start with a digit (e.g. "
                        "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
                        "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"}},
        ValidationCase{"Resources",
                       PodWith("resources:\n  requests: {cpu: \"2\", memory: 1Gi, gpu: \"1\", "
                               "example.com/foo: \"2\"}\n  limits: {cpu: 500m, memory: abc, "
                               "example.com/foo: \"1\"}\n"),
                       {"spec.containers[0].resources.limits[memory]: Invalid value: \"abc\": "
                        "quantities must match the regular expression "
                        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                        "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must "
                        "be a standard resource type or fully qualified",
                        "spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must "
                        "be less than or equal to cpu limit of 500m",
                        "spec.containers[0].resources.requests[example.com/foo]: Invalid value: "
                        "\"2\": must be equal to example.com/foo limit of 1"}},
        ValidationCase{"NegativeQuantity",
                       PodWith("resources:\n  limits: {cpu: \"-1\"}\n"),
                       {"spec.containers[0].resources.limits[cpu]: Invalid value: \"-1\": must "
                        "be greater than or equal to 0"}},
        ValidationCase{"RequestsEqualLimitsOk",
                       PodWith("resources:\n  requests: {cpu: 1000m, memory: 1Gi}\n  limits: "
                               "{cpu: \"1\", memory: 1024Mi}\n"),
                       {}},
        ValidationCase{"VolumeMounts",
                       PodWith("volumeMounts:\n- {name: data, mountPath: /a}\n- {name: missing, "
                               "mountPath: /b}\n- {name: data, mountPath: /a}\n- {name: data, "
                               "mountPath: /c, subPath: ../x}\n- {name: data}\n",
                               "volumes:\n- name: data\n  emptyDir: {}\n"),
                       {"spec.containers[0].volumeMounts[1].name: Not found: \"missing\"",
                        "spec.containers[0].volumeMounts[2].mountPath: Invalid value: \"/a\": "
                        "must be unique",
                        "spec.containers[0].volumeMounts[3].subPath: Invalid value: \"../x\": "
                        "must not contain '..'",
                        "spec.containers[0].volumeMounts[4].mountPath: Required value"}},
        ValidationCase{"Volumes",
                       PodWith("",
                               "volumes:\n- name: a\n  emptyDir: {}\n  hostPath: {path: /x}\n- "
                               "name: a\n- name: Bad\n- name: c\n  configMap: {}\n- name: s\n  "
                               "secret: {defaultMode: 01000}\n- name: h\n  hostPath: {path: "
                               "/x, type: Dir}\n- name: d\n  persistentVolumeClaim: {}\n"),
                       {"spec.volumes[0]: Forbidden: may not specify more than 1 volume type",
                        "spec.volumes[1].name: Duplicate value: \"a\"",
                        "spec.volumes[2].name: Invalid value: \"Bad\": a lowercase RFC 1123 label "
                        "must consist of lower case alphanumeric characters or '-', and must "
                        "start and end with an alphanumeric character (e.g. 'my-name',  or "
                        "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                        "spec.volumes[3].configMap.name: Required value",
                        "spec.volumes[4].secret.secretName: Required value",
                        "spec.volumes[4].secret.defaultMode: Invalid value: 512: must be a number "
                        "between 0 and 0777 (octal), both inclusive",
                        "spec.volumes[5].hostPath.type: Unsupported value: \"Dir\": supported "
                        "values: \"BlockDevice\", \"CharDevice\", \"Directory\", "
                        "\"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
                        "spec.volumes[6].persistentVolumeClaim.claimName: Required value"}},
        ValidationCase{"ProbeHandlers",
                       PodWith("livenessProbe: {periodSeconds: 5}\nreadinessProbe:\n  exec: "
                               "{command: [x]}\n  httpGet: {port: 80}\nstartupProbe:\n  "
                               "tcpSocket: {port: 0}\n  successThreshold: 2\n"),
                       {"spec.containers[0].livenessProbe: Required value: must specify a "
                        "handler type",
                        "spec.containers[0].readinessProbe: Forbidden: may not specify more than "
                        "1 handler type",
                        "spec.containers[0].startupProbe.tcpSocket.port: Invalid value: 0: must "
                        "be between 1 and 65535, inclusive",
                        "spec.containers[0].startupProbe.successThreshold: Invalid value: 2: must "
                        "be 1"}},
        ValidationCase{"ProbeFields",
                       PodWith("livenessProbe:\n  httpGet: {port: \"HTTP\", scheme: FTP, "
                               "httpHeaders: [{name: \"X Y\", value: v}]}\n  timeoutSeconds: -1\n"
                               "readinessProbe:\n  grpc: {port: 50051}\n  "
                               "terminationGracePeriodSeconds: 5\n"),
                       {"spec.containers[0].livenessProbe.httpGet.port: Invalid value: \"HTTP\": "
                        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                        std::string("spec.containers[0].livenessProbe.httpGet.port: Invalid "
                                    "value: \"HTTP\": ") +
                            kIanaLetter,
                        "spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: "
                        "\"FTP\": supported values: \"HTTP\", \"HTTPS\"",
                        "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: Invalid "
                        "value: \"X Y\": a valid HTTP header must consist of alphanumerics or "
                        "'-' (e.g. 'X-Header-Name', regex used for validation is "
                        "'[-A-Za-z0-9]+')",
                        "spec.containers[0].livenessProbe.timeoutSeconds: Invalid value: -1: must "
                        "be greater than or equal to 0",
                        "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: "
                        "Invalid value: 5: must not be set for readinessProbes"}},
        ValidationCase{"NamedProbePortOk",
                       PodWith("ports: [{name: http, containerPort: 80}]\nlivenessProbe: "
                               "{httpGet: {port: http}}\n"),
                       {}},
        ValidationCase{"LifecycleHandlers",
                       PodWith("lifecycle:\n  postStart: {}\n  preStop: {sleep: {seconds: 0}}\n"),
                       {"spec.containers[0].lifecycle.postStart: Required value: must specify a "
                        "handler type",
                        "spec.containers[0].lifecycle.preStop.sleep.seconds: Invalid value: 0: "
                        "must be greater than 0"}},
        ValidationCase{"InitContainerProbesNeedSidecar",
                       PodSpecYaml("initContainers:\n- name: i\n  image: x\n  readinessProbe: "
                                   "{exec: {command: [x]}}\n- name: s\n  image: x\n  "
                                   "restartPolicy: Always\n  readinessProbe: {exec: {command: "
                                   "[x]}}\ncontainers:\n- {name: c, image: x, restartPolicy: "
                                   "Always}\n"),
                       {"spec.initContainers[0].readinessProbe: Forbidden: may not be set for "
                        "init containers without restartPolicy=Always",
                        "spec.containers[0].restartPolicy: Forbidden: may not be set for "
                        "non-init containers"}},
        ValidationCase{"PodEnums",
                       PodWith("imagePullPolicy: Sometimes\nterminationMessagePolicy: Log\n",
                               "restartPolicy: Sometimes\ndnsPolicy: Google\n"),
                       {"spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": "
                        "supported values: \"Always\", \"IfNotPresent\", \"Never\"",
                        "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Log\": "
                        "supported values: \"FallbackToLogsOnError\", \"File\"",
                        "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: "
                        "\"Always\", \"Never\", \"OnFailure\"",
                        "spec.dnsPolicy: Unsupported value: \"Google\": supported values: "
                        "\"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\""}},
        ValidationCase{"DnsNone",
                       PodWith("", "dnsPolicy: None\n"),
                       {"spec.dnsConfig: Required value: must provide `dnsConfig` when "
                        "`dnsPolicy` is None"}},
        ValidationCase{"DnsConfig",
                       PodWith("",
                               "dnsConfig:\n  nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9, "
                               "bad]\n"),
                       {"spec.dnsConfig.nameservers: Invalid value: 4: must not have more than 3 "
                        "nameservers",
                        "spec.dnsConfig.nameservers[3]: Invalid value: \"bad\": must be a valid "
                        "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}},
        ValidationCase{"PodNumbers",
                       PodWith("", "terminationGracePeriodSeconds: -1\nactiveDeadlineSeconds: 0\n"),
                       {"spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater "
                        "than or equal to 0",
                        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and "
                        "2147483647, inclusive"}},
        ValidationCase{"Tolerations",
                       PodWith("",
                               "tolerations:\n- {operator: Equal, value: x}\n- {key: k, "
                               "operator: Exists, value: v}\n- {key: k, operator: Maybe}\n- "
                               "{key: k, effect: NoSchedule, tolerationSeconds: 5}\n- {key: "
                               "k, effect: Never}\n"),
                       {"spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be "
                        "Exists when `key` is empty, which means \"match all values and all "
                        "keys\"",
                        "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty "
                        "when `operator` is 'Exists'",
                        "spec.tolerations[2].operator: Unsupported value: \"Maybe\": supported "
                        "values: \"Equal\", \"Exists\"",
                        "spec.tolerations[3].effect: Invalid value: \"NoSchedule\": effect must "
                        "be 'NoExecute' when `tolerationSeconds` is set",
                        "spec.tolerations[4].effect: Unsupported value: \"Never\": supported "
                        "values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""}},
        ValidationCase{"Affinity",
                       PodWith("",
                               "affinity:\n  nodeAffinity:\n    "
                               "requiredDuringSchedulingIgnoredDuringExecution:\n      "
                               "nodeSelectorTerms:\n      - matchExpressions:\n        - "
                               "{key: zone, operator: In}\n        - {key: zone, operator: "
                               "Near, values: [a]}\n    "
                               "preferredDuringSchedulingIgnoredDuringExecution:\n    - "
                               "weight: 0\n      preference: {matchExpressions: [{key: a, "
                               "operator: Exists}]}\n  podAntiAffinity:\n    "
                               "requiredDuringSchedulingIgnoredDuringExecution:\n    - "
                               "labelSelector: {matchLabels: {app: web}}\n"),
                       {"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                        ".nodeSelectorTerms[0].matchExpressions[0].values: Required value: must "
                        "be specified when `operator` is 'In' or 'NotIn'",
                        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                        ".nodeSelectorTerms[0].matchExpressions[1].operator: Unsupported value: "
                        "\"Near\": supported values: \"DoesNotExist\", \"Exists\", \"Gt\", "
                        "\"In\", \"Lt\", \"NotIn\"",
                        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"
                        "[0].weight: Invalid value: 0: must be in the range 1-100",
                        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuring"
                        "Execution[0].topologyKey: Required value: can not be empty"}},
        ValidationCase{"TopologySpread",
                       PodWith("",
                               "topologySpreadConstraints:\n- {maxSkew: 0, topologyKey: "
                               "zone, whenUnsatisfiable: DoNotSchedule}\n- {maxSkew: 1, "
                               "whenUnsatisfiable: Sometimes}\n- {maxSkew: 1, topologyKey: "
                               "zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}\n- "
                               "{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: "
                               "DoNotSchedule}\n"),
                       {"spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be "
                        "greater than 0",
                        "spec.topologySpreadConstraints[1].topologyKey: Required value: can not "
                        "be empty",
                        "spec.topologySpreadConstraints[1].whenUnsatisfiable: Unsupported value: "
                        "\"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
                        "spec.topologySpreadConstraints[2].minDomains: Invalid value: 2: can only "
                        "use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                        "spec.topologySpreadConstraints[3]: Duplicate value: \"{zone, "
                        "DoNotSchedule}\""}},
        ValidationCase{"HostnameSubdomainNodeSelector",
                       PodWith("",
                               "hostname: Web\nsubdomain: a.b\nnodeSelector: {\"a b\": "
                               "c}\nserviceAccountName: Web\n"),
                       {"spec.nodeSelector[a b]: Invalid value: \"a b\": name part must consist "
                        "of alphanumeric characters, '-', '_' or '.', and must start and end "
                        "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                        "'123-abc', regex used for validation is "
                        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                        "spec.serviceAccountName: Invalid value: \"Web\": a lowercase RFC 1123 "
                        "subdomain must consist of lower case alphanumeric characters, '-' or "
                        "'.', and must start and end with an alphanumeric character (e.g. "
                        "'example.com', regex used for validation is "
                        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                        "spec.hostname: Invalid value: \"Web\": a lowercase RFC 1123 label must "
                        "consist of lower case alphanumeric characters or '-', and must start and "
                        "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                        "spec.subdomain: Invalid value: \"a.b\": a lowercase RFC 1123 label must "
                        "consist of lower case alphanumeric characters or '-', and must start and "
                        "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"}},
        ValidationCase{"SecurityContexts",
                       PodWith("securityContext: {privileged: true, allowPrivilegeEscalation: "
                               "false, runAsUser: -1, seccompProfile: {type: Localhost}}\n",
                               "shareProcessNamespace: true\nhostPID: true\n"),
                       {"spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be "
                        "greater than or equal to 0",
                        "spec.containers[0].securityContext: Invalid value: \"\": cannot set "
                        "`allowPrivilegeEscalation` to false and `privileged` to true",
                        "spec.containers[0].securityContext.seccompProfile.localhostProfile: "
                        "Required value: must be set when seccomp type is Localhost",
                        "spec.shareProcessNamespace: Invalid value: true: ShareProcessNamespace "
                        "and HostPID cannot both be enabled"}},
        ValidationCase{"HostAliasesOsOverhead",
                       PodWith("",
                               "hostAliases: [{ip: 999.1.1.1, hostnames: [ok]}]\nos: {name: "
                               "plan9}\noverhead: {cpu: lots}\n"),
                       {"spec.hostAliases[0].ip: Invalid value: \"999.1.1.1\": must be a valid IP "
                        "address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                        "spec.overhead[cpu]: Invalid value: \"lots\": quantities must match the "
                        "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                        "spec.os.name: Unsupported value: \"plan9\": supported values: "
                        "\"linux\", \"windows\""}}),
    test_support::CaseName);

}  // namespace
}  // namespace skiff::api
