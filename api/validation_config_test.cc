// ConfigMap, Secret, Namespace, Node, ServiceAccount, Event and RBAC validation rules.
#include <gtest/gtest.h>

#include "api/validation_test_util.h"

namespace skiff::api {
namespace {

using test_support::ValidationCase;
using test_support::ValidationTableTest;

std::string CM(const std::string& body) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + body;
}
std::string SecretYaml(const std::string& body, const std::string& meta = "{name: s}") {
  return "apiVersion: v1\nkind: Secret\nmetadata: " + meta + "\n" + body;
}
std::string Rbac(const std::string& kind, const std::string& body) {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: r" +
         (kind == "Role" || kind == "RoleBinding" ? ", namespace: ns" : "") + "}\n" + body;
}

const char kKeyMsg[] =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')";

INSTANTIATE_TEST_SUITE_P(
    Config, ValidationTableTest,
    testing::Values(
        ValidationCase{"ConfigMapValid", CM("data: {a.b: x, A_B: y, .hidden: z}\n"), {}},
        ValidationCase{
            "ConfigMapKeys",
            CM("data: {\"a/b\": x, \"..\": y}\nbinaryData: {a.b: eA==, \"a/b\": eA==}\n"),
            {std::string("data[..]: Invalid value: \"..\": must not be '..'"),
             std::string("data[a/b]: Invalid value: \"a/b\": ") + kKeyMsg,
             std::string("binaryData[a/b]: Invalid value: \"a/b\": ") + kKeyMsg,
             "binaryData[a/b]: Invalid value: \"a/b\": duplicate of key present in "
             "data"}},
        ValidationCase{"ConfigMapTooBig",
                       CM("data:\n  a: " + std::string(600 * 1024, 'x') +
                          "\n  b: " + std::string(600 * 1024, 'y') + "\n"),
                       {"data: Too long: must have at most 1048576 bytes"}},
        ValidationCase{"SecretValid", SecretYaml("type: Opaque\nstringData: {a: b}\n"), {}},
        ValidationCase{"SecretKeys",
                       SecretYaml("stringData: {\"a b\": x}\n"),
                       {std::string("stringData[a b]: Invalid value: \"a b\": ") + kKeyMsg}},
        ValidationCase{"SecretTooBig",
                       SecretYaml("stringData:\n  a: " + std::string(1024 * 1024 + 1, 'x') + "\n"),
                       {"data: Too long: must have at most 1048576 bytes"}},
        ValidationCase{"TLSSecret",
                       SecretYaml("type: kubernetes.io/tls\nstringData: {tls.crt: x}\n"),
                       {"data[tls.key]: Required value"}},
        ValidationCase{"DockerConfigSecret",
                       SecretYaml("type: kubernetes.io/dockerconfigjson\n"),
                       {"data[.dockerconfigjson]: Required value"}},
        ValidationCase{"BasicAuthSecret",
                       SecretYaml("type: kubernetes.io/basic-auth\n"),
                       {"data[username]: Required value: either username or password is "
                        "required to use basic authentication"}},
        ValidationCase{"TokenSecret",
                       SecretYaml("type: kubernetes.io/service-account-token\n"),
                       {"metadata.annotations[kubernetes.io/service-account.name]: Required "
                        "value"}},
        ValidationCase{"NamespaceFinalizers",
                       "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\nspec: "
                       "{finalizers: [kubernetes, \"-x\"]}\nstatus: {phase: Gone}\n",
                       {"spec.finalizers[1]: Invalid value: \"-x\": name part must consist of "
                        "alphanumeric characters, '-', '_' or '.', and must start and end with "
                        "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                        "'123-abc', regex used for validation is "
                        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                        "status.phase: Unsupported value: \"Gone\": supported values: \"Active\", "
                        "\"Terminating\""}},
        ValidationCase{"Node",
                       "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec:\n  podCIDR: "
                       "10.0.0.0/33\n  taints: [{key: a, effect: NoSchedule}, {key: a, effect: "
                       "NoSchedule}, {effect: Sometimes}]\nstatus:\n  capacity: {cpu: x}\n",
                       {"spec.podCIDR: Invalid value: \"10.0.0.0/33\": must be a valid CIDR "
                        "value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                        "spec.taints[1]: Duplicate value: \"{a, NoSchedule}\"",
                        "spec.taints[2].key: Required value",
                        "spec.taints[2].effect: Unsupported value: \"Sometimes\": supported "
                        "values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"",
                        "status.capacity[cpu]: Invalid value: \"x\": quantities must match the "
                        "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"}},
        ValidationCase{"ServiceAccount",
                       "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n"
                       "imagePullSecrets: [{}]\n",
                       {"imagePullSecrets[0].name: Required value"}},
        ValidationCase{"Event",
                       "apiVersion: v1\nkind: Event\nmetadata: {name: e.1, namespace: a}\n"
                       "involvedObject: {kind: Pod, name: p, namespace: b}\ntype: Fatal\n"
                       "count: -1\n",
                       {"involvedObject.namespace: Invalid value: \"b\": does not match "
                        "event.namespace",
                        "type: Unsupported value: \"Fatal\": supported values: \"Normal\", "
                        "\"Warning\"",
                        "count: Invalid value: -1: must be greater than or equal to 0"}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    RBAC, ValidationTableTest,
    testing::Values(
        ValidationCase{"RoleValid",
                       Rbac("Role",
                            "rules: [{apiGroups: [\"\"], resources: [pods], verbs: "
                            "[get]}]\n"),
                       {}},
        ValidationCase{"RoleRules",
                       Rbac("Role",
                            "rules:\n- {apiGroups: [\"\"], resources: [pods]}\n- {verbs: "
                            "[get]}\n- {nonResourceURLs: [/healthz], verbs: [get]}\n"),
                       {"rules[0].verbs: Required value: verbs must contain at least one value",
                        "rules[1].apiGroups: Required value: resource rules must supply at least "
                        "one api group",
                        "rules[1].resources: Required value: resource rules must supply at least "
                        "one resource",
                        "rules[2].nonResourceURLs: Invalid value: [...]: namespaced rules cannot "
                        "apply to non-resource URLs"}},
        ValidationCase{"ClusterRoleMixed",
                       Rbac("ClusterRole",
                            "rules:\n- {nonResourceURLs: [/x], resources: [pods], "
                            "verbs: [get]}\naggregationRule: {}\n"),
                       {"rules[0].nonResourceURLs: Invalid value: [...]: rules cannot apply to "
                        "both regular resources and non-resource URLs",
                        "aggregationRule.clusterRoleSelectors: Required value: at least one "
                        "clusterRoleSelector required if aggregationRule is non-nil"}},
        ValidationCase{"RoleBindingValid",
                       Rbac("RoleBinding",
                            "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: "
                            "Role, name: reader}\nsubjects:\n- {kind: User, name: "
                            "jane}\n- {kind: ServiceAccount, name: web}\n"),
                       {}},
        ValidationCase{"RoleBindingRules",
                       Rbac("RoleBinding",
                            "roleRef: {apiGroup: rbac, kind: Policy}\nsubjects:\n- "
                            "{kind: Robot, name: r}\n- {kind: ServiceAccount, "
                            "apiGroup: rbac.authorization.k8s.io}\n"),
                       {"roleRef.apiGroup: Unsupported value: \"rbac\": supported values: "
                        "\"rbac.authorization.k8s.io\"",
                        "roleRef.kind: Unsupported value: \"Policy\": supported values: "
                        "\"ClusterRole\", \"Role\"",
                        "roleRef.name: Required value",
                        "subjects[0].kind: Unsupported value: \"Robot\": supported values: "
                        "\"Group\", \"ServiceAccount\", \"User\"",
                        "subjects[1].name: Required value",
                        "subjects[1].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\": "
                        "supported values: \"\""}},
        ValidationCase{"ClusterRoleBindingRules",
                       Rbac("ClusterRoleBinding",
                            "roleRef: {apiGroup: rbac.authorization.k8s.io, "
                            "kind: Role, name: x}\nsubjects:\n- {kind: "
                            "ServiceAccount, name: web}\n"),
                       {"roleRef.kind: Unsupported value: \"Role\": supported values: "
                        "\"ClusterRole\"",
                        "subjects[0].namespace: Required value"}}),
    test_support::CaseName);

}  // namespace
}  // namespace skiff::api
