// Client configuration: where the API server is and how to prove who we are.
// skiff-server writes DATA_DIR/admin.conf on first start; every daemon and
// netctl read the same format with --config FILE:
//
//   # Skiff client configuration
//   server: 127.0.0.1:6443
//   certificate-authority-data: <base64 of the CA certificate PEM>
//   token: <bearer token>
//
// `certificate-authority: PATH` may replace the -data form.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace grpc {
class Channel;
}

namespace skiff::api {

struct ClientConfig {
  std::string server;  // host:port
  std::string ca_pem;  // CA certificate (PEM); empty: system roots
  std::string token;   // bearer token; empty: none
  // In-cluster only: the pod's namespace (the `namespace` file); "" otherwise.
  std::string default_namespace;
};

// Where every pod finds its service account token, ca.crt and namespace.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// The config of a client running inside a pod, as client-go's
// InClusterConfig builds it: server from $KUBERNETES_SERVICE_HOST and
// $KUBERNETES_SERVICE_PORT (an IPv6 host is bracketed), token, CA and
// default namespace from DIR/token, DIR/ca.crt and DIR/namespace.
// FAILED_PRECONDITION naming the unset variable (not in a pod), NOT_FOUND
// naming a missing file, INVALID_ARGUMENT for a bad port or an empty token.
// Reads the files on each call (the agent refreshes the token in place).
Result<ClientConfig> InClusterConfig(const std::string& dir = kServiceAccountDir);

// kubectl's choice of config when none is named: $SKIFF_CONFIG, else
// ~/.skiff/config; when that file does not exist and
// $KUBERNETES_SERVICE_HOST is set, InClusterConfig(). Otherwise the error of
// LoadClientConfig (NOT_FOUND naming the file).
Result<ClientConfig> LoadDefaultClientConfig();

// The pod's namespace (DIR/namespace of kServiceAccountDir) when
// LoadDefaultClientConfig would use the in-cluster config; "" otherwise or
// when the file cannot be read. kubectl's default namespace inside a pod.
std::string InClusterDefaultNamespace(const std::string& dir = kServiceAccountDir);

// $SKIFF_CONFIG, else ~/.skiff/config ("" without HOME).
std::string DefaultClientConfigPath();

// Reads FILE. INVALID_ARGUMENT names the file and the missing/bad field;
// NOT_FOUND when the file does not exist.
Result<ClientConfig> LoadClientConfig(const std::string& path);

// Writes FILE atomically with mode 0600.
Status SaveClientConfig(const ClientConfig& config, const std::string& path);

// A TLS channel to config.server that sends the bearer token on every call.
std::shared_ptr<grpc::Channel> Dial(const ClientConfig& config);

}  // namespace skiff::api
