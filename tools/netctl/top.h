// netctl top nodes|pods: resource usage from the metrics API, as kubectl top
// prints it.
//
//   netctl top nodes [NAME] [-l SEL] [--sort-by=cpu|memory] [--show-capacity] [--no-headers]
//   NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)
//   n1     250m         12%      1024Mi          6%
//
//   netctl top pods [NAME] [-n NS | -A] [-l SEL] [--containers] [--sort-by=cpu|memory]
//                   [--sum] [--no-headers]
//   NAME      CPU(cores)   MEMORY(bytes)
//   web-1     101m         12Mi
//
// CPU in millicores, memory in MiB, percentages of the node's allocatable
// (capacity with --show-capacity); nodes without figures yet show
// <unknown>. The metrics come from skiff-server's resource metrics API
// (skiff.metrics.ResourceMetrics, same address and credentials as the rest
// of netctl).
#pragma once

#include "controlplane/metrics/metrics_client.h"
#include "tools/netctl/context.h"

namespace skiff::netctl {

using Args = std::vector<std::string>;

int RunTop(Context& ctx, const Args& args);

// RunTop with the metrics client supplied (tests, embedders); nullptr
// dials the server from the context's configuration.
int RunTopWith(Context& ctx, const Args& args, metrics::MetricsClient* metrics);

}  // namespace skiff::netctl
