// The actions behind probes and lifecycle hooks: exec (inside the container),
// httpGet (HTTP/HTTPS GET to the pod), tcpSocket (a TCP connect). Results and
// messages follow kubelet's, since users grep events for them:
//   HTTP probe failed with statuscode: 503
//   Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection refused
//   dial tcp 10.244.1.5:5432: i/o timeout
//   command "cat /tmp/healthy" timed out
// Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/runtime/runtime.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

struct ActionResult {
  bool success = false;
  std::string message;  // why it failed (or the exec output)
};

// Everything an action needs to reach a container.
struct ActionTarget {
  std::string pod_ip;                         // httpGet/tcpSocket default host
  const api::Container* container = nullptr;  // for named ports
  ContainerRuntime* runtime = nullptr;        // for exec
  ContainerHandle handle;
  std::vector<std::string> env;  // KEY=VALUE, for exec
};

// Resolves a port (number or the name of one of the container's ports).
Result<int> ResolvePort(const google::protobuf::Value& port, const api::Container* container);

ActionResult RunExecAction(const api::ExecAction& exec, const ActionTarget& target,
                           std::chrono::milliseconds timeout);
ActionResult RunHttpGetAction(const api::HTTPGetAction& get, const ActionTarget& target,
                              std::chrono::milliseconds timeout);
ActionResult RunTcpAction(const api::TCPSocketAction& tcp, const ActionTarget& target,
                          std::chrono::milliseconds timeout);

// A probe's handler (exec, httpGet, tcpSocket; grpc is reported unsupported).
ActionResult RunProbeHandler(const api::Probe& probe, const ActionTarget& target);

// The low-level GET used by httpGet: status code, or an error message in
// kubelet's wording. `tls`: HTTPS without certificate verification (as
// kubelet's prober does).
struct HttpResponse {
  int status = 0;
  std::string error;  // non-empty when no response was read
};
HttpResponse HttpGet(const std::string& host, int port, const std::string& path, bool tls,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::chrono::milliseconds timeout);

}  // namespace skiff::node
