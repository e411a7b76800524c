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
};

class Server {
 public:
  // Starts everything; returns once the API is serving. On first start
  // writes data_dir/admin.conf (server address, CA, admin token).
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // Shutdown()

  void Shutdown();
  // Blocks until Shutdown() is called from another thread.
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
