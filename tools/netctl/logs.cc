#include "tools/netctl/logs.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "api/client/config.h"
#include "api/client/typed.h"
#include "skiff/api/core.pb.h"

namespace skiff::netctl {
namespace {

struct LogFlags {
  std::string container;
  bool follow = false;
  bool previous = false;
  int64_t tail = -1;
  int64_t limit_bytes = -1;
};

// The global flags as netctl's Context reads them. Context keeps its options
// private, so they are parsed a second time here to find the bearer token
// the agent must see (the same file and precedence as Context::Client).
struct Credentials {
  std::string config, server, token, ca, ns;
  bool all = false;
};

void AddLogFlags(FlagSet& f, LogFlags* o) {
  f.String("container", &o->container, "Container name (default: the only or first one).");
  f.String("c", &o->container, "Short for --container.");
  f.Bool("follow", &o->follow, "Stream the log as it grows.");
  f.Bool("f", &o->follow, "Short for --follow.");
  f.Bool("previous", &o->previous, "The previous (crashed) instance of the container.");
  f.Bool("p", &o->previous, "Short for --previous.");
  f.Int("tail", &o->tail, "Lines from the end to show (-1: all).");
  f.Int("limit-bytes", &o->limit_bytes, "Most bytes to show (-1: no limit).");
}

Result<std::string> Token(const Args& args) {
  Credentials c;
  LogFlags ignored;
  FlagSet f("", "");
  f.String("config", &c.config, "");
  f.String("server", &c.server, "");
  f.String("token", &c.token, "");
  f.String("certificate-authority", &c.ca, "");
  f.String("namespace", &c.ns, "");
  f.String("n", &c.ns, "");
  f.Bool("all-namespaces", &c.all, "");
  f.Bool("A", &c.all, "");
  AddLogFlags(f, &ignored);
  auto rest = f.Parse(args);
  if (!rest.ok()) return rest.status();
  if (!c.token.empty()) return c.token;
  std::string path = c.config;
  if (path.empty()) {
    if (const char* env = std::getenv("SKIFF_CONFIG"); env && *env) {
      path = env;
    } else if (const char* home = std::getenv("HOME")) {
      path = std::string(home) + "/.skiff/config";
    }
  }
  auto cfg = api::LoadClientConfig(path);
  if (!cfg.ok()) return cfg.status();
  return cfg->token;
}

// Query-string escaping for path segments and values.
std::string Escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

int Connect(const std::string& host, int port, std::string* error) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || !res) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    *error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

// Reads an HTTP/1.1 response, writing the body to `out` as it arrives
// (chunked or plain). Returns the status code, or -1 with *error.
int Stream(int fd, FILE* out, std::string* body_on_error, std::string* error) {
  std::string buf;
  char tmp[16384];
  auto fill = [&]() {
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  };
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) {
      *error = "the agent closed the connection before answering";
      return -1;
    }
  }
  std::string head = buf.substr(0, end);
  buf.erase(0, end + 4);
  int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  std::string lower;
  for (char ch : head)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  bool chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
  auto emit = [&](const std::string& data) {
    if (status == 200) {
      std::fwrite(data.data(), 1, data.size(), out);
      std::fflush(out);
    } else {
      *body_on_error += data;
    }
  };
  if (!chunked) {
    emit(buf);
    while (fill()) {
      emit(buf);
      buf.clear();
    }
    return status;
  }
  for (;;) {
    size_t nl;
    while ((nl = buf.find("\r\n")) == std::string::npos) {
      if (!fill()) return status;  // ended early (agent stopped): show what came
    }
    size_t size = std::strtoul(buf.c_str(), nullptr, 16);
    buf.erase(0, nl + 2);
    if (size == 0) return status;
    while (buf.size() < size + 2) {
      if (!fill()) {
        emit(buf);
        return status;
      }
    }
    emit(buf.substr(0, size));
    buf.erase(0, size + 2);
  }
}

}  // namespace

