#include "api/client/config.h"

#include "common/base64.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skiff::api {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<ClientConfig> LoadClientConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto bad = [&](std::string_view why) {
    return InvalidArgument("client config " + path + ": " + std::string(why));
  };
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return bad(std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return bad("want a map with server, certificate-authority-data, token");
  ClientConfig cfg;
  try {
    if (!root["server"]) return bad("missing field \"server\"");
    cfg.server = root["server"].as<std::string>();
    if (cfg.server.starts_with("https://")) cfg.server = cfg.server.substr(8);
    if (root["token"]) cfg.token = root["token"].as<std::string>();
    if (root["certificate-authority-data"]) {
      auto pem = Base64Decode(root["certificate-authority-data"].as<std::string>());
      if (!pem.ok()) return bad("certificate-authority-data: not base64");
      cfg.ca_pem = *pem;
    } else if (root["certificate-authority"]) {
      auto pem = ReadFile(root["certificate-authority"].as<std::string>());
      if (!pem.ok()) return bad("certificate-authority: " + pem.status().message());
      cfg.ca_pem = *pem;
    }
  } catch (const YAML::Exception& e) {
    return bad(std::string("bad field: ") + e.what());
  }
  if (cfg.server.empty()) return bad("field \"server\" is empty");
  return cfg;
}

Result<ClientConfig> InClusterConfig(const std::string& dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  auto unset = [](const char* name) {
    return FailedPrecondition(std::string("in-cluster config: ") + name +
                              " is not set (not running in a pod?)");
  };
  if (host == nullptr || *host == '\0') return unset("KUBERNETES_SERVICE_HOST");
  if (port == nullptr || *port == '\0') return unset("KUBERNETES_SERVICE_PORT");
  char* end = nullptr;
  long port_number = std::strtol(port, &end, 10);
  if (*end != '\0' || port_number < 1 || port_number > 65535) {
    return InvalidArgument(std::string("in-cluster config: KUBERNETES_SERVICE_PORT \"") + port +
                           "\" is not a port number");
  }
  std::string h = host;
  if (h.find(':') != std::string::npos && !h.starts_with("[")) h = "[" + h + "]";
  ClientConfig cfg;
  cfg.server = h + ":" + port;
  auto read = [&](const char* file, std::string* out) -> Status {
    auto text = ReadFile(dir + "/" + file);
    if (!text.ok()) return NotFound("in-cluster config: cannot read " + dir + "/" + file);
    *out = std::move(*text);
    return Status::Ok();
  };
  SKIFF_RETURN_IF_ERROR(read("token", &cfg.token));
  SKIFF_RETURN_IF_ERROR(read("ca.crt", &cfg.ca_pem));
  SKIFF_RETURN_IF_ERROR(read("namespace", &cfg.default_namespace));
  auto trim = [](std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.pop_back();
  };
  trim(cfg.token);
  trim(cfg.default_namespace);
  if (cfg.token.empty()) return InvalidArgument("in-cluster config: " + dir + "/token is empty");
  return cfg;
}

std::string DefaultClientConfigPath() {
  if (const char* env = std::getenv("SKIFF_CONFIG"); env && *env) return env;
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.skiff/config";
  }
  return "";
}

namespace {

// No config file at the default path, and in a pod.
bool UseInClusterConfig() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host == nullptr || *host == '\0') return false;
  std::string path = DefaultClientConfigPath();
  std::error_code ec;
  return path.empty() || !std::filesystem::exists(path, ec);
}

}  // namespace

std::string InClusterDefaultNamespace(const std::string& dir) {
  if (!UseInClusterConfig()) return "";
  auto ns = ReadFile(dir + "/namespace");
  if (!ns.ok()) return "";
  std::string out = *ns;
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
    out.pop_back();
  return out;
}

Result<ClientConfig> LoadDefaultClientConfig() {
  std::string path = DefaultClientConfigPath();
  auto loaded = path.empty() ? Result<ClientConfig>(NotFound("no client config: $SKIFF_CONFIG "
                                                             "and $HOME are unset"))
                             : LoadClientConfig(path);
  if (loaded.ok() || loaded.status().code() != StatusCode::kNotFound) return loaded;
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host) {
    return InClusterConfig();
  }
  return loaded;
}

Status SaveClientConfig(const ClientConfig& config, const std::string& path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Internal("cannot write " + tmp);
    out << "# Skiff client configuration\n";
    out << "server: " << config.server << "\n";
    if (!config.ca_pem.empty()) {
      out << "certificate-authority-data: " << Base64Encode(config.ca_pem) << "\n";
    }
    if (!config.token.empty()) out << "token: " << config.token << "\n";
    if (!out.flush()) return Internal("cannot write " + tmp);
  }
  chmod(tmp.c_str(), 0600);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Internal("rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

std::shared_ptr<grpc::Channel> Dial(const ClientConfig& config) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = config.ca_pem;
  auto creds = grpc::SslCredentials(ssl);
  if (!config.token.empty()) {
    creds = grpc::CompositeChannelCredentials(creds, grpc::AccessTokenCredentials(config.token));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(512 * 1024 * 1024);
  // Daemons must notice a restarted API server within seconds, not minutes.
  // (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is also the connect timeout: leave it.)
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // Find dead connections (a killed server, a dropped network) on idle watches.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  return grpc::CreateCustomChannel(config.server, creds, args);
}

}  // namespace skiff::api
