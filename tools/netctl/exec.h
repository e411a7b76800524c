// netctl exec POD [-c CONTAINER] [-i] [--timeout DURATION] -- COMMAND [ARGS...]
//
// Runs a command in a running container, through the agent of the pod's
// node (agent_client.h), as `kubectl exec` does through the kubelet: in the
// container's namespaces and cgroup, with its environment and working
// directory. The command's stdout and stderr are written to netctl's, and
// netctl exits with the command's exit code. Non-interactive: with -i the
// whole of netctl's stdin is sent as the command's stdin (kubectl exec -i
// with a pipe); -t (a terminal) is not offered. The caller needs `create
// pods/exec` on the pod.
#pragma once

#include "tools/netctl/commands.h"

namespace skiff::netctl {

int RunExec(Context& ctx, const Args& args);

}  // namespace skiff::netctl
