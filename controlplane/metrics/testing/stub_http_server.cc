#include "controlplane/metrics/testing/stub_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <vector>

namespace skiff::metrics::testing {
namespace {

std::string HeaderValue(const std::string& head, const std::string& lower_name) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    size_t end = head.find("\r\n", pos);
    std::string line = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != lower_name) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    return value;
  }
  return "";
}

}  // namespace

StubHttpServer::StubHttpServer(Respond respond) : respond_(std::move(respond)) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(fd_, 16) != 0) {
    return;  // port() stays 0: the test fails on it
  }
  socklen_t len = sizeof a;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

StubHttpServer::~StubHttpServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

StubRequest StubHttpServer::last_request() const {
  std::lock_guard lock(mu_);
  return last_;
}

std::string StubHttpServer::Reply(int status, const std::string& body,
                                  const std::string& content_type) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

void StubHttpServer::Serve() {
  std::vector<int> hung;
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536 && !stop_) {
      pollfd cp{c, POLLIN, 0};
      if (poll(&cp, 1, 50) <= 0) continue;
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    StubRequest req;
    req.head = head.substr(0, head.find("\r\n\r\n"));
    size_t sp1 = req.head.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : req.head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) req.path = req.head.substr(sp1 + 1, sp2 - sp1 - 1);
    req.authorization = HeaderValue(req.head, "authorization");
    {
      std::lock_guard lock(mu_);
      last_ = req;
    }
    ++requests_;
    auto reply = respond_(req);
    if (reply) {
      size_t sent = 0;
      while (sent < reply->size()) {
        ssize_t n = send(c, reply->data() + sent, reply->size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
    } else {
      hung.push_back(c);  // never answered; closed when the server stops
      continue;
    }
    close(c);
  }
  for (int c : hung)
    close(c);
}

}  // namespace skiff::metrics::testing
