// Validation of Services, Endpoints and EndpointSlices.
#include <google/protobuf/struct.pb.h>

#include <set>

#include "api/int_or_string.h"
#include "api/labels.h"
#include "api/names.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "common/cidr.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"

namespace skiff::api {
namespace {

void ValidateServicePorts(const ServiceSpec& spec, const std::string& type, ErrorList* e) {
  std::set<std::string> names;
  std::set<std::pair<int, std::string>> port_protocols;
  std::set<std::pair<int, std::string>> node_ports;
  const bool multiple = spec.ports_size() > 1;
  for (int i = 0; i < spec.ports_size(); ++i) {
    const ServicePort& p = spec.ports(i);
    std::string pp = Index("spec.ports", i);
    std::string protocol = p.protocol().empty() ? "TCP" : p.protocol();
    if (p.name().empty()) {
      if (multiple) e->Required(Child(pp, "name"));
    } else {
      e->AddProblems(Child(pp, "name"), p.name(), CheckDNS1123Label(p.name()));
      if (!names.insert(p.name()).second) e->Duplicate(Child(pp, "name"), p.name());
    }
    for (const std::string& m : CheckPortNumber(p.port()))
      e->Invalid(Child(pp, "port"), p.port(), m);
    CheckOneOf(e, Child(pp, "protocol"), p.protocol(), {"SCTP", "TCP", "UDP"});
    if (p.has_app_protocol()) {
      e->AddProblems(Child(pp, "appProtocol"), p.app_protocol(),
                     CheckQualifiedName(p.app_protocol()));
    }
    // targetPort: a number 1-65535 or a container port name; unset/0/"" means "= port".
    Result<IntOrString> tp = ReadIntOrString(p.target_port(), Child(pp, "targetPort"));
    std::string tpp = Child(pp, "targetPort");
    if (!tp.ok()) {
      e->InvalidRaw(tpp, "", "must be a port number or a port name");
    } else if (tp->is_int() && tp->int_value != 0) {
      for (const std::string& m : CheckPortNumber(tp->int_value))
        e->Invalid(tpp, tp->int_value, m);
    } else if (tp->is_string() && !tp->string_value.empty()) {
      e->AddProblems(tpp, tp->string_value, CheckPortName(tp->string_value));
    }
    if (p.node_port() != 0) {
      std::string np = Child(pp, "nodePort");
      if (type != "NodePort" && type != "LoadBalancer") {
        e->Forbidden(np, "may not be used when `type` is '" + type + "'");
      } else if (p.node_port() < kNodePortMin || p.node_port() > kNodePortMax) {
        e->Invalid(np, p.node_port(),
                   "provided port is not in the valid range. The range of valid ports is " +
                       std::to_string(kNodePortMin) + "-" + std::to_string(kNodePortMax));
      }
      if (!node_ports.insert({p.node_port(), protocol}).second) {
        e->Duplicate(np, std::to_string(p.node_port()) + "/" + protocol);
      }
    }
    if (p.port() != 0 && !port_protocols.insert({p.port(), protocol}).second) {
      e->Duplicate(pp, std::to_string(p.port()) + "/" + protocol);
    }
  }
}

void ValidateClusterIPs(const ServiceSpec& spec, const std::string& type, ErrorList* e) {
  const std::string& ip = spec.cluster_ip();
  if (type == "ExternalName") {
    if (!ip.empty()) e->Forbidden("spec.clusterIP", "may not be set for ExternalName services");
    if (spec.cluster_ips_size() > 0) {
      e->Forbidden("spec.clusterIPs", "may not be set for ExternalName services");
    }
    if (spec.ip_families_size() > 0) {
      e->Forbidden("spec.ipFamilies", "may not be set for ExternalName services");
    }
    if (spec.has_ip_family_policy()) {
      e->Forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services");
    }
    return;
  }
  if (ip == "None") {
    if (type == "NodePort" || type == "LoadBalancer") {
      e->Invalid("spec.clusterIP", ip, "may not be set to 'None' for " + type + " services");
    }
  } else if (!ip.empty() && !CheckIP(ip).empty()) {
    e->Invalid("spec.clusterIP", ip, "must be empty, 'None', or a valid IP address");
  }
  if (spec.cluster_ips_size() > 0) {
    if (spec.cluster_ips(0) != ip) {
      e->Invalid("spec.clusterIPs[0]", spec.cluster_ips(0),
                 "must be equal to `clusterIP` (" + Quote(ip) + ")");
    }
    if (spec.cluster_ips_size() > 2) {
      e->InvalidRaw("spec.clusterIPs", std::to_string(spec.cluster_ips_size()) + " items",
                    "may only hold up to 2 values");
    }
    for (int i = 1; i < spec.cluster_ips_size(); ++i) {
      const std::string& x = spec.cluster_ips(i);
      std::string p = Index("spec.clusterIPs", i);
      if (x == "None" || !CheckIP(x).empty()) {
        e->Invalid(p, x, "must be a valid IP address");
      } else if (IsIPv4(x) == IsIPv4(spec.cluster_ips(0))) {
        e->Invalid(p, x, "may not have the same IP family as clusterIPs[0]");
      }
    }
  }
  std::set<std::string> families;
  for (int i = 0; i < spec.ip_families_size(); ++i) {
    std::string p = Index("spec.ipFamilies", i);
    CheckOneOf(e, p, spec.ip_families(i), {"IPv4", "IPv6"}, false);
    if (!families.insert(spec.ip_families(i)).second) e->Duplicate(p, spec.ip_families(i));
  }
  if (spec.ip_families_size() > 2) {
    e->InvalidRaw("spec.ipFamilies", std::to_string(spec.ip_families_size()) + " items",
                  "may only hold up to 2 values");
  }
  if (spec.has_ip_family_policy()) {
    CheckOneOf(e, "spec.ipFamilyPolicy", spec.ip_family_policy(),
               {"PreferDualStack", "RequireDualStack", "SingleStack"}, false);
    if (spec.ip_family_policy() == "SingleStack" &&
        (spec.ip_families_size() > 1 || spec.cluster_ips_size() > 1)) {
      e->Invalid("spec.ipFamilyPolicy", spec.ip_family_policy(),
                 "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are "
                 "specified");
    }
  }
}

}  // namespace

void ValidateService(const Service& s, ErrorList* e) {
  const ServiceSpec& spec = s.spec();
  std::string type = spec.type().empty() ? "ClusterIP" : spec.type();
  CheckOneOf(e, "spec.type", spec.type(),
             {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
  bool headless = spec.cluster_ip() == "None";
  if (spec.ports_size() == 0 && type != "ExternalName" && !headless) e->Required("spec.ports");
  ValidateServicePorts(spec, type, e);
  ValidateClusterIPs(spec, type, e);
  if (type == "ExternalName") {
    if (spec.external_name().empty()) {
      e->Required("spec.externalName");
    } else {
      CheckDNSName(e, "spec.externalName", spec.external_name());
    }
  }
  ValidateLabels(spec.selector(), "spec.selector", e);
  for (int i = 0; i < spec.external_ips_size(); ++i) {
    e->AddProblems(Index("spec.externalIPs", i), spec.external_ips(i),
                   CheckIP(spec.external_ips(i)));
  }

  CheckOneOf(e, "spec.sessionAffinity", spec.session_affinity(), {"ClientIP", "None"});
  if (spec.has_session_affinity_config()) {
    if (spec.session_affinity() != "ClientIP") {
      e->Forbidden(
          "spec.sessionAffinityConfig",
          "must not be set when session affinity is " +
              (spec.session_affinity().empty() ? std::string("None") : spec.session_affinity()));
    } else if (spec.session_affinity_config().client_ip().has_timeout_seconds()) {
      int32_t t = spec.session_affinity_config().client_ip().timeout_seconds();
      if (t <= 0 || t > 86400) {
        e->Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", t,
                   "must be greater than 0 and less than or equal to 86400");
      }
    }
  }

  const bool lb = type == "LoadBalancer";
  const bool external = lb || type == "NodePort";
  if (!spec.load_balancer_ip().empty()) {
    if (!lb) {
      e->Forbidden("spec.loadBalancerIP", "may only be used when `type` is 'LoadBalancer'");
    } else {
      e->AddProblems("spec.loadBalancerIP", spec.load_balancer_ip(),
                     CheckIP(spec.load_balancer_ip()));
    }
  }
  if (spec.load_balancer_source_ranges_size() > 0 && !lb) {
    e->Forbidden("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'");
  }
  for (int i = 0; i < spec.load_balancer_source_ranges_size(); ++i) {
    const std::string& r = spec.load_balancer_source_ranges(i);
    e->AddProblems(Index("spec.loadBalancerSourceRanges", i), r, CheckCIDR(r));
  }
  if (spec.has_allocate_load_balancer_node_ports() && !lb) {
    e->Forbidden("spec.allocateLoadBalancerNodePorts",
                 "may only be used when `type` is 'LoadBalancer'");
  }
  if (spec.has_load_balancer_class()) {
    if (!lb) {
      e->Forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'");
    } else {
      e->AddProblems("spec.loadBalancerClass", spec.load_balancer_class(),
                     CheckQualifiedName(spec.load_balancer_class()));
    }
  }
  if (!spec.external_traffic_policy().empty()) {
    if (!external) {
      e->Invalid("spec.externalTrafficPolicy", spec.external_traffic_policy(),
                 "may only be set for externally-accessible services");
    } else {
      CheckOneOf(e, "spec.externalTrafficPolicy", spec.external_traffic_policy(),
                 {"Cluster", "Local"});
    }
  }
  if (spec.has_internal_traffic_policy()) {
    CheckOneOf(e, "spec.internalTrafficPolicy", spec.internal_traffic_policy(),
               {"Cluster", "Local"}, false);
  }
  if (spec.health_check_node_port() != 0) {
    if (!lb || spec.external_traffic_policy() != "Local") {
      e->Invalid("spec.healthCheckNodePort", spec.health_check_node_port(),
                 "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is "
                 "'Local'");
    } else {
      for (const std::string& m : CheckPortNumber(spec.health_check_node_port())) {
        e->Invalid("spec.healthCheckNodePort", spec.health_check_node_port(), m);
      }
    }
  }
}

void ValidateEndpointSlice(const EndpointSlice& s, ErrorList* e) {
  const std::string& type = s.address_type();
  CheckOneOf(e, "addressType", type, {"FQDN", "IPv4", "IPv6"}, false);
  if (s.endpoints_size() > 1000) e->TooMany("endpoints", s.endpoints_size(), 1000);
  for (int i = 0; i < s.endpoints_size(); ++i) {
    const Endpoint& ep = s.endpoints(i);
    std::string p = Index("endpoints", i);
    std::string ap = Child(p, "addresses");
    if (ep.addresses_size() == 0) {
      e->Required(ap, "must contain at least 1 address");
    } else if (ep.addresses_size() > 100) {
      e->TooMany(ap, ep.addresses_size(), 100);
    }
    for (int j = 0; j < ep.addresses_size(); ++j) {
      const std::string& a = ep.addresses(j);
      std::string aip = Index(ap, j);
      if (type == "IPv4") {
        e->AddProblems(aip, a, CheckIPv4(a));
      } else if (type == "IPv6") {
        e->AddProblems(aip, a, CheckIPv6(a));
      } else if (type == "FQDN") {
        e->AddProblems(aip, a, CheckDNS1123Subdomain(a));
      }
    }
    if (ep.has_hostname()) {
      e->AddProblems(Child(p, "hostname"), ep.hostname(), CheckDNS1123Label(ep.hostname()));
    }
    if (ep.has_node_name()) {
      e->AddProblems(Child(p, "nodeName"), ep.node_name(), CheckDNS1123Subdomain(ep.node_name()));
    }
    ValidateLabels(ep.deprecated_topology(), Child(p, "deprecatedTopology"), e);
  }
  if (s.ports_size() > 20000) e->TooMany("ports", s.ports_size(), 20000);
  std::set<std::string> names;
  for (int i = 0; i < s.ports_size(); ++i) {
    const EndpointPort& port = s.ports(i);
    std::string p = Index("ports", i);
    if (port.has_name()) {
      if (!port.name().empty()) {
        e->AddProblems(Child(p, "name"), port.name(), CheckDNS1123Label(port.name()));
      }
      if (!names.insert(port.name()).second) e->Duplicate(Child(p, "name"), port.name());
    }
    if (port.has_protocol())
      CheckOneOf(e, Child(p, "protocol"), port.protocol(), {"SCTP", "TCP", "UDP"}, false);
    if (port.has_port()) {
      for (const std::string& m : CheckPortNumber(port.port())) {
        e->Invalid(Child(p, "port"), port.port(), m);
      }
    }
    if (port.has_app_protocol()) {
      e->AddProblems(Child(p, "appProtocol"), port.app_protocol(),
                     CheckQualifiedName(port.app_protocol()));
    }
  }
}

namespace {

// Kubernetes refuses endpoint addresses a proxy could never forward to.
void CheckEndpointIp(const std::string& path, const std::string& ip, ErrorList* e) {
  Problems problems = CheckIP(ip);
  if (!problems.empty()) return e->AddProblems(path, ip, problems);
  struct Range {
    const char* cidr;
    const char* message;
  };
  static const Range kRefused[] = {
      {"0.0.0.0/32", "may not be unspecified (0.0.0.0, ::)"},
      {"::/128", "may not be unspecified (0.0.0.0, ::)"},
      {"127.0.0.0/8", "may not be in the loopback range (127.0.0.0/8, ::1/128)"},
      {"::1/128", "may not be in the loopback range (127.0.0.0/8, ::1/128)"},
      {"169.254.0.0/16", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"},
      {"fe80::/10", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"},
      {"224.0.0.0/24", "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"},
      {"ff02::/16", "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"},
  };
  auto addr = net::IpAddress::Parse(ip);
  if (!addr.ok()) return;
  for (const Range& r : kRefused) {
    auto range = net::Cidr::Parse(r.cidr);
    if (range.ok() && range->v6() == addr->v6 && range->Contains(*addr)) {
      return e->Invalid(path, ip, r.message);
    }
  }
}

void ValidateEndpointAddress(const EndpointAddress& a, const std::string& path, ErrorList* e) {
  CheckEndpointIp(Child(path, "ip"), a.ip(), e);
  if (a.has_hostname() && !a.hostname().empty()) {
    e->AddProblems(Child(path, "hostname"), a.hostname(), CheckDNS1123Label(a.hostname()));
  }
  if (a.has_node_name() && !a.node_name().empty()) {
    e->AddProblems(Child(path, "nodeName"), a.node_name(), CheckDNS1123Subdomain(a.node_name()));
  }
}

}  // namespace

void ValidateEndpoints(const Endpoints& eps, ErrorList* e) {
  for (int i = 0; i < eps.subsets_size(); ++i) {
    const EndpointSubset& subset = eps.subsets(i);
    std::string p = Index("subsets", i);
    if (subset.addresses_size() == 0 && subset.not_ready_addresses_size() == 0) {
      e->Required(p, "must specify `addresses` or `notReadyAddresses`");
    }
    for (int j = 0; j < subset.addresses_size(); ++j)
      ValidateEndpointAddress(subset.addresses(j), Index(Child(p, "addresses"), j), e);
    for (int j = 0; j < subset.not_ready_addresses_size(); ++j) {
      ValidateEndpointAddress(subset.not_ready_addresses(j),
                              Index(Child(p, "notReadyAddresses"), j), e);
    }
    std::set<std::string> names;
    for (int j = 0; j < subset.ports_size(); ++j) {
      const CoreEndpointPort& port = subset.ports(j);
      std::string pp = Index(Child(p, "ports"), j);
      if (port.name().empty()) {
        if (subset.ports_size() > 1) e->Required(Child(pp, "name"), "");
      } else {
        e->AddProblems(Child(pp, "name"), port.name(), CheckDNS1123Label(port.name()));
      }
      if (!names.insert(port.name()).second) e->Duplicate(Child(pp, "name"), port.name());
      for (const std::string& m : CheckPortNumber(port.port())) {
        e->Invalid(Child(pp, "port"), port.port(), m);
      }
      CheckOneOf(e, Child(pp, "protocol"), port.protocol(), {"SCTP", "TCP", "UDP"}, true);
      if (port.has_app_protocol()) {
        e->AddProblems(Child(pp, "appProtocol"), port.app_protocol(),
                       CheckQualifiedName(port.app_protocol()));
      }
    }
  }
}

}  // namespace skiff::api
