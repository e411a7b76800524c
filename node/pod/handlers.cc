#include "node/pod/handlers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "api/int_or_string.h"

namespace skiff::node {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Connects with a deadline. Returns the fd, or -1 with *error in Go's
// net.Dial wording ("connect: connection refused", "i/o timeout").
int Dial(const std::string& host, int port, Clock::time_point deadline, std::string* error) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(static_cast<uint16_t>(port));
    s->sin_addr = a4;
    len = sizeof *s;
  } else if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(static_cast<uint16_t>(port));
    s->sin6_addr = a6;
    len = sizeof *s;
  } else {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) {
      *error = "lookup " + host + ": no such host";
      return -1;
    }
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    if (ss.ss_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<uint16_t>(port));
    } else {
      reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(static_cast<uint16_t>(port));
    }
    freeaddrinfo(res);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    *error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int n;
  do {
    n = poll(&p, 1, RemainingMs(deadline));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    *error = "i/o timeout";
    close(fd);
    return -1;
  }
  int err = 0;
  socklen_t elen = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0) {
    std::string text = std::strerror(err);
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    *error = "connect: " + text;
    close(fd);
    return -1;
  }
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

void SetTimeouts(int fd, Clock::time_point deadline) {
  int ms = std::max(1, RemainingMs(deadline));
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<int> ResolvePort(const google::protobuf::Value& port, const api::Container* container) {
  auto p = api::ReadIntOrString(port, "port");
  if (!p.ok()) return p.status();
  if (p->is_int()) {
    if (p->int_value < 1 || p->int_value > 65535) {
      return InvalidArgument("invalid port number: " + std::to_string(p->int_value));
    }
    return static_cast<int>(p->int_value);
  }
  if (!p->is_string()) return InvalidArgument("port is not set");
  if (container) {
    for (const auto& cp : container->ports()) {
      if (cp.name() == p->string_value) return cp.container_port();
    }
  }
  // A string of digits is a number, as in kubelet.
  if (!p->string_value.empty() &&
      p->string_value.find_first_not_of("0123456789") == std::string::npos) {
    return std::atoi(p->string_value.c_str());
  }
  return InvalidArgument("couldn't find port: " + p->string_value + " in " +
                         (container ? container->name() : std::string("container")));
}

HttpResponse HttpGet(const std::string& host, int port, const std::string& path, bool tls,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     milliseconds timeout) {
  HttpResponse resp;
  auto deadline = Clock::now() + timeout;
  std::string url = std::string(tls ? "https" : "http") + "://" + JoinHostPort(host, port) + path;
  std::string dial_error;
  int fd = Dial(host, port, deadline, &dial_error);
  if (fd < 0) {
    resp.error = "Get \"" + url + "\": dial tcp " + JoinHostPort(host, port) + ": " + dial_error;
    if (dial_error == "i/o timeout") {
      resp.error = "Get \"" + url +
                   "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    }
    return resp;
  }
  SetTimeouts(fd, deadline);
  std::string req = "GET " + path + " HTTP/1.1\r\n";
  bool has_host = false, has_ua = false, has_accept = false;
  for (const auto& [k, v] : headers) {
    std::string lk = Lower(k);
    has_host |= lk == "host";
    has_ua |= lk == "user-agent";
    has_accept |= lk == "accept";
  }
  if (!has_host) req += "Host: " + JoinHostPort(host, port) + "\r\n";
  if (!has_ua) req += "User-Agent: kube-probe/1.30\r\n";
  if (!has_accept) req += "Accept: */*\r\n";
  for (const auto& [k, v] : headers)
    req += k + ": " + v + "\r\n";
  req += "Connection: close\r\n\r\n";

  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  auto cleanup = [&]() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    close(fd);
  };
  auto io_error = [&](const std::string& what) {
    resp.error = "Get \"" + url + "\": " + what;
    cleanup();
    return resp;
  };
  if (tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    ssl = ctx ? SSL_new(ctx) : nullptr;
    if (!ssl) return io_error("TLS setup failed");
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
      return io_error(errno == EAGAIN || errno == EWOULDBLOCK
                          ? "net/http: TLS handshake timeout"
                          : "remote error: tls: handshake failure");
    }
  }
  size_t off = 0;
  while (off < req.size()) {
    int n = tls ? SSL_write(ssl, req.data() + off, static_cast<int>(req.size() - off))
                : static_cast<int>(send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL));
    if (n <= 0) return io_error(std::string("write: ") + std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  std::string head;
  char buf[1024];
  while (head.find("\r\n") == std::string::npos && head.size() < 8192) {
    int n = tls ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(recv(fd, buf, sizeof buf, 0));
    if (n <= 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return io_error(
            "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
      }
      return io_error("EOF");
    }
    head.append(buf, static_cast<size_t>(n));
  }
  cleanup();
  // "HTTP/1.1 200 OK"
  size_t sp = head.find(' ');
  if (head.rfind("HTTP/", 0) != 0 || sp == std::string::npos) {
    resp.error = "Get \"" + url + "\": net/http: malformed HTTP response";
    return resp;
  }
  resp.status = std::atoi(head.c_str() + sp + 1);
  return resp;
}

ActionResult RunHttpGetAction(const api::HTTPGetAction& get, const ActionTarget& t,
                              milliseconds timeout) {
  auto port = ResolvePort(get.port(), t.container);
  if (!port.ok()) return {false, port.status().message()};
  std::string host = get.host().empty() ? t.pod_ip : get.host();
  if (host.empty()) return {false, "no pod IP to probe"};
  std::string path = get.path().empty() ? "/" : get.path();
  if (path[0] != '/') path = "/" + path;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : get.http_headers())
    headers.emplace_back(h.name(), h.value());
  bool tls = get.scheme() == "HTTPS";
  HttpResponse r = HttpGet(host, *port, path, tls, headers, timeout);
  if (!r.error.empty()) return {false, r.error};
  if (r.status >= 200 && r.status < 400) return {true, ""};
  return {false, "HTTP probe failed with statuscode: " + std::to_string(r.status)};
}

