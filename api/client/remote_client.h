// RemoteClient: ApiClient over gRPC (TLS + bearer token from ClientConfig).
// Unary calls time out after `timeout`; a watch runs until cancelled, the
// server ends it, or the connection drops (then Read returns kEnd with
// UNAVAILABLE and the caller re-watches).
#pragma once

#include <chrono>
#include <memory>

#include "api/client/client.h"
#include "api/client/config.h"

namespace skiff::api {

std::unique_ptr<ApiClient> NewRemoteClient(const ClientConfig& config,
                                           std::chrono::seconds timeout = std::chrono::seconds(30));

// Loads `config_path` and connects; the usual start of a daemon or netctl.
Result<std::unique_ptr<ApiClient>> ConnectFromFile(const std::string& config_path);

}  // namespace skiff::api
