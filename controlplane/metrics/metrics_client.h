// Client of the resource metrics API (skiff.metrics.ResourceMetrics) for
// netctl top and other tools: the same TLS channel and bearer token as the
// main API (api::Dial). MetricsClient is an interface so tools can be tested
// against an in-process service.
//
// Errors are the server's: UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND (a
// named object without metrics), UNIMPLEMENTED (this server does not serve
// the metrics API), UNAVAILABLE (unreachable). Thread-safe.
#pragma once

#include <chrono>
#include <memory>

#include "api/client/config.h"
#include "common/status.h"
#include "skiff/metrics/metrics.pb.h"

namespace skiff::metrics {

class MetricsClient {
 public:
  virtual ~MetricsClient() = default;
  virtual Result<NodeMetricsList> ListNodeMetrics(const ListMetricsRequest& request) = 0;
  virtual Result<PodMetricsList> ListPodMetrics(const ListMetricsRequest& request) = 0;
};

std::unique_ptr<MetricsClient> NewRemoteMetricsClient(
    const api::ClientConfig& config, std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace skiff::metrics
