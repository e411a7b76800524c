// Agent: skiff-agent's parts wired together. It registers the Node and keeps
// its heartbeat, watches the pods bound to this node (informer with field
// selector spec.nodeName=<node>) plus ConfigMaps, Secrets and Services, admits
// each pod (resources, pod count, nodeSelector) and runs it with a PodWorker,
// adopts the pods it already ran before a restart, cleans up what belongs to
// no pod, and serves the node API over HTTP (kubelet's port):
//
//   GET /healthz                                      ok (no auth)
//   GET /metrics                                      Prometheus text (no auth)
//   GET /containerLogs/<ns>/<pod>/<container>         ?follow=true&previous=true
//                                                     &tailLines=N&limitBytes=N
//   GET /stats/summary                                CPU/memory per node, pod, container
//   GET /pods                                         the pods this agent runs (JSON)
//
// Pods get their API credentials (service account token, ca.crt, namespace)
// at /var/run/secrets/kubernetes.io/serviceaccount unless automount is off
// (node/pod/service_account_volume.h, service_account_tokens.h).
//
// Logs, stats and pods need "Authorization: Bearer <token>"; the token is
// checked with the API server (see auth.h).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/client/client.h"
#include "api/client/config.h"
#include "api/client/informer.h"
#include "node/agent/auth.h"
#include "node/agent/http_server.h"
#include "node/agent/node_status.h"
#include "node/agent/referenced_objects.h"
#include "node/agent/reporter.h"
#include "node/agent/service_account_tokens.h"
#include "node/pod/worker.h"
#include "node/runtime/process_runtime.h"
#include "node/sandbox/pod_network.h"

namespace skiff::node {

struct AgentOptions {
  std::string node_name;
  std::string node_ip;  // "" = the default-route interface's address
  std::map<std::string, std::string> node_labels;
  std::string listen = "0.0.0.0:10250";
  std::string root_dir = "/var/lib/skiff/agent";
  // The runtime's per-instance records (config, handle, shim log, exit):
  // volatile like the processes they describe, so best on a tmpfs such as
  // /run/skiff/agent (fewer inodes on disk per start). "" = ROOT (on disk).
  std::string run_dir;
  PodNetworkOptions network;
  std::string cgroup_parent = "skiff";
  std::string shim_path;  // "" = next to the agent binary
  std::vector<std::string> cluster_dns = {"10.96.0.10"};
  std::string cluster_domain = "cluster.local";
  std::string resolv_conf = "/etc/resolv.conf";
  std::string hosts_file = "/etc/hosts";
  int64_t cpu_milli = 0;     // 0 = the machine's
  int64_t memory_bytes = 0;  // 0 = the machine's
  int64_t max_pods = 110;
  int64_t reserved_cpu_milli = 0;
  int64_t reserved_memory_bytes = 0;
  std::chrono::milliseconds heartbeat{std::chrono::seconds(10)};
  std::chrono::milliseconds backoff_base{std::chrono::seconds(10)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds resync{std::chrono::seconds(10)};
  std::chrono::milliseconds housekeeping{std::chrono::seconds(30)};
  std::chrono::milliseconds minimum_grace{std::chrono::seconds(2)};
  int prober_threads = 4;
  // For checking callers' tokens: the API server's address and CA.
  api::ClientConfig client_config;
  // Overrides the token check (tests).
  TokenChecker::CheckFn token_check;
};

class Agent : public PodHost {
 public:
  // Starts everything; returns once the Node is registered and the informers
  // have synced. `client` must outlive the agent.
  static Result<std::unique_ptr<Agent>> Start(api::ApiClient& client, AgentOptions options);
  // Stops the agent; running pods keep running and are adopted next time.
  ~Agent() override;

  uint16_t port() const;
  const std::string& node_name() const { return options_.node_name; }
  // UIDs of the pods with a worker.
  std::vector<std::string> PodUids() const;
  // Waits until pending statuses and events were written (tests).
  bool Flush(std::chrono::milliseconds timeout) { return reporter_->Flush(timeout); }

