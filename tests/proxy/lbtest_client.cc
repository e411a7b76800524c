// skiff-lbtest-client: traffic for the proxy integration tests, run inside
// a network namespace (and optionally a cgroup, for the socket LB).
//   skiff-lbtest-client [--netns NAME] [--cgroup DIR] COMMAND ...
//   count ADDR PORT N [udp]   N fresh connections (or UDP sockets) asking
//                             "WHO"; prints "<backend> <count>" lines, then
//                             "errors <n>" and "refused <n>"
//   peer ADDR PORT            connects; prints getpeername() as "ADDR PORT"
//   hold ADDR PORT SECONDS STATUS_FILE STOP_FILE
//                             one connection exchanging a line every 20 ms;
//                             rewrites STATUS_FILE with
//                             "backend=<id> rounds=<n> error=<msg|none>";
//                             exits when STOP_FILE exists or time is up
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

namespace {

bool MakeAddr(const char* host, int port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(*a4);
    return true;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(*a6);
    return true;
  }
  return false;
}

// Reads one line with a timeout; "" on error.
std::string ReadLine(int fd, int timeout_ms) {
  std::string line;
  char c;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return "";
    ssize_t r = read(fd, &c, 1);
    if (r <= 0) return "";
    if (c == '\n') return line;
    line += c;
  }
}

// One datagram (a UDP reply is "<id>\n"); "" on error or timeout.
std::string ReadDatagram(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return "";
  char buf[512];
  ssize_t r = recv(fd, buf, sizeof(buf), 0);
  if (r <= 0) return "";
  std::string s(buf, static_cast<size_t>(r));
  while (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

constexpr int kTcpTimeoutMs = 5000;

int Connect(const sockaddr_storage& ss, socklen_t len, int type, int* err) {
  int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  // Long enough for TCP to recover a lost SYN or SYN-ACK by itself (its
  // retransmissions come 1 s and 3 s later): a loss is not an error.
  timeval tv{kTcpTimeoutMs / 1000, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

int Count(const char* host, int port, int n, bool udp) {
  sockaddr_storage ss;
  socklen_t len;
  if (!MakeAddr(host, port, &ss, &len)) return 2;
  std::map<std::string, int> counts;
  int errors = 0, refused = 0;
  for (int i = 0; i < n; ++i) {
    int err = 0;
    int fd = Connect(ss, len, udp ? SOCK_DGRAM : SOCK_STREAM, &err);
    if (fd < 0) {
      (err == ECONNREFUSED ? refused : errors)++;
      continue;
    }
    std::string id;
    errno = 0;
    if (write(fd, "WHO\n", 4) == 4) {
      id = udp ? ReadDatagram(fd, 2000) : ReadLine(fd, kTcpTimeoutMs);
    }
    // UDP is allowed to lose a datagram: ask again once, as resolvers do
    // (same socket, same flow; TCP retransmits by itself).
    if (udp && id.empty() && errno != ECONNREFUSED && write(fd, "WHO\n", 4) == 4) {
      id = ReadDatagram(fd, 2000);
    }
    if (id.empty()) {
      // A refused UDP datagram shows up as ECONNREFUSED on the next read.
      int so = 0;
      socklen_t sl = sizeof(so);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
      (so == ECONNREFUSED || errno == ECONNREFUSED ? refused : errors)++;
    } else {
      counts[id]++;
    }
    close(fd);
  }
  for (const auto& [id, c] : counts)
    std::printf("%s %d\n", id.c_str(), c);
  std::printf("errors %d\nrefused %d\n", errors, refused);
  return 0;
}

int Peer(const char* host, int port) {
  sockaddr_storage ss;
  socklen_t len;
  if (!MakeAddr(host, port, &ss, &len)) return 2;
  int err = 0;
  int fd = Connect(ss, len, SOCK_STREAM, &err);
  if (fd < 0) {
    std::printf("error %s\n", std::strerror(err));
    return 1;
  }
  sockaddr_storage peer;
  socklen_t pl = sizeof(peer);
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl);
  char buf[INET6_ADDRSTRLEN] = {};
  int pport;
  if (peer.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&peer);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    pport = ntohs(a->sin_port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&peer);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    pport = ntohs(a->sin6_port);
  }
  std::printf("%s %d\n", buf, pport);
  close(fd);
  return 0;
}

void WriteStatus(const std::string& path, const std::string& backend, long rounds,
                 const std::string& error) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "backend=" << backend << " rounds=" << rounds << " error=" << error << "\n";
  }
  rename(tmp.c_str(), path.c_str());
}

int Hold(const char* host, int port, int seconds, const std::string& status,
         const std::string& stop) {
  sockaddr_storage ss;
  socklen_t len;
  if (!MakeAddr(host, port, &ss, &len)) return 2;
  int err = 0;
  int fd = Connect(ss, len, SOCK_STREAM, &err);
  if (fd < 0) {
    WriteStatus(status, "", 0, std::string("connect:") + std::strerror(err));
    return 1;
  }
  std::string backend;
  if (write(fd, "WHO\n", 4) == 4) backend = ReadLine(fd, 2000);
  if (backend.empty()) {
    WriteStatus(status, "", 0, "no-identity");
    return 1;
  }
  long rounds = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end && access(stop.c_str(), F_OK) != 0) {
    if (write(fd, "ping\n", 5) != 5 || ReadLine(fd, 3000) != "ping") {
      WriteStatus(status, backend, rounds, "broken");
      return 1;
    }
    ++rounds;
    if (rounds % 5 == 0) WriteStatus(status, backend, rounds, "none");
    usleep(20000);
  }
  WriteStatus(status, backend, rounds, "none");
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  for (; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--netns") {
      std::string path = std::string("/run/netns/") + argv[i + 1];
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        std::perror(path.c_str());
        return 2;
      }
      close(fd);
    } else if (a == "--cgroup") {
      std::ofstream procs(std::string(argv[i + 1]) + "/cgroup.procs");
      procs << getpid() << "\n";
      if (!procs.flush()) {
        std::fprintf(stderr, "cannot join cgroup %s\n", argv[i + 1]);
        return 2;
      }
    } else {
      break;
    }
  }
  if (i >= argc) return 2;
  std::string cmd = argv[i];
  int left = argc - i - 1;
  char** a = argv + i + 1;
  if (cmd == "count" && left >= 3)
    return Count(a[0], std::atoi(a[1]), std::atoi(a[2]), left >= 4 && std::string(a[3]) == "udp");
  if (cmd == "peer" && left >= 2) return Peer(a[0], std::atoi(a[1]));
  if (cmd == "hold" && left >= 5) return Hold(a[0], std::atoi(a[1]), std::atoi(a[2]), a[3], a[4]);
  std::fprintf(stderr, "bad command\n");
  return 2;
}
