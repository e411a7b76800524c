#include "node/agent/http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/http_server.h"
#include "common/log.h"
#include "common/net.h"

namespace skiff::node {
namespace {

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> HttpRequest::Params(std::string_view key) const {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string_view kv(query.data() + pos, amp - pos);
    size_t eq = kv.find('=');
    if (UrlDecode(kv.substr(0, eq), true) == key) {
      out.push_back(eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1), true));
    }
    pos = amp + 1;
  }
  return out;
}

bool HttpRequest::HasParam(std::string_view key) const {
  return !Params(key).empty();
}

std::string HttpRequest::Param(std::string_view key) const {
  auto all = Params(key);
  return all.empty() ? "" : all.front();
}

std::string HttpRequest::BearerToken() const {
  auto it = headers.find("authorization");
  if (it == headers.end()) return "";
  const std::string& v = it->second;
  if (v.size() > 7 && Lower(v.substr(0, 7)) == "bearer ") return v.substr(7);
  return "";
}

bool ResponseWriter::WriteRaw(std::string_view data) {
  if (broken_) return false;
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void ResponseWriter::Send(int status, std::string_view type, std::string_view body,
                          const HttpHeaders& headers) {
  if (sent_) return;
  sent_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + http::ReasonPhrase(status) +
                     "\r\nContent-Type: " + std::string(type) +
                     "\r\nContent-Length: " + std::to_string(body.size());
  for (const auto& [name, value] : headers)
    head += "\r\n" + name + ": " + value;
  head += "\r\nConnection: close\r\n\r\n";
  if (WriteRaw(head)) WriteRaw(body);
}

bool ResponseWriter::BeginStream(int status, std::string_view type) {
  if (sent_) return false;
  sent_ = true;
  chunked_ = true;
  return WriteRaw("HTTP/1.1 " + std::to_string(status) + " " + http::ReasonPhrase(status) +
                  "\r\nContent-Type: " + std::string(type) +
                  "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

bool ResponseWriter::Write(std::string_view data) {
  if (!chunked_ || data.empty()) return !broken_;
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return WriteRaw(size) && WriteRaw(data) && WriteRaw("\r\n");
}

bool ResponseWriter::WaitClosed(int ms) {
  if (broken_ || stopping_->load()) return true;
  pollfd p{fd_, POLLRDHUP, 0};
  int n = poll(&p, 1, ms);
  if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
    broken_ = true;
    return true;
  }
  return stopping_->load();
}

void ResponseWriter::Finish() {
  if (chunked_) WriteRaw("0\r\n\r\n");
}

Result<HttpRequest> ParseRequestHead(std::string_view head) {
  HttpRequest req;
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t s1 = line.find(' '), s2 = line.rfind(' ');
  if (s1 == std::string_view::npos || s2 <= s1 + 1 || line.substr(s2 + 1).rfind("HTTP/", 0) != 0) {
    return InvalidArgument("malformed request line");
  }
  req.method = std::string(line.substr(0, s1));
  std::string_view target = line.substr(s1 + 1, s2 - s1 - 1);
  size_t q = target.find('?');
  req.path = UrlDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  if (req.path.empty() || req.path[0] != '/') return InvalidArgument("malformed request target");
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view h = head.substr(pos, eol - pos);
    size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      std::string_view v = h.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
      req.headers[Lower(std::string(h.substr(0, colon)))] = std::string(v);
    }
    pos = eol + 2;
  }
  return req;
}

