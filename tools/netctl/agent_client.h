// Talking to the agent of a pod's node, the way kubectl reaches the kubelet:
// the Node object names the agent (status.addresses InternalIP, else
// Hostname; status.daemonEndpoints.kubeletEndpoint.Port, default 10250) and
// every request carries the caller's bearer token from the config, which the
// agent checks with the API server. Used by `logs` and `exec`.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "api/client/client.h"
#include "common/flags.h"
#include "common/status.h"
#include "skiff/api/core.pb.h"
#include "tools/netctl/commands.h"

namespace skiff::netctl {

// The bearer token the agent must see: --token, else the config file's
// (--config, $SKIFF_CONFIG, ~/.skiff/config), parsing `args` with the
// global flags plus the command's own (`command_flags`) so they are not
// taken for unknown ones.
Result<std::string> CallerToken(const Args& args,
                                const std::function<void(FlagSet&)>& command_flags);

// The pod, with kubectl's NOT_FOUND text (`pods "x" not found`). Strips a
// "pod/", "pods/" or "po/" prefix from `name`.
Result<api::Pod> GetNamedPod(api::ApiClient& client, const std::string& ns, std::string name);

// `requested`, else the kubectl.kubernetes.io/default-container annotation,
// else the first container (saying so on `err` when there are several, as
// kubectl does). "" when the pod has no containers.
std::string ChooseContainer(const api::Pod& pod, const std::string& requested, FILE* err);

struct AgentEndpoint {
  std::string node, host;
  int port = 10250;
};
// The agent of the pod's node. A caller who may not read Nodes gets the
// pod's status.hostIP and the default port 10250. FAILED_PRECONDITION when
// the pod is not scheduled yet or the node reports no address.
Result<AgentEndpoint> PodAgent(api::ApiClient& client, const api::Pod& pod);

struct AgentRequest {
  std::string method = "GET";
  std::string path_and_query;  // already escaped
  std::string token;
  std::string body;
};
struct AgentResponse {
  int status = 0;
  std::string head;        // status line and headers
  std::string error_body;  // the body when status != 200
  // A header's value ("" when absent); `name` is matched case-insensitively.
  std::string Header(std::string_view name) const;
};
// Sends the request and reads the answer; a 200 body (chunked or not) goes
// to `on_body` as it arrives. UNAVAILABLE naming the node when the agent
// cannot be reached or hangs up before answering.
Result<AgentResponse> CallAgent(const AgentEndpoint& agent, const AgentRequest& request,
                                const std::function<void(std::string_view)>& on_body);

// Prints kubectl's "Error from server (Kind): message" for a non-200 answer
// and returns exit code 1.
int FailFromAgent(Context& ctx, const AgentResponse& response);

// What `logs` and `exec` resolve before calling the agent.
struct ContainerTarget {
  api::Pod pod;
  std::string ns, container, token;
  AgentEndpoint agent;
  // "/<route>/<ns>/<pod>/<container>", escaped.
  std::string Path(std::string_view route) const;
};
// The caller's token (CallerToken over `args` with `command_flags`), the pod
// `pod_arg` in the context's namespace, its container (`requested` or the
// default, see ChooseContainer) and its node's agent. The error says what is
// missing, e.g. `container "c" in pod "p" is waiting to start: the pod is
// not scheduled to a node yet`.
Result<ContainerTarget> ResolveContainer(Context& ctx, const Args& args,
                                         const std::function<void(FlagSet&)>& command_flags,
                                         const std::string& pod_arg, const std::string& requested);

// Percent-escaping for path segments and query values.
std::string EscapeUrlPart(std::string_view s);

}  // namespace skiff::netctl
