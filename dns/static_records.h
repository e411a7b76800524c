// The --static-records file: Services, EndpointSlices and Pods in a small
// YAML (or JSON) form, for running skiff-dns without an API server (tests,
// benchmarks, fixed setups). Field names follow Kubernetes:
//
//   services:
//   - namespace: default            # default "default"
//     name: web
//     type: ClusterIP               # ClusterIP | NodePort | LoadBalancer | ExternalName
//     clusterIPs: [10.96.0.10, fd00::10]   # or clusterIP: ...; "None" = headless
//     ports: [{name: http, protocol: TCP, port: 80}]
//     externalName: www.example.com # ExternalName only
//     publishNotReadyAddresses: false
//   endpointSlices:
//   - namespace: default
//     name: db-x1
//     service: db                   # the kubernetes.io/service-name label
//     addressType: IPv4             # IPv4 | IPv6 | FQDN
//     endpoints:
//     - addresses: [10.244.1.5]
//       hostname: db-0
//       conditions: {ready: true, serving: true, terminating: false}
//       targetRef: {kind: Pod, name: db-0}   # or just the pod name
//       nodeName: node-1
//     ports: [{name: pg, protocol: TCP, port: 5432}]
//   pods:                            # used with --pods verified
//   - {namespace: default, name: db-0, ips: [10.244.1.5]}
//
// Unknown keys are errors, so typos do not silently drop records.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dns/cluster_state.h"

namespace skiff::dns {

struct ClusterObjects {
  std::vector<Service> services;
  std::vector<EndpointSlice> slices;
  std::vector<Pod> pods;
};

// INVALID_ARGUMENT names the source, the path of the field
// ("services[3].ports[0].port") and what is wrong; objects are also run
// through Validate().
Result<ClusterObjects> ParseStaticRecords(const std::string& text, const std::string& source);
Result<ClusterObjects> LoadStaticRecords(const std::string& path);

}  // namespace skiff::dns
