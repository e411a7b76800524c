// A container's environment, built as kubelet builds it:
//   1. envFrom (ConfigMaps, Secrets; with prefix) in order;
//   2. env in order: `value` with $(VAR) references expanded against what is
//      defined so far plus the service variables, or `valueFrom` (fieldRef,
//      resourceFieldRef, configMapKeyRef, secretKeyRef);
//   3. the Kubernetes service variables (<SVC>_SERVICE_HOST, _SERVICE_PORT,
//      _SERVICE_PORT_<NAME>, and Docker link variables <SVC>_PORT...) for the
//      pod's namespace (when enableServiceLinks) and for default/kubernetes,
//      where not already defined.
// Later definitions of a name replace earlier ones but keep its position.
// Errors are kubelet's messages (they become CreateContainerConfigError):
//   configmap "x" not found / couldn't find key k in ConfigMap ns/x
//   secret "x" not found    / couldn't find key k in Secret ns/x
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct EnvSources {
  // nullptr when the object does not exist.
  std::function<std::shared_ptr<const api::ConfigMap>(const std::string& ns,
                                                      const std::string& name)>
      config_map;
  std::function<std::shared_ptr<const api::Secret>(const std::string& ns, const std::string& name)>
      secret;
  // A bearer token for the pod's ServiceAccount (projected serviceAccountToken
  // sources): `audience` ("" = the API server's), lifetime in seconds. The
  // error is shown in FailedMount. Unset: such sources are refused.
  std::function<Result<std::string>(const api::Pod& pod, const std::string& audience,
                                    int64_t expiration_seconds)>
      service_account_token;
  // Services of the pod's namespace and of "default" (others are ignored).
  std::vector<std::shared_ptr<const api::Service>> services;
  std::vector<std::string> pod_ips;
  std::vector<std::string> host_ips;
  // The node's allocatable, used for limits.* when a container has none.
  int64_t node_cpu_milli = 0;
  int64_t node_memory_bytes = 0;
  int64_t node_ephemeral_bytes = 0;
};

// The environment of `container` in `pod`. `warnings` receives kubelet's
// non-fatal complaints (envFrom keys that are not valid variable names).
Result<EnvList> BuildEnvironment(const api::Pod& pod, const api::Container& container,
                                 const EnvSources& sources, std::vector<std::string>* warnings);

// The service variables alone (step 3), in a stable order.
EnvList ServiceEnvironment(const std::string& ns, bool enable_service_links,
                           const std::vector<std::shared_ptr<const api::Service>>& services);

// Kubernetes' $(VAR) expansion: $(NAME) is replaced when `lookup` knows NAME
// and kept verbatim otherwise; $$ is a literal $.
std::string ExpandVariables(const std::string& input,
                            const std::function<const std::string*(const std::string&)>& lookup);

// command + args with $(VAR) expanded against `env`.
std::vector<std::string> ExpandCommand(const api::Container& container, const EnvList& env);

// "KEY=VALUE" strings for exec.
std::vector<std::string> EnvStrings(const EnvList& env);

// The value of a downward-API field path (metadata.name, metadata.labels['k'],
// status.podIP, ...; metadata.labels and metadata.annotations whole, as
// FormatDownwardMap). INVALID_ARGUMENT for unsupported paths.
Result<std::string> PodFieldValue(const api::Pod& pod, const std::string& path,
                                  const std::vector<std::string>& pod_ips,
                                  const std::vector<std::string>& host_ips);

// A label or annotation map as kubelet writes it into downward-API files:
// `key="value"` lines sorted by key, values quoted like Go's %q, no final
// newline.
std::string FormatDownwardMap(const google::protobuf::Map<std::string, std::string>& map);

// resourceFieldRef of `container`: "limits.cpu", "requests.memory", ... in
// units of `divisor` (default 1), rounded up; unset limits read as the
// node's allocatable from `sources`. INVALID_ARGUMENT for other resources
// or a zero divisor.
Result<std::string> ContainerResourceValue(const api::Container& container,
                                           const api::ResourceFieldSelector& selector,
                                           const EnvSources& sources);

}  // namespace skiff::node
