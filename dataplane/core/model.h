// The proxy's input: Services and EndpointSlices as plain structs with the
// Kubernetes field meanings (the API object model maps onto these one-to-one;
// the watch client adapter lives at the ServiceSource seam, see source.h).
// Addresses are kept as the API's strings; dataplane/core validates them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/core/ip.h"

namespace skiff::dataplane {

enum class ServiceType { kClusterIP, kNodePort, kLoadBalancer, kExternalName };
enum class TrafficPolicy { kCluster, kLocal };
enum class SessionAffinity { kNone, kClientIP };

// spec.ports[].targetPort: a number or a named container port.
struct IntOrString {
  int32_t number = 0;
  std::string name;  // non-empty when named
  bool operator==(const IntOrString&) const = default;
};

struct ServicePort {
  std::string name;  // required when the Service has several ports
  Protocol protocol = Protocol::kTCP;
  int32_t port = 0;       // 1..65535
  int32_t node_port = 0;  // 0 = none (ClusterIP) or 1..65535
  IntOrString target_port;
  bool operator==(const ServicePort&) const = default;
};

struct Service {
  std::string ns;  // metadata.namespace
  std::string name;
  ServiceType type = ServiceType::kClusterIP;
  std::vector<std::string> cluster_ips;     // spec.clusterIPs ("None" = headless)
  std::vector<std::string> external_ips;    // spec.externalIPs
  std::vector<std::string> lb_ingress_ips;  // status.loadBalancer.ingress[].ip
  std::vector<ServicePort> ports;
  SessionAffinity session_affinity = SessionAffinity::kNone;
  int32_t affinity_timeout_s = 10800;  // sessionAffinityConfig.clientIP.timeoutSeconds
  TrafficPolicy external_traffic_policy = TrafficPolicy::kCluster;
  TrafficPolicy internal_traffic_policy = TrafficPolicy::kCluster;

  std::string Key() const { return ns + "/" + name; }
  bool operator==(const Service&) const = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  // conditions; unset means the Kubernetes default (ready: true, serving:
  // same as ready, terminating: false).
  std::optional<bool> ready;
  std::optional<bool> serving;
  std::optional<bool> terminating;
  std::string node_name;
  std::string zone;
  // Skiff extension: relative Maglev weight, 0 = no new flows. Default 1.
  uint16_t weight = 1;
  bool operator==(const Endpoint&) const = default;
};

struct EndpointPort {
  std::string name;  // matches ServicePort.name
  Protocol protocol = Protocol::kTCP;
  int32_t port = 0;
  bool operator==(const EndpointPort&) const = default;
};

enum class AddressType { kIPv4, kIPv6, kFQDN };

struct EndpointSlice {
  std::string ns;
  std::string name;
  std::string service_name;  // label kubernetes.io/service-name
  AddressType address_type = AddressType::kIPv4;
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;

  std::string Key() const { return ns + "/" + name; }
  std::string ServiceKey() const { return ns + "/" + service_name; }
  bool operator==(const EndpointSlice&) const = default;
};

// Facts about the node the proxy runs on.
struct NodeInfo {
  std::string name;  // endpoints with this nodeName (or none) are local
};

}  // namespace skiff::dataplane
