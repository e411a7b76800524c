// netctl logs POD [-c CONTAINER] [-f] [-p/--previous] [--tail N] [--limit-bytes N]
//
// Prints a container's log, fetched from the agent of the pod's node the way
// kubectl gets it through the kubelet: the Node object names the agent
// (status.addresses InternalIP, status.daemonEndpoints.kubeletEndpoint.Port)
// and the request carries the caller's bearer token from the config, which
// the agent checks with the API server. "-f" streams until the container
// ends or the user interrupts.
//
// The integrator wires this into netctl's command table as "logs".
#pragma once

#include "tools/netctl/commands.h"

namespace skiff::netctl {

int RunLogs(Context& ctx, const Args& args);

}  // namespace skiff::netctl