Result<std::unique_ptr<AgentHttpServer>> AgentHttpServer::Start(
    const std::string& listen, std::map<std::string, HttpHandler> routes, int max_connections) {
  auto hp = net::ParseHostPort(listen);
  if (!hp.ok()) return hp.status();
  sockaddr_storage ss{};
  auto len = net::ToSockaddr(*hp, &ss);
  if (!len.ok()) return len.status();
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), *len) != 0 || ::listen(fd, 128) != 0) {
    int err = errno;
    close(fd);
    return Unavailable("listen on " + listen + ": " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  uint16_t port =
      ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return std::unique_ptr<AgentHttpServer>(
      new AgentHttpServer(fd, port, std::move(routes), max_connections));
}

AgentHttpServer::AgentHttpServer(int fd, uint16_t port, std::map<std::string, HttpHandler> routes,
                                 int max)
    : fd_(fd), port_(port), routes_(std::move(routes)), max_connections_(max) {
  if (pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

AgentHttpServer::~AgentHttpServer() {
  stopping_ = true;
  if (wake_[1] >= 0) {
    ssize_t ignored = write(wake_[1], "x", 1);
    (void)ignored;
  }
  accept_thread_.join();
  std::map<int, std::thread> conns;
  std::vector<std::thread> finished;
  {
    std::lock_guard lock(mu_);
    for (auto& [fd, t] : connections_)
      shutdown(fd, SHUT_RDWR);
    conns.swap(connections_);
    finished.swap(finished_);
  }
  for (auto& [fd, t] : conns)
    t.join();
  for (auto& t : finished)
    t.join();
  close(fd_);
  if (wake_[0] >= 0) close(wake_[0]);
  if (wake_[1] >= 0) close(wake_[1]);
}

void AgentHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (stopping_ || (p[1].revents & POLLIN)) return;
    if (!(p[0].revents & POLLIN)) continue;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::vector<std::thread> done;
    std::lock_guard lock(mu_);
    done.swap(finished_);
    for (auto& t : done)
      t.join();
    if (static_cast<int>(connections_.size()) >= max_connections_) {
      ResponseWriter w(c, &stopping_);
      w.Send(503, "text/plain", "too many connections\n");
      close(c);
      continue;
    }
    connections_[c] = std::thread([this, c] { Serve(c); });
  }
}

// The body after the head: Content-Length bytes (`already` holds those read
// with the head). Chunked request bodies are not accepted.
Status AgentHttpServer::ReadBody(int fd, std::string already, HttpRequest* req) {
  auto te = req->headers.find("transfer-encoding");
  if (te != req->headers.end()) {
    return InvalidArgument("Transfer-Encoding in requests is not supported; send Content-Length");
  }
  auto cl = req->headers.find("content-length");
  if (cl == req->headers.end()) return Status::Ok();
  size_t length = 0;
  const std::string& v = cl->second;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return InvalidArgument("bad Content-Length \"" + v + "\"");
  }
  if (length > kMaxBody) {
    return Status(
        StatusCode::kResourceExhausted,
        "request body of " + v + " bytes is over the limit of " + std::to_string(kMaxBody));
  }
  req->body = std::move(already);
  char buf[16384];
  while (req->body.size() < length) {
    ssize_t n = recv(fd, buf, std::min(sizeof buf, length - req->body.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return InvalidArgument("the request body ended early");
    req->body.append(buf, static_cast<size_t>(n));
  }
  req->body.resize(length);
  return Status::Ok();
}

void AgentHttpServer::Serve(int fd) {
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos && in.size() < 64 * 1024) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ResponseWriter w(fd, &stopping_);
  size_t end = in.find("\r\n\r\n");
  if (end != std::string::npos) {
    auto parsed = ParseRequestHead(std::string_view(in).substr(0, end));
    Status body = parsed.ok() ? ReadBody(fd, in.substr(end + 4), &*parsed) : parsed.status();
    if (!parsed.ok()) {
      w.Send(400, "text/plain", parsed.status().message() + "\n");
    } else if (!body.ok()) {
      w.Send(body.code() == StatusCode::kResourceExhausted ? 413 : 400, "text/plain",
             body.message() + "\n");
    } else {
      const HttpRequest& req = *parsed;
      // Keys "POST /x" serve POST; plain keys serve GET and HEAD.
      auto find = [&](bool post) {
        const HttpHandler* handler = nullptr;
        size_t best = 0;
        for (const auto& [key, h] : routes_) {
          const bool post_route = key.starts_with("POST ");
          if (post_route != post) continue;
          std::string_view prefix = std::string_view(key).substr(post_route ? 5 : 0);
          bool match =
              req.path == prefix || (req.path.starts_with(prefix) &&
                                     (prefix.back() == '/' || req.path[prefix.size()] == '/'));
          if (match && prefix.size() >= best) {
            handler = &h;
            best = prefix.size();
          }
        }
        return handler;
      };
      const bool post = req.method == "POST";
      const HttpHandler* handler = find(post);
      if ((req.method != "GET" && req.method != "HEAD" && !post) || (!handler && find(!post))) {
        w.Send(405, "text/plain", "method not allowed\n");
      } else if (!handler) {
        w.Send(404, "text/plain", "404 page not found\n");
      } else {
        (*handler)(req, w);
        if (!w.sent()) w.Send(500, "text/plain", "no response\n");
      }
    }
  } else if (!in.empty()) {
    w.Send(400, "text/plain", "malformed request\n");
  }
  w.Finish();
  shutdown(fd, SHUT_WR);
  std::lock_guard lock(mu_);
  close(fd);
  auto it = connections_.find(fd);
  if (it != connections_.end()) {
    finished_.push_back(std::move(it->second));
    connections_.erase(it);
  }
}

}  // namespace skiff::node
