// cni-probe: a tiny static binary used as the process inside test containers
// (no image registry is reachable, so the rootfs holds only this file).
//   cni-probe serve PORT            echo one line per connection, forever
//   cni-probe connect IP PORT [...] connect to each IP/PORT pair, send a line,
//                                   expect it back; exit 0 when all succeed
// Retries each connect for up to 10 s (the peer may still be starting).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

bool Fill(const char* ip, int port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

int Serve(int port) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  int zero = 0, one = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // v4 and v6
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  a.sin6_addr = in6addr_any;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0) {
    std::perror("cni-probe: listen");
    return 1;
  }
  while (true) {
    int c = accept(fd, nullptr, nullptr);
    if (c < 0) continue;
    char buf[256];
    pollfd p{c, POLLIN, 0};
    if (poll(&p, 1, 5000) == 1) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n > 0 && write(c, buf, static_cast<size_t>(n)) != n) std::perror("cni-probe: write");
    }
    close(c);
  }
}

bool ConnectOnce(const char* ip, int port) {
  sockaddr_storage ss;
  socklen_t len;
  if (!Fill(ip, port, &ss, &len)) return false;
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    const char msg[] = "cni-probe\n";
    char buf[32];
    if (write(fd, msg, sizeof msg - 1) == static_cast<ssize_t>(sizeof msg - 1)) {
      ssize_t n = read(fd, buf, sizeof buf);
      ok = n == static_cast<ssize_t>(sizeof msg - 1) && std::memcmp(buf, msg, n) == 0;
    }
  }
  close(fd);
  return ok;
}

int Connect(int argc, char** argv) {
  for (int i = 2; i + 1 < argc; i += 2) {
    bool ok = false;
    for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
      ok = ConnectOnce(argv[i], std::atoi(argv[i + 1]));
      if (!ok) usleep(200000);
    }
    std::printf("%s %s:%s\n", ok ? "ok" : "FAIL", argv[i], argv[i + 1]);
    if (!ok) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "serve") == 0) return Serve(std::atoi(argv[2]));
  if (argc >= 4 && std::strcmp(argv[1], "connect") == 0) return Connect(argc, argv);
  std::fprintf(stderr, "usage: cni-probe serve PORT | connect IP PORT [IP PORT...]\n");
  return 2;
}
