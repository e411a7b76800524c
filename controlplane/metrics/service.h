// MetricsService: the resource metrics API (skiff.metrics.ResourceMetrics,
// see proto/skiff/metrics/metrics.proto) over gRPC, answering from a
// MetricsSource. It runs inside skiff-server, registered on the API's gRPC
// server next to the main ApiService, so it shares the port, TLS and tokens.
// Every call is authenticated (bearer token) and authorized as Kubernetes
// authorizes metrics.k8s.io: verb list (get when a name is given) on
// "nodes" or "pods" in group "metrics.k8s.io".
//
// Thread-safety: gRPC calls handlers concurrently; the service keeps no
// mutable state.
#pragma once

#include <grpcpp/grpcpp.h>

#include "controlplane/auth/authenticator.h"
#include "controlplane/auth/authorizer.h"
#include "controlplane/metrics/source.h"
#include "skiff/metrics/metrics.grpc.pb.h"

namespace skiff::metrics {

struct MetricsServiceDeps {
  const MetricsSource* source = nullptr;
  const auth::Authenticator* authenticator = nullptr;
  const auth::Authorizer* authorizer = nullptr;
};

class MetricsService final : public ResourceMetrics::Service {
 public:
  // Every pointer in `deps` must be set and outlive the service.
  explicit MetricsService(MetricsServiceDeps deps) : d_(deps) {}

  grpc::Status ListNodeMetrics(grpc::ServerContext* ctx, const ListMetricsRequest* req,
                               NodeMetricsList* resp) override;
  grpc::Status ListPodMetrics(grpc::ServerContext* ctx, const ListMetricsRequest* req,
                              PodMetricsList* resp) override;

 private:
  Status Admit(grpc::ServerContext* ctx, const std::string& resource, const std::string& ns,
               const std::string& name) const;
  MetricsServiceDeps d_;
};

// Usage in the API's shape: cpu as a quantity of nanocores in canonical form
// ("250m", "1500001n"), memory in bytes in binary SI ("64Mi", "1234567").
NodeMetrics ToProto(const NodeUsage& usage);
PodMetrics ToProto(const PodUsage& usage);

}  // namespace skiff::metrics
