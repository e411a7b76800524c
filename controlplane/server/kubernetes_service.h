// The `kubernetes` Service in the `default` namespace, as kube-apiserver keeps it: every
// pod finds the API at kubernetes.default.svc (cluster DNS) or $KUBERNETES_SERVICE_HOST.
// The Service has no selector, the first address of each service range as its ClusterIP
// (10.96.0.1 with the default range), port 443 "https" to the API's port, and the labels
// component=apiserver, provider=kubernetes; its Endpoints (mirrored into an EndpointSlice
// by the mirroring controller) hold the server's advertise address.
#pragma once

#include <string>
#include <vector>

#include "api/client/client.h"
#include "common/status.h"

namespace skiff::server {

struct KubernetesServiceOptions {
  std::vector<std::string> service_cidrs;  // as --service-cluster-ip-range
  std::string advertise_address;           // "" = no Endpoints
  int port = 0;                            // the API's port
};

// Creates the Service when missing (a ClusterIP already taken by someone else is left to
// the allocator) and makes its port and Endpoints match `options`. Errors name the object.
Status EnsureKubernetesService(api::ApiClient& client, const KubernetesServiceOptions& options);

// The names a client inside the cluster may use for the API, for the serving certificate:
// kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local,
// the Service's ClusterIP(s) and the advertise address.
std::vector<std::string> KubernetesServiceNames(const KubernetesServiceOptions& options);

// The address pods reach this server at when --advertise-address is not given: the --listen
// host when it is a specific address other than loopback; the first IPv4 address of an
// interface that is up and not loopback when it listens on every address (0.0.0.0, ::, "");
// "" when it listens on loopback only (nothing off the host could reach it, so the Service
// gets no endpoints) or no such interface exists.
std::string DefaultAdvertiseAddress(const std::string& listen_host);

}  // namespace skiff::server