  // PodHost.
  EnvSources EnvSourcesFor(const api::Pod& pod) override;
  Result<bool> AutomountServiceAccountToken(const api::Pod& pod) override;
  void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
             const std::string& message) override;
  void PublishStatus(const api::Pod& pod, const api::PodStatus& status) override;
  Status DeletePod(const api::Pod& pod) override;

 private:
  explicit Agent(api::ApiClient& client, AgentOptions options);
  Status Init();
  void OnPodAdd(const std::shared_ptr<const api::Pod>& pod);
  void OnPodUpdate(const std::shared_ptr<const api::Pod>& pod);
  void OnPodDelete(const std::shared_ptr<const api::Pod>& pod);
  void PokeNamespace(const std::string& ns);
  // "" when the pod fits; else kubelet's reason and sets *message.
  std::string Admit(const api::Pod& pod, std::string* message);
  void LoadSavedPods();
  void CleanupOrphans(bool startup);
  void TearDownSaved(const PodState& state, const std::vector<ContainerHandle>& instances);
  void Housekeeping();
  WorkerServices Services();
  WorkerOptions MakeWorkerOptions() const;
  std::shared_ptr<PodWorker> FindWorker(const std::string& ns, const std::string& name) const;

  // HTTP handlers (agent_http.cc).
  struct ContainerRef {
    std::string ns, name, container;
    std::shared_ptr<PodWorker> worker;
    std::shared_ptr<const api::Pod> pod;
    const api::Container* spec;  // in *pod
  };
  // "/<route>/<namespace>/<pod>/<container>", authorized for `access`, of a
  // pod on this node; otherwise answers (400, 401, 403, 404) and nullopt.
  std::optional<ContainerRef> ResolveContainer(const HttpRequest& req, ResponseWriter& w,
                                               const char* route, Access access);
  void ServeLogs(const HttpRequest& req, ResponseWriter& w);
  void ServeExec(const HttpRequest& req, ResponseWriter& w);
  void ServeStats(const HttpRequest& req, ResponseWriter& w);
  void ServePods(const HttpRequest& req, ResponseWriter& w);
  bool Authorize(const HttpRequest& req, ResponseWriter& w, const std::string& ns,
                 const std::string& name, Access access = Access::kRead);

  api::ApiClient& client_;
  AgentOptions options_;
  MachineInfo machine_;
  std::vector<std::string> host_ips_;
  std::unique_ptr<CgroupDriver> cgroups_;
  std::unique_ptr<ProcessRuntime> runtime_;
  std::unique_ptr<PodNetwork> network_;
  std::unique_ptr<Prober> prober_;
  std::unique_ptr<CrashBackoff> backoff_;
  std::unique_ptr<ApiReporter> reporter_;
  std::unique_ptr<NodeRegistrar> registrar_;
  std::unique_ptr<TokenChecker> tokens_;
  std::unique_ptr<ServiceAccountTokens> sa_tokens_;
  // ConfigMap kube-root-ca.crt as every namespace would hold it: the CA the
  // agent trusts (nullptr without one: then the real object is looked up).
  std::shared_ptr<const api::ConfigMap> root_ca_;
  std::unique_ptr<AgentHttpServer> http_;
  std::unique_ptr<api::Informer<api::Service>> services_;
  // Only the objects our pods reference (all the node authorizer allows).
  std::unique_ptr<ReferencedObjects> config_maps_;
  std::unique_ptr<ReferencedObjects> secrets_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<PodWorker>> workers_;  // by uid
  struct Saved {
    PodState state;
    std::vector<ContainerHandle> instances;
  };
  std::map<std::string, Saved> saved_;  // not yet adopted, by uid
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread housekeeping_;
};

}  // namespace skiff::node
