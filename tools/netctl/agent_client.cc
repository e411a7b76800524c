#include "tools/netctl/agent_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "api/client/config.h"
#include "api/client/typed.h"

namespace skiff::netctl {
namespace {

std::string Lower(std::string_view s) {
  std::string out;
  for (char ch : s)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

Result<int> Connect(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || !res) return Unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string error;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return Unavailable(error);
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads the response on `fd` into `r`, passing a 200 body to `on_body`.
Status ReadResponse(int fd, AgentResponse& r,
                    const std::function<void(std::string_view)>& on_body) {
  std::string buf;
  char tmp[16384];
  auto fill = [&]() {
    for (;;) {
      ssize_t n = recv(fd, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    }
  };
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return Unavailable("the agent closed the connection before answering");
  }
  r.head = buf.substr(0, end);
  buf.erase(0, end + 4);
  r.status = r.head.size() > 12 ? std::atoi(r.head.c_str() + 9) : 0;
  auto emit = [&](std::string_view data) {
    if (r.status == 200) {
      on_body(data);
    } else {
      r.error_body.append(data);
    }
  };
  if (Lower(r.head).find("transfer-encoding: chunked") == std::string::npos) {
    emit(buf);
    buf.clear();
    while (fill()) {
      emit(buf);
      buf.clear();
    }
    return Status::Ok();
  }
  for (;;) {
    size_t nl;
    while ((nl = buf.find("\r\n")) == std::string::npos) {
      if (!fill()) return Status::Ok();  // ended early (agent stopped): keep what came
    }
    size_t size = std::strtoul(buf.c_str(), nullptr, 16);
    buf.erase(0, nl + 2);
    if (size == 0) return Status::Ok();
    while (buf.size() < size + 2) {
      if (!fill()) {
        emit(buf);
        return Status::Ok();
      }
    }
    emit(std::string_view(buf).substr(0, size));
    buf.erase(0, size + 2);
  }
}

}  // namespace

Result<std::string> CallerToken(const Args& args,
                                const std::function<void(FlagSet&)>& command_flags) {
  std::string config, server, token, ca, ns;
  bool all = false;
  FlagSet f("", "");
  f.String("config", &config, "");
  f.String("server", &server, "");
  f.String("token", &token, "");
  f.String("certificate-authority", &ca, "");
  f.String("namespace", &ns, "");
  f.String("n", &ns, "");
  f.Bool("all-namespaces", &all, "");
  f.Bool("A", &all, "");
  command_flags(f);
  auto rest = f.Parse(args);
  if (!rest.ok()) return rest.status();
  if (!token.empty()) return token;
  auto cfg = config.empty() ? api::LoadDefaultClientConfig() : api::LoadClientConfig(config);
  if (!cfg.ok()) return cfg.status();
  return cfg->token;
}

Result<api::Pod> GetNamedPod(api::ApiClient& client, const std::string& ns, std::string name) {
  for (const char* prefix : {"pod/", "pods/", "po/"}) {
    if (name.starts_with(prefix)) name = name.substr(std::strlen(prefix));
  }
  auto pod = api::GetObject<api::Pod>(client, ns, name);
  if (!pod.ok() && pod.status().code() == StatusCode::kNotFound) {
    return Status(StatusCode::kNotFound, "pods \"" + name + "\" not found");
  }
  return pod;
}

std::string ChooseContainer(const api::Pod& pod, const std::string& requested, FILE* err) {
  if (!requested.empty()) return requested;
  auto ann = pod.metadata().annotations().find("kubectl.kubernetes.io/default-container");
  if (ann != pod.metadata().annotations().end()) return ann->second;
  if (pod.spec().containers_size() == 0) return "";
  std::string container = pod.spec().containers(0).name();
  if (pod.spec().containers_size() > 1) {
    std::string all;
    for (const auto& c : pod.spec().containers())
      all += (all.empty() ? "" : ", ") + c.name();
    std::fprintf(err, "Defaulted container \"%s\" out of: %s\n", container.c_str(), all.c_str());
  }
  return container;
}

Result<AgentEndpoint> PodAgent(api::ApiClient& client, const api::Pod& pod) {
  AgentEndpoint a;
  a.node = pod.spec().node_name();
  if (a.node.empty()) {
    return FailedPrecondition("pod \"" + pod.metadata().name() +
                              "\" is not scheduled to a node yet");
  }
  auto node = api::GetObject<api::Node>(client, "", a.node);
  if (!node.ok() && node.status().code() == StatusCode::kPermissionDenied &&
      !pod.status().host_ip().empty()) {
    // May not read Nodes (a namespaced user): the pod's hostIP and the default port.
    a.host = pod.status().host_ip();
    return a;
  }
  if (!node.ok()) return node.status().WithContext("node " + a.node);
  for (const char* type : {"InternalIP", "Hostname"}) {
    for (const auto& addr : node->status().addresses()) {
      if (addr.type() == type && a.host.empty()) a.host = addr.address();
    }
  }
  if (a.host.empty()) {
    return FailedPrecondition("node " + a.node + " reports no address (is its agent up?)");
  }
  int port = node->status().daemon_endpoints().kubelet_endpoint().port();
  if (port > 0) a.port = port;
  return a;
}

std::string ContainerTarget::Path(std::string_view route) const {
  return "/" + std::string(route) + "/" + EscapeUrlPart(ns) + "/" +
         EscapeUrlPart(pod.metadata().name()) + "/" + EscapeUrlPart(container);
}

Result<ContainerTarget> ResolveContainer(Context& ctx, const Args& args,
                                         const std::function<void(FlagSet&)>& command_flags,
                                         const std::string& pod_arg, const std::string& requested) {
  ContainerTarget t;
  auto token = CallerToken(args, command_flags);
  if (!token.ok()) return token.status();
  t.token = *token;
  auto client = ctx.Client();
  if (!client.ok()) return client.status();
  t.ns = ctx.Namespace();
  auto pod = GetNamedPod(**client, t.ns, pod_arg);
  if (!pod.ok()) return pod.status();
  t.pod = std::move(*pod);
  const std::string& name = t.pod.metadata().name();
  t.container = ChooseContainer(t.pod, requested, ctx.err);
  if (t.container.empty()) return FailedPrecondition("pod " + name + " has no containers");
  if (t.pod.spec().node_name().empty()) {
    return FailedPrecondition("container \"" + t.container + "\" in pod \"" + name +
                              "\" is waiting to start: the pod is not scheduled to a node yet");
  }
  auto agent = PodAgent(**client, t.pod);
  if (!agent.ok()) return agent.status();
  t.agent = std::move(*agent);
  return t;
}

std::string AgentResponse::Header(std::string_view name) const {
  std::string lower = Lower(head);
  std::string key = "\r\n" + Lower(name) + ":";
  size_t at = lower.find(key);
  if (at == std::string::npos) return "";
  size_t start = at + key.size();
  size_t end = head.find("\r\n", start);
  std::string v = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
  while (!v.empty() && v.front() == ' ')
    v.erase(0, 1);
  return v;
}

Result<AgentResponse> CallAgent(const AgentEndpoint& agent, const AgentRequest& request,
                                const std::function<void(std::string_view)>& on_body) {
  const std::string where =
      "the agent of node " + agent.node + " at " + agent.host + ":" + std::to_string(agent.port);
  auto fd = Connect(agent.host, agent.port);
  if (!fd.ok()) return Unavailable("cannot reach " + where + ": " + fd.status().message());
  std::string authority =
      agent.host.find(':') != std::string::npos ? "[" + agent.host + "]" : agent.host;
  std::string req = request.method + " " + request.path_and_query +
                    " HTTP/1.1\r\nHost: " + authority + ":" + std::to_string(agent.port) +
                    "\r\nAuthorization: Bearer " + request.token +
                    "\r\nUser-Agent: netctl\r\nConnection: close\r\n";
  if (request.method == "POST") {
    req += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  req += "\r\n";
  AgentResponse r;
  Status st = SendAll(*fd, req) && SendAll(*fd, request.body)
                  ? ReadResponse(*fd, r, on_body)
                  : Unavailable(std::string("sending to ") + where + ": " + std::strerror(errno));
  close(*fd);
  if (!st.ok()) return st;
  return r;
}

int FailFromAgent(Context& ctx, const AgentResponse& r) {
  std::string body = r.error_body;
  while (!body.empty() && body.back() == '\n')
    body.pop_back();
  const char* kind = r.status == 400   ? "BadRequest"
                     : r.status == 401 ? "Unauthorized"
                     : r.status == 403 ? "Forbidden"
                     : r.status == 404 ? "NotFound"
                     : r.status == 504 ? "Timeout"
                                       : "InternalError";
  std::fprintf(ctx.err, "Error from server (%s): %s\n", kind, body.c_str());
  return 1;
}

std::string EscapeUrlPart(std::string_view s) {
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

}  // namespace skiff::netctl
