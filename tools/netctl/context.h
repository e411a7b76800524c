// What every netctl command shares: the global flags (--config, --server,
// --token, -n/--namespace, -A), the API client built from them, kind lookup
// by the names kubectl accepts, and naming objects the way kubectl prints them.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "api/client/client.h"
#include "api/client/config.h"
#include "api/kinds.h"
#include "common/flags.h"

namespace google::protobuf {
class Message;
}

namespace skiff::netctl {

struct GlobalOptions {
  std::string config;  // "" = $SKIFF_CONFIG or ~/.skiff/config
  std::string server;
  std::string token;
  std::string certificate_authority;
  std::string ns;
  bool all_namespaces = false;
};

class Context {
 public:
  // Adds the global flags to a command's flag set.
  void AddGlobalFlags(FlagSet& flags);

  // The client, created on first use from the config and overrides. Errors
  // say which file was read and what to do.
  Result<api::ApiClient*> Client();
  // The effective client config (file plus overrides).
  Result<api::ClientConfig> Config();

  // -n, else (inside a pod, without a config file) the pod's namespace, as
  // kubectl; else "default".
  std::string Namespace() const;
  bool AllNamespaces() const { return options_.all_namespaces; }
  bool NamespaceGiven() const { return !options_.ns.empty(); }

  // Allows tests and embedders to supply a client.
  void SetClient(std::unique_ptr<api::ApiClient> client) { client_ = std::move(client); }

  FILE* out = stdout;
  FILE* err = stderr;

 private:
  GlobalOptions options_;
  std::unique_ptr<api::ApiClient> client_;
};

// The kind for a kubectl-style name ("po", "pods", "deploy", "Deployment").
Result<const api::KindInfo*> ResolveKind(std::string_view name);

// "deployment.apps/web", "service/web": how apply/delete name objects.
std::string ObjectRef(const api::KindInfo& kind, std::string_view name);

// Prints "netctl: <message>" to ctx.err and returns 1.
int Fail(Context& ctx, const std::string& message);
int Fail(Context& ctx, const Status& status);

// Parses bytes from the server as a message of `kind`.
Result<std::unique_ptr<google::protobuf::Message>> ParseObject(const api::KindInfo& kind,
                                                               const std::string& bytes);

}  // namespace skiff::netctl
