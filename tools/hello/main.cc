// skiff-hello: the small HTTP server the examples run as their containers.
// GET /healthz answers "ok"; any other GET answers one line naming the host
// (the pod) and the greeting from $GREETING. Keep-alive, one epoll thread.
//   skiff-hello [--listen [ADDR]:PORT]      (default :8080, IPv4 and IPv6)
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "common/net.h"

namespace {

std::string Reply(const std::string& body, bool keep_alive) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + (keep_alive ? "" : "\r\nConnection: close") + "\r\n\r\n" +
         body;
}

// Answers every complete request in `in`; returns false to close.
bool Serve(std::string& in, std::string& out, const std::string& greeting_line) {
  for (;;) {
    size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) return in.size() < 64 * 1024;
    std::string head = in.substr(0, end);
    in.erase(0, end + 4);
    bool keep_alive = head.find("HTTP/1.0") == std::string::npos;
    for (const char* c : {"Connection: close", "connection: close"}) {
      if (head.find(c) != std::string::npos) keep_alive = false;
    }
    bool health = head.rfind("GET /healthz ", 0) == 0 || head.rfind("HEAD /healthz ", 0) == 0;
    out += Reply(health ? "ok\n" : greeting_line, keep_alive);
    if (!keep_alive) return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = ":8080";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (a.rfind("--listen=", 0) == 0) {
      listen = a.substr(9);
    } else {
      std::fprintf(stderr, "usage: skiff-hello [--listen [ADDR]:PORT]\n");
      return 2;
    }
  }
  auto hp = skiff::net::ParseHostPort(listen);
  if (!hp.ok()) {
    std::fprintf(stderr, "skiff-hello: %s\n", hp.status().message().c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  // Explicit handlers: as PID 1 of a pod's PID namespace the default action
  // of SIGTERM would be to ignore it, and every stop would wait out the
  // grace period. Nothing to flush: stop at once.
  struct sigaction stop {};
  stop.sa_handler = [](int) { _exit(0); };
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGINT, &stop, nullptr);
  sockaddr_storage ss{};
  socklen_t len;
  int fd;
  if (hp->host.empty()) {  // dual-stack any
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(hp->port);
    len = sizeof *sin6;
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int zero = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  } else {
    auto l = skiff::net::ToSockaddr(*hp, &ss);
    if (!l.ok()) {
      std::fprintf(stderr, "skiff-hello: %s\n", l.status().message().c_str());
      return 2;
    }
    len = *l;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 1024) != 0) {
    std::fprintf(stderr, "skiff-hello: listen on %s: %s\n", listen.c_str(), std::strerror(errno));
    return 1;
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const char* greeting = std::getenv("GREETING");
  std::string line = std::string(greeting && *greeting ? greeting : "hello") + " (" + host + ")\n";
  std::fprintf(stderr, "skiff-hello: serving on %s\n", listen.c_str());

  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{EPOLLIN, {.fd = fd}};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  std::map<int, std::pair<std::string, std::string>> conns;  // fd -> (in, out)
  epoll_event events[64];
  for (;;) {
    int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      int cfd = events[i].data.fd;
      if (cfd == fd) {
        int c;
        while ((c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          epoll_event cev{EPOLLIN | EPOLLRDHUP, {.fd = c}};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      auto& [in, out] = conns[cfd];
      char buf[16384];
      ssize_t r;
      bool open = true;
      while ((r = recv(cfd, buf, sizeof buf, 0)) > 0)
        in.append(buf, r);
      if (r == 0 || (r < 0 && errno != EAGAIN)) open = false;
      bool keep = Serve(in, out, line);
      while (!out.empty()) {
        ssize_t w = send(cfd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w <= 0) break;
        out.erase(0, w);
      }
      if (!open || (!keep && out.empty())) {
        close(cfd);
        conns.erase(cfd);
      }
    }
  }
}