ActionResult RunTcpAction(const api::TCPSocketAction& tcp, const ActionTarget& t,
                          milliseconds timeout) {
  auto port = ResolvePort(tcp.port(), t.container);
  if (!port.ok()) return {false, port.status().message()};
  std::string host = tcp.host().empty() ? t.pod_ip : tcp.host();
  if (host.empty()) return {false, "no pod IP to probe"};
  std::string error;
  int fd = Dial(host, *port, Clock::now() + timeout, &error);
  if (fd < 0) return {false, "dial tcp " + JoinHostPort(host, *port) + ": " + error};
  close(fd);
  return {true, ""};
}

ActionResult RunExecAction(const api::ExecAction& exec, const ActionTarget& t,
                           milliseconds timeout) {
  std::vector<std::string> cmd(exec.command().begin(), exec.command().end());
  std::string quoted;
  for (const auto& c : cmd)
    quoted += (quoted.empty() ? "" : " ") + c;
  if (cmd.empty()) return {false, "exec: no command"};
  if (!t.runtime) return {false, "no runtime to exec in"};
  ExecOptions o;
  o.env = t.env;
  o.working_dir = t.container ? t.container->working_dir() : "";
  o.timeout = timeout;
  auto r = t.runtime->Exec(t.handle, cmd, o);
  if (!r.ok()) return {false, r.status().message()};
  if (r->timed_out) return {false, "command \"" + quoted + "\" timed out"};
  if (r->exit_code == 0) return {true, r->output};
  return {false, r->output.empty()
                     ? "command \"" + quoted + "\" exited with " + std::to_string(r->exit_code)
                     : r->output};
}

ActionResult RunProbeHandler(const api::Probe& probe, const ActionTarget& t) {
  milliseconds timeout(1000LL * (probe.timeout_seconds() > 0 ? probe.timeout_seconds() : 1));
  if (probe.has_exec()) return RunExecAction(probe.exec(), t, timeout);
  if (probe.has_http_get()) return RunHttpGetAction(probe.http_get(), t, timeout);
  if (probe.has_tcp_socket()) return RunTcpAction(probe.tcp_socket(), t, timeout);
  if (probe.has_grpc()) return {false, "gRPC probes are not supported by skiff-agent"};
  return {false, "probe has no handler"};
}

}  // namespace skiff::node
