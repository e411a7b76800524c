#include "tools/netctl/context.h"

#include <google/protobuf/message.h>

#include <cctype>
#include <cstdlib>

#include "api/client/config.h"
#include "api/client/remote_client.h"

namespace skiff::netctl {

void Context::AddGlobalFlags(FlagSet& flags) {
  flags.String("config", &options_.config,
               "Client config file (default $SKIFF_CONFIG, else ~/.skiff/config).");
  flags.String("server", &options_.server, "API server host:port, overriding the config.");
  flags.String("token", &options_.token, "Bearer token, overriding the config.");
  flags.String("certificate-authority", &options_.certificate_authority,
               "CA certificate file, overriding the config.");
  flags.String("namespace", &options_.ns, "Namespace (default \"default\").");
  flags.String("n", &options_.ns, "Short for --namespace.");
  flags.Bool("all-namespaces", &options_.all_namespaces, "All namespaces.");
  flags.Bool("A", &options_.all_namespaces, "Short for --all-namespaces.");
}

Result<api::ApiClient*> Context::Client() {
  if (client_) return client_.get();
  auto cfg = Config();
  if (!cfg.ok()) return cfg.status();
  client_ = api::NewRemoteClient(*cfg);
  return client_.get();
}

std::string Context::Namespace() const {
  if (!options_.ns.empty()) return options_.ns;
  if (options_.config.empty()) {
    std::string ns = api::InClusterDefaultNamespace();
    if (!ns.empty()) return ns;
  }
  return "default";
}

Result<api::ClientConfig> Context::Config() {
  api::ClientConfig cfg;
  // Without --config: $SKIFF_CONFIG or ~/.skiff/config, else (in a pod) the
  // in-cluster config, as kubectl falls back.
  auto loaded = options_.config.empty() ? api::LoadDefaultClientConfig()
                                        : api::LoadClientConfig(options_.config);
  if (loaded.ok()) {
    cfg = *loaded;
  } else if (options_.server.empty() || loaded.status().code() != StatusCode::kNotFound) {
    return Status(loaded.status().code(),
                  loaded.status().message() +
                      " (pass --config FILE, e.g. /var/lib/skiff/admin.conf, or --server)");
  }
  if (!options_.server.empty()) cfg.server = options_.server;
  if (!options_.token.empty()) cfg.token = options_.token;
  if (!options_.certificate_authority.empty()) {
    FILE* f = std::fopen(options_.certificate_authority.c_str(), "r");
    if (!f)
      return NotFound("cannot read --certificate-authority " + options_.certificate_authority);
    std::string pem;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
      pem.append(buf, n);
    std::fclose(f);
    cfg.ca_pem = pem;
  }
  return cfg;
}

Result<const api::KindInfo*> ResolveKind(std::string_view name) {
  const api::KindInfo* kind = api::FindResource(name);
  if (!kind) {
    return InvalidArgument("the server doesn't have a resource type \"" + std::string(name) + "\"");
  }
  return kind;
}

std::string ObjectRef(const api::KindInfo& kind, std::string_view name) {
  std::string out;
  for (char c : kind.kind)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!kind.group.empty()) {
    out += '.';
    out += kind.group;
  }
  out += '/';
  out += name;
  return out;
}

int Fail(Context& ctx, const std::string& message) {
  std::fprintf(ctx.err, "netctl: %s\n", message.c_str());
  return 1;
}

int Fail(Context& ctx, const Status& status) {
  std::string prefix;
  switch (status.code()) {
    case StatusCode::kNotFound:
      prefix = "Error from server (NotFound): ";
      break;
    case StatusCode::kAlreadyExists:
      prefix = "Error from server (AlreadyExists): ";
      break;
    case StatusCode::kInvalidArgument:
      prefix = "Error from server (Invalid): ";
      break;
    case StatusCode::kAborted:
      prefix = "Error from server (Conflict): ";
      break;
    case StatusCode::kUnauthenticated:
      prefix = "Error from server (Unauthorized): ";
      break;
    case StatusCode::kPermissionDenied:
      prefix = "Error from server (Forbidden): ";
      break;
    default:
      prefix = std::string(StatusCodeName(status.code())) + ": ";
      break;
  }
  std::fprintf(ctx.err, "%s%s\n", prefix.c_str(), status.message().c_str());
  return 1;
}

Result<std::unique_ptr<google::protobuf::Message>> ParseObject(const api::KindInfo& kind,
                                                               const std::string& bytes) {
  auto obj = kind.New();
  if (!obj->ParseFromString(bytes)) {
    return Internal("the server sent a malformed " + std::string(kind.kind));
  }
  api::SetTypeMeta(obj.get());
  return obj;
}

}  // namespace skiff::netctl
