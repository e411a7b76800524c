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
};

// Reads FILE. INVALID_ARGUMENT names the file and the missing/bad field;
// NOT_FOUND when the file does not exist.
Result<ClientConfig> LoadClientConfig(const std::string& path);

// Writes FILE atomically with mode 0600.
Status SaveClientConfig(const ClientConfig& config, const std::string& path);

// A TLS channel to config.server that sends the bearer token on every call.
std::shared_ptr<grpc::Channel> Dial(const ClientConfig& config);

}  // namespace skiff::api
