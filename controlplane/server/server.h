// Server: skiff-server's parts wired together — store, registry with its
// admission plugins, the TLS gRPC API, the metrics endpoint, the in-process
// controllers and periodic compaction. main.cc parses flags into
// ServerOptions; tests start a Server in-process.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/apiserver/admission.h"

namespace skiff::server {

struct ServerOptions {
  std::string data_dir = "/var/lib/skiff";
  std::string store;  // "" = sqlite:<data_dir>
  std::string listen = "127.0.0.1:6443";
  std::string metrics_listen = "127.0.0.1:6444";  // "" disables
  std::vector<std::string> tls_sans;
  // The address pods reach the API at (the `kubernetes` Service's Endpoints); "" = the
  // --listen host when specific, else the host's first non-loopback IPv4 address.
  std::string advertise_address;
  apiserver::NetworkRanges ranges;
  std::chrono::milliseconds compaction_interval{std::chrono::minutes(5)};
  // EncryptionConfiguration for data at rest; "" = data_dir/encryption.yaml,
  // created with a fresh key on first start; "none" stores Secrets in plain.
  std::string encryption_config;
  // "RBAC" (system:masters, node authorizer, RBAC) or "AlwaysAllow".
  std::string authorization_mode = "RBAC";
  bool run_controllers = true;
  bool run_scheduler = true;
  // Node lifecycle: a node silent this long is NotReady; pods without a
  // toleration of that are evicted after pod_eviction_timeout.
  std::chrono::milliseconds node_monitor_grace{std::chrono::seconds(40)};
  std::chrono::seconds pod_eviction_timeout{300};
  // Tries, 0.5 s apart, to reach the store at start before giving up.
  int store_connect_attempts = 60;

  // Resource metrics and the HorizontalPodAutoscaler (run with the other
  // controllers, so only when run_controllers). The collector scrapes every
  // Ready node's agent (/stats/summary, with the admin token) every
  // metrics_resolution (metrics-server's --metric-resolution; 0 disables the
  // collector: the metrics API then answers UNAVAILABLE and HPAs see no
  // metrics). The hpa_* knobs are kube-controller-manager's
  // --horizontal-pod-autoscaler-* flags; tests shorten them.
  std::chrono::milliseconds metrics_resolution{std::chrono::seconds(15)};
  // false: no HPA controller (tests that run their own instance).
  bool run_hpa_controller = true;
  std::chrono::milliseconds hpa_sync_period{std::chrono::seconds(15)};
  double hpa_tolerance = 0.1;  // fraction, in [0, 1)
  // Scale-down window of HPAs whose spec.behavior does not set one (whole seconds).
  std::chrono::seconds hpa_downscale_stabilization{300};
  std::chrono::milliseconds hpa_cpu_initialization_period{std::chrono::minutes(5)};
  std::chrono::milliseconds hpa_initial_readiness_delay{std::chrono::seconds(30)};
};

class Server {
 public:
  // Starts everything; returns once the API is serving. On first start
  // writes data_dir/admin.conf (server address, CA, admin token).
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // Shutdown()

  void Shutdown();
  // Blocks until Shutdown(), called from another thread, has finished.
  void Wait();

  uint16_t port() const;
  uint16_t metrics_port() const;
  const std::string& admin_config_path() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::server