int RunLogs(Context& ctx, const Args& args) {
  LogFlags o;
  FlagSet flags("netctl logs POD [-c CONTAINER] [-f] [-p] [--tail N] [--limit-bytes N]",
                "Prints the log of a container of a pod, from the agent of its node.");
  ctx.AddGlobalFlags(flags);
  AddLogFlags(flags, &o);
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->size() != 1) {
    return Fail(ctx, "expected exactly one pod name (netctl logs POD [-c CONTAINER])");
  }
  std::string name = (*rest)[0];
  for (const char* prefix : {"pod/", "pods/", "po/"}) {
    if (name.rfind(prefix, 0) == 0) name = name.substr(std::strlen(prefix));
  }
  if (o.tail < -1) return Fail(ctx, "--tail must be -1 or more");
  if (o.limit_bytes == 0 || o.limit_bytes < -1) return Fail(ctx, "--limit-bytes must be positive");
  auto token = Token(args);
  if (!token.ok()) return Fail(ctx, token.status());
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  std::string ns = ctx.Namespace();
  auto pod = api::GetObject<api::Pod>(**client, ns, name);
  if (!pod.ok()) {
    if (pod.status().code() == StatusCode::kNotFound) {
      return Fail(ctx, Status(StatusCode::kNotFound, "pods \"" + name + "\" not found"));
    }
    return Fail(ctx, pod.status());
  }
  std::string container = o.container;
  if (container.empty()) {
    auto ann = pod->metadata().annotations().find("kubectl.kubernetes.io/default-container");
    if (ann != pod->metadata().annotations().end()) {
      container = ann->second;
    } else if (pod->spec().containers_size() > 0) {
      container = pod->spec().containers(0).name();
      if (pod->spec().containers_size() > 1) {
        std::string all;
        for (const auto& c : pod->spec().containers())
          all += (all.empty() ? "" : ", ") + c.name();
        std::fprintf(ctx.err, "Defaulted container \"%s\" out of: %s\n", container.c_str(),
                     all.c_str());
      }
    }
  }
  if (container.empty()) return Fail(ctx, "pod " + name + " has no containers");
  const std::string& node_name = pod->spec().node_name();
  if (node_name.empty()) {
    return Fail(ctx, "container \"" + container + "\" in pod \"" + name +
                         "\" is waiting to start: the pod is not scheduled to a node yet");
  }
  auto node = api::GetObject<api::Node>(**client, "", node_name);
  if (!node.ok()) return Fail(ctx, node.status().WithContext("node " + node_name));
  std::string host;
  for (const auto& a : node->status().addresses()) {
    if (a.type() == "InternalIP" && host.empty()) host = a.address();
  }
  for (const auto& a : node->status().addresses()) {
    if (a.type() == "Hostname" && host.empty()) host = a.address();
  }
  if (host.empty())
    return Fail(ctx, "node " + node_name + " reports no address (is its agent up?)");
  int port = node->status().daemon_endpoints().kubelet_endpoint().port();
  if (port <= 0) port = 10250;

  std::string path = "/containerLogs/" + Escape(ns) + "/" + Escape(name) + "/" + Escape(container);
  std::string query;
  auto add = [&](const std::string& kv) { query += (query.empty() ? "?" : "&") + kv; };
  if (o.follow) add("follow=true");
  if (o.previous) add("previous=true");
  if (o.tail >= 0) add("tailLines=" + std::to_string(o.tail));
  if (o.limit_bytes > 0) add("limitBytes=" + std::to_string(o.limit_bytes));
  std::string error;
  int fd = Connect(host, port, &error);
  if (fd < 0) {
    return Fail(ctx, "cannot reach the agent of node " + node_name + " at " + host + ":" +
                         std::to_string(port) + ": " + error);
  }
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string req = "GET " + path + query + " HTTP/1.1\r\nHost: " + authority + ":" +
                    std::to_string(port) + "\r\nAuthorization: Bearer " + *token +
                    "\r\nUser-Agent: netctl\r\nConnection: close\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return Fail(ctx, std::string("sending to the agent: ") + std::strerror(errno));
  }
  std::string body;
  int status = Stream(fd, ctx.out, &body, &error);
  close(fd);
  if (status < 0) return Fail(ctx, error);
  if (status == 200) return 0;
  while (!body.empty() && body.back() == '\n')
    body.pop_back();
  const char* kind = status == 400   ? "BadRequest"
                     : status == 401 ? "Unauthorized"
                     : status == 403 ? "Forbidden"
                     : status == 404 ? "NotFound"
                                     : "InternalError";
  std::fprintf(ctx.err, "Error from server (%s): %s\n", kind, body.c_str());
  return 1;
}

}  // namespace skiff::netctl
