// skiff-lbtest-server: a small epoll backend for the proxy tests and
// benchmarks. One thread, non-blocking sockets.
//   TCP: a connection starting with "GET "/"HEAD" is HTTP/1.1 (keep-alive
//   unless "Connection: close"; body "<id>\n"); any other connection is an
//   echo, and the line "WHO\n" is answered with "<id>\n".
//   UDP: every datagram is answered with "<id>\n".
// usage: skiff-lbtest-server --id NAME [--tcp PORT] [--udp PORT] [--bind ADDR]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

enum class Mode { kUnknown, kHttp, kEcho };

struct Conn {
  Mode mode = Mode::kUnknown;
  std::string in;
  std::string out;
  bool close_after = false;
};

int Listen(int type, const char* bind_addr, int port) {
  int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  a.sin6_addr = in6addr_any;
  if (bind_addr && inet_pton(AF_INET6, bind_addr, &a.sin6_addr) != 1) {
    in_addr v4;
    if (inet_pton(AF_INET, bind_addr, &v4) == 1) {
      a.sin6_addr = in6addr_any;
      a.sin6_addr.s6_addr[10] = a.sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&a.sin6_addr.s6_addr[12], &v4, 4);
    }
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 4096) != 0) return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string id = "backend";
  int tcp_port = 0, udp_port = 0;
  const char* bind_addr = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--id")
      id = argv[i + 1];
    else if (a == "--tcp")
      tcp_port = std::atoi(argv[i + 1]);
    else if (a == "--udp")
      udp_port = std::atoi(argv[i + 1]);
    else if (a == "--bind")
      bind_addr = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  const std::string body = id + "\n";
  const std::string http_ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string http_close =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int lfd = tcp_port ? Listen(SOCK_STREAM, bind_addr, tcp_port) : -1;
  int ufd = udp_port ? Listen(SOCK_DGRAM, bind_addr, udp_port) : -1;
  if ((tcp_port && lfd < 0) || (udp_port && ufd < 0)) {
    std::perror("listen");
    return 1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (lfd >= 0) {
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  }
  if (ufd >= 0) {
    ev.data.fd = ufd;
    epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ev);
  }
  std::unordered_map<int, Conn> conns;
  std::printf("ready\n");
  std::fflush(stdout);
  epoll_event events[256];
  char buf[65536];
  auto close_conn = [&](int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(fd);
  };
  while (true) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        while (true) {
          int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          conns[c] = Conn{};
          epoll_event ce{};
          ce.events = EPOLLIN;
          ce.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
        continue;
      }
      if (fd == ufd) {
        while (true) {
          sockaddr_storage from;
          socklen_t len = sizeof(from);
          ssize_t r = recvfrom(ufd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (r < 0) break;
          sendto(ufd, body.data(), body.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      ssize_t r = read(fd, buf, sizeof(buf));
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        close_conn(fd);
        continue;
      }
      c.in.append(buf, static_cast<size_t>(r));
      if (c.mode == Mode::kUnknown && c.in.size() >= 4)
        c.mode = (c.in.compare(0, 4, "GET ") == 0 || c.in.compare(0, 4, "HEAD") == 0) ? Mode::kHttp
                                                                                      : Mode::kEcho;
      if (c.mode == Mode::kHttp) {
        size_t end;
        while ((end = c.in.find("\r\n\r\n")) != std::string::npos) {
          std::string head = c.in.substr(0, end);
          c.in.erase(0, end + 4);
          bool close_req = head.find("Connection: close") != std::string::npos ||
                           head.find("connection: close") != std::string::npos;
          c.out += close_req ? http_close : http_ok;
          if (close_req) c.close_after = true;
        }
      } else if (c.mode == Mode::kEcho) {
        size_t nl;
        while ((nl = c.in.find('\n')) != std::string::npos) {
          std::string line = c.in.substr(0, nl + 1);
          c.in.erase(0, nl + 1);
          c.out += line == "WHO\n" ? body : line;
        }
      }
      if (!c.out.empty()) {
        ssize_t w = write(fd, c.out.data(), c.out.size());
        if (w > 0) c.out.erase(0, static_cast<size_t>(w));
      }
      if (c.close_after && c.out.empty()) close_conn(fd);
    }
  }
}
