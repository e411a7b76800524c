#include "common/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace skiff::http {
namespace {

std::string Fetch(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) return "connect failed";
  send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
    out.append(buf, n);
  close(fd);
  return out;
}

TEST(HttpServer, ServesRoutesAnd404) {
  metrics::Registry registry;
  registry.GetCounter("hits_total", "Hits.").Inc(7);
  auto server = Server::Start("127.0.0.1:0",
                              {{"/metrics", MetricsHandler(registry)}, {"/healthz", OkHandler()}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);
  std::string m = Fetch(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(m.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << m;
  EXPECT_NE(m.find("hits_total 7\n"), std::string::npos);
  EXPECT_NE(Fetch(port, "GET /healthz?x=1 HTTP/1.1\r\n\r\n").find("\r\n\r\nok\n"),
            std::string::npos);
  EXPECT_EQ(Fetch(port, "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Fetch(port, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
}

TEST(HttpServer, BadAddressIsInvalidArgument) {
  auto server = Server::Start("nonsense", {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace skiff::http
