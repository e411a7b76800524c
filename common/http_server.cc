#include "common/http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net.h"

namespace skiff::http {
namespace {

constexpr size_t kMaxRequestHeader = 16 * 1024;
constexpr int kClientTimeoutMs = 2000;

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads until the end of the header block, a timeout or the size limit.
bool ReadHeader(int fd, std::string& buf) {
  char chunk[2048];
  while (buf.find("\r\n\r\n") == std::string::npos && buf.find("\n\n") == std::string::npos) {
    if (buf.size() > kMaxRequestHeader) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kClientTimeoutMs) <= 0) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

Result<std::unique_ptr<Server>> Server::Start(std::string_view listen,
                                              std::map<std::string, Handler> routes) {
  auto hp = net::ParseHostPort(listen);
  if (!hp.ok()) return hp.status();
  sockaddr_storage ss;
  auto len = net::ToSockaddr(*hp, &ss);
  if (!len.ok()) return len.status();
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable("socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), *len) != 0 || ::listen(fd, 64) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Unavailable("http listen on " + std::string(listen) + ": " + err);
  }
  socklen_t slen = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &slen);
  uint16_t port = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)
                                          : ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return std::unique_ptr<Server>(new Server(fd, port, std::move(routes)));
}

Server::Server(int fd, uint16_t port, std::map<std::string, Handler> routes)
    : fd_(fd), port_(port), routes_(std::move(routes)) {
  if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Loop(); });
}

Server::~Server() {
  if (wake_[1] >= 0) {
    char c = 0;
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  if (wake_[0] >= 0) ::close(wake_[0]);
  if (wake_[1] >= 0) ::close(wake_[1]);
}

void Server::Loop() {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::string buf;
    Response resp;
    bool head = false;
    if (!ReadHeader(client, buf)) {
      resp = {400, "text/plain", "bad request\n"};
    } else {
      size_t sp1 = buf.find(' ');
      size_t sp2 = sp1 == std::string::npos ? sp1 : buf.find(' ', sp1 + 1);
      if (sp2 == std::string::npos) {
        resp = {400, "text/plain", "bad request line\n"};
      } else {
        Request req;
        req.method = buf.substr(0, sp1);
        std::string target = buf.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t q = target.find('?');
        req.path = target.substr(0, q);
        if (q != std::string::npos) req.query = target.substr(q + 1);
        head = req.method == "HEAD";
        auto route = routes_.find(req.path);
        if (req.method != "GET" && !head) {
          resp = {405, "text/plain", "only GET and HEAD\n"};
        } else if (route == routes_.end()) {
          resp = {404, "text/plain", "not found\n"};
        } else {
          resp = route->second(req);
        }
      }
    }
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + ReasonPhrase(resp.status) +
                      "\r\nContent-Type: " + resp.content_type +
                      "\r\nContent-Length: " + std::to_string(resp.body.size()) +
                      "\r\nConnection: close\r\n\r\n";
    if (!head) out += resp.body;
    WriteAll(client, out);
    ::close(client);
  }
}

Handler MetricsHandler(const metrics::Registry& registry) {
  return [&registry](const Request&) {
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", registry.Render()};
  };
}

Handler OkHandler() {
  return [](const Request&) { return Response{200, "text/plain", "ok\n"}; };
}

}  // namespace skiff::http
