// Service, Endpoints and EndpointSlice validation rules, table-driven.
#include <gtest/gtest.h>

#include "api/validation_test_util.h"

namespace skiff::api {
namespace {

using test_support::Indent;
using test_support::ValidationCase;
using test_support::ValidationTableTest;

std::string Svc(const std::string& spec) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n" + Indent(spec, 2);
}

std::string Eps(const std::string& body) {
  return "apiVersion: v1\nkind: Endpoints\nmetadata: {name: db}\n" + body;
}

std::string Slice(const std::string& body) {
  return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1}\n" + body;
}

INSTANTIATE_TEST_SUITE_P(
    Service, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid",
                       Svc("selector: {app: web}\nports:\n- {name: http, port: 80, targetPort: "
                           "http}\n- {name: https, port: 443, targetPort: 8443}\n"),
                       {}},
        ValidationCase{
            "PortsRequired", Svc("selector: {app: web}\n"), {"spec.ports: Required value"}},
        ValidationCase{"HeadlessWithoutPortsOk", Svc("clusterIP: None\nselector: {app: db}\n"), {}},
        ValidationCase{"BadType",
                       Svc("type: Internal\nports: [{port: 80}]\n"),
                       {"spec.type: Unsupported value: \"Internal\": supported values: "
                        "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""}},
        ValidationCase{"PortRules",
                       Svc("ports:\n- {port: 0}\n- {name: a, port: 80, protocol: ICMP}\n- {name: "
                           "a, port: 81, targetPort: 70000}\n- {name: \"B\", port: 82, targetPort: "
                           "\"http_x\"}\n"),
                       {"spec.ports[0].name: Required value",
                        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, "
                        "inclusive",
                        "spec.ports[1].protocol: Unsupported value: \"ICMP\": supported values: "
                        "\"SCTP\", \"TCP\", \"UDP\"",
                        "spec.ports[2].name: Duplicate value: \"a\"",
                        "spec.ports[2].targetPort: Invalid value: 70000: must be between 1 and "
                        "65535, inclusive",
                        "spec.ports[3].name: Invalid value: \"B\": a lowercase RFC 1123 label "
                        "must consist of lower case alphanumeric characters or '-', and must "
                        "start and end with an alphanumeric character (e.g. 'my-name',  or "
                        "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                        "spec.ports[3].targetPort: Invalid value: \"http_x\": must contain only "
                        "alpha-numeric characters (a-z, 0-9), and hyphens (-)"}},
        ValidationCase{"DuplicatePortProtocol",
                       Svc("ports:\n- {name: a, port: 53, protocol: UDP}\n- {name: b, port: 53, "
                           "protocol: TCP}\n- {name: c, port: 53}\n"),
                       {"spec.ports[2]: Duplicate value: \"53/TCP\""}},
        ValidationCase{"NodePortRange",
                       Svc("type: NodePort\nports:\n- {name: a, port: 80, nodePort: 80}\n- {name: "
                           "b, port: 81, nodePort: 30080}\n- {name: c, port: 82, nodePort: "
                           "30080}\n"),
                       {"spec.ports[0].nodePort: Invalid value: 80: provided port is not in the "
                        "valid range. The range of valid ports is 30000-32767",
                        "spec.ports[2].nodePort: Duplicate value: \"30080/TCP\""}},
        ValidationCase{"NodePortOnClusterIP",
                       Svc("ports: [{port: 80, nodePort: 30001}]\n"),
                       {"spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                        "'ClusterIP'"}},
        ValidationCase{"ExternalNameNeedsName",
                       Svc("type: ExternalName\n"),
                       {"spec.externalName: Required value"}},
        ValidationCase{"ExternalNameValid",
                       Svc("type: ExternalName\nexternalName: my.database.example.com.\n"),
                       {}},
        ValidationCase{"ExternalNameRules",
                       Svc("type: ExternalName\nexternalName: \"Bad_Name\"\nclusterIP: "
                           "10.0.0.1\n"),
                       {"spec.clusterIP: Forbidden: may not be set for ExternalName services",
                        "spec.externalName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
                        "subdomain must consist of lower case alphanumeric characters, '-' or "
                        "'.', and must start and end with an alphanumeric character (e.g. "
                        "'example.com', regex used for validation is "
                        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"}},
        ValidationCase{"ClusterIPNoneOnlyForClusterIP",
                       Svc("type: NodePort\nclusterIP: None\nports: [{port: 80}]\n"),
                       {"spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for "
                        "NodePort services"}},
        ValidationCase{"ClusterIPs",
                       Svc("clusterIP: 10.0.0.300\nclusterIPs: [10.0.0.1]\nports: [{port: 80}]\n"),
                       {"spec.clusterIP: Invalid value: \"10.0.0.300\": must be empty, 'None', or "
                        "a valid IP address",
                        "spec.clusterIPs[0]: Invalid value: \"10.0.0.1\": must be equal to "
                        "`clusterIP` (\"10.0.0.300\")"}},
        ValidationCase{"DualStackOk",
                       Svc("clusterIP: 10.0.0.1\nclusterIPs: [10.0.0.1, \"fd00::1\"]\n"
                           "ipFamilyPolicy: RequireDualStack\nipFamilies: [IPv4, IPv6]\nports: "
                           "[{port: 80}]\n"),
                       {}},
        ValidationCase{"IPFamilies",
                       Svc("ipFamilies: [IPv4, IPv4, IPv5]\nipFamilyPolicy: SingleStack\nports: "
                           "[{port: 80}]\n"),
                       {"spec.ipFamilies[1]: Duplicate value: \"IPv4\"",
                        "spec.ipFamilies[2]: Unsupported value: \"IPv5\": supported values: "
                        "\"IPv4\", \"IPv6\"",
                        "spec.ipFamilies: Invalid value: 3 items: may only hold up to 2 values",
                        "spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be "
                        "'RequireDualStack' or 'PreferDualStack' when multiple IP families are "
                        "specified"}},
        ValidationCase{"SessionAffinity",
                       Svc("sessionAffinity: Sticky\nports: [{port: 80}]\n"),
                       {"spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: "
                        "\"ClientIP\", \"None\""}},
        ValidationCase{"SessionAffinityConfig",
                       Svc("sessionAffinity: ClientIP\nsessionAffinityConfig: {clientIP: "
                           "{timeoutSeconds: 0}}\nports: [{port: 80}]\n"),
                       {"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: "
                        "must be greater than 0 and less than or equal to 86400"}},
        ValidationCase{"SessionAffinityConfigNeedsClientIP",
                       Svc("sessionAffinityConfig: {clientIP: {timeoutSeconds: 10}}\nports: "
                           "[{port: 80}]\n"),
                       {"spec.sessionAffinityConfig: Forbidden: must not be set when session "
                        "affinity is None"}},
        ValidationCase{"LoadBalancerOnlyFields",
                       Svc("loadBalancerIP: 1.2.3.4\nloadBalancerSourceRanges: "
                           "[10.0.0.0/8]\nallocateLoadBalancerNodePorts: true\n"
                           "externalTrafficPolicy: Local\nhealthCheckNodePort: 30000\nports: "
                           "[{port: 80}]\n"),
                       {"spec.loadBalancerIP: Forbidden: may only be used when `type` is "
                        "'LoadBalancer'",
                        "spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` "
                        "is 'LoadBalancer'",
                        "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when "
                        "`type` is 'LoadBalancer'",
                        "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set "
                        "for externally-accessible services",
                        "spec.healthCheckNodePort: Invalid value: 30000: may only be set when "
                        "`type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"}},
        ValidationCase{"LoadBalancerValid",
                       Svc("type: LoadBalancer\nloadBalancerSourceRanges: [10.0.0.0/8]\n"
                           "externalTrafficPolicy: Local\nhealthCheckNodePort: 30000\n"
                           "loadBalancerClass: example.com/lb\nports: [{port: 80, nodePort: "
                           "31000}]\n"),
                       {}},
        ValidationCase{"BadCIDRsAndIPs",
                       Svc("type: LoadBalancer\nloadBalancerSourceRanges: [10.0.0.0]\n"
                           "externalIPs: [nope]\ninternalTrafficPolicy: Nearby\nports: [{port: "
                           "80}]\n"),
                       {"spec.externalIPs[0]: Invalid value: \"nope\": must be a valid IP "
                        "address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                        "spec.loadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0\": must be "
                        "a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                        "spec.internalTrafficPolicy: Unsupported value: \"Nearby\": supported "
                        "values: \"Cluster\", \"Local\""}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    EndpointSlice, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid",
                       Slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  "
                             "conditions: {ready: true}\nports:\n- {name: http, port: 80, "
                             "protocol: TCP}\n"),
                       {}},
        ValidationCase{"AddressType",
                       Slice("addressType: IPv5\n"),
                       {"addressType: Unsupported value: \"IPv5\": supported values: \"FQDN\", "
                        "\"IPv4\", \"IPv6\""}},
        ValidationCase{
            "AddressTypeRequired", Slice("endpoints: []\n"), {"addressType: Required value"}},
        ValidationCase{"Addresses",
                       Slice("addressType: IPv4\nendpoints:\n- addresses: []\n- addresses: "
                             "[\"fd00::1\"]\n  hostname: Web_0\n"),
                       {"endpoints[0].addresses: Required value: must contain at least 1 address",
                        "endpoints[1].addresses[0]: Invalid value: \"fd00::1\": must be a valid "
                        "IPv4 address",
                        "endpoints[1].hostname: Invalid value: \"Web_0\": a lowercase RFC 1123 "
                        "label must consist of lower case alphanumeric characters or '-', and "
                        "must start and end with an alphanumeric character (e.g. 'my-name',  or "
                        "'123-abc', regex used for validation is "
                        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"}},
        ValidationCase{"FQDNAddresses",
                       Slice("addressType: FQDN\nendpoints:\n- addresses: [db.example.com]\n"),
                       {}},
        ValidationCase{"Ports",
                       Slice("addressType: IPv6\nports:\n- {name: a, port: 0}\n- {name: a, "
                             "protocol: ICMP}\n"),
                       {"ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                        "ports[1].name: Duplicate value: \"a\"",
                        "ports[1].protocol: Unsupported value: \"ICMP\": supported values: "
                        "\"SCTP\", \"TCP\", \"UDP\""}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    Endpoints, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid",
                       Eps("subsets:\n- addresses: [{ip: 192.0.2.10, hostname: db-0}]\n  "
                           "notReadyAddresses: [{ip: \"2001:db8::1\"}]\n  ports: [{port: "
                           "5432}]\n"),
                       {}},
        ValidationCase{"EmptySubsetsOk", Eps("subsets: []\n"), {}},
        ValidationCase{"SubsetNeedsAddresses",
                       Eps("subsets:\n- ports: [{port: 80}]\n"),
                       {"subsets[0]: Required value: must specify `addresses` or "
                        "`notReadyAddresses`"}},
        ValidationCase{
            "Addresses",
            Eps("subsets:\n- addresses:\n  - {ip: 10.0.0.300}\n  - {ip: 127.0.0.1}\n  - {ip: "
                "169.254.1.1}\n  - {ip: \"::\"}\n  - {ip: 10.0.0.1, hostname: Db_0}\n  "
                "notReadyAddresses: [{ip: 224.0.0.5}]\n"),
            {"subsets[0].addresses[0].ip: Invalid value: \"10.0.0.300\": must be a valid IP "
             "address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
             "subsets[0].addresses[1].ip: Invalid value: \"127.0.0.1\": may not be in the "
             "loopback range (127.0.0.0/8, ::1/128)",
             "subsets[0].addresses[2].ip: Invalid value: \"169.254.1.1\": may not be in the "
             "link-local range (169.254.0.0/16, fe80::/10)",
             "subsets[0].addresses[3].ip: Invalid value: \"::\": may not be unspecified "
             "(0.0.0.0, ::)",
             "subsets[0].addresses[4].hostname: Invalid value: \"Db_0\": a lowercase RFC 1123 "
             "label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
             "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
             "subsets[0].notReadyAddresses[0].ip: Invalid value: \"224.0.0.5\": may not be in "
             "the link-local multicast range (224.0.0.0/24, ff02::/10)"}},
        ValidationCase{"Ports",
                       Eps("subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {port: "
                           "0}\n  - {name: a, port: 80, protocol: ICMP}\n  - {name: a, port: "
                           "81}\n"),
                       {"subsets[0].ports[0].name: Required value",
                        "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and "
                        "65535, inclusive",
                        "subsets[0].ports[1].protocol: Unsupported value: \"ICMP\": supported "
                        "values: \"SCTP\", \"TCP\", \"UDP\"",
                        "subsets[0].ports[2].name: Duplicate value: \"a\""}}),
    test_support::CaseName);

}  // namespace
}  // namespace skiff::api
