// httpGet and tcpSocket actions against local servers (loopback only).
#include "node/pod/handlers.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "api/int_or_string.h"

namespace skiff::node {
namespace {

using namespace std::chrono_literals;

// Answers every connection with `reply` (or nothing, when empty) and
// remembers the last request.
class TinyServer {
 public:
  explicit TinyServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n > 0) last_request_.assign(buf, static_cast<size_t>(n));
        if (!reply_.empty()) {
          ssize_t ignored = send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
          (void)ignored;
          close(c);
        } else {
          std::this_thread::sleep_for(1500ms);  // never answers in time
          close(c);
        }
      }
    });
  }
  ~TinyServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string last_request() const { return last_request_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::string last_request_;
  std::thread thread_;
};

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

api::HTTPGetAction Get(int port, const std::string& path = "/healthz") {
  api::HTTPGetAction g;
  g.set_path(path);
  api::SetInt(g.mutable_port(), port);
  return g;
}

ActionTarget Loopback() {
  ActionTarget t;
  t.pod_ip = "127.0.0.1";
  return t;
}

TEST(HttpGetActionTest, SuccessRangeAndHeaders) {
  TinyServer ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  api::HTTPGetAction g = Get(ok.port(), "/ready?x=1");
  auto* h = g.add_http_headers();
  h->set_name("X-Probe");
  h->set_value("yes");
  ActionResult r = RunHttpGetAction(g, Loopback(), 1s);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_NE(ok.last_request().find("GET /ready?x=1 HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(ok.last_request().find("X-Probe: yes\r\n"), std::string::npos);
  EXPECT_NE(ok.last_request().find("User-Agent: kube-probe/"), std::string::npos);
  TinyServer redirect("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n");
  EXPECT_TRUE(RunHttpGetAction(Get(redirect.port()), Loopback(), 1s).success);
}

TEST(HttpGetActionTest, FailuresInKubeletsWords) {
  TinyServer bad("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  ActionResult r = RunHttpGetAction(Get(bad.port()), Loopback(), 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "HTTP probe failed with statuscode: 503");
  int closed = ClosedPort();
  r = RunHttpGetAction(Get(closed), Loopback(), 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "Get \"http://127.0.0.1:" + std::to_string(closed) +
                           "/healthz\": dial tcp 127.0.0.1:" + std::to_string(closed) +
                           ": connect: connection refused");
  TinyServer silent("");
  r = RunHttpGetAction(Get(silent.port()), Loopback(), 300ms);
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.message.find("Client.Timeout exceeded while awaiting headers"), std::string::npos)
      << r.message;
}

TEST(HttpGetActionTest, NamedPorts) {
  TinyServer ok("HTTP/1.1 200 OK\r\n\r\n");
  api::Container c;
  auto* p = c.add_ports();
  p->set_name("http");
  p->set_container_port(ok.port());
  api::HTTPGetAction g;
  api::SetString(g.mutable_port(), "http");
  ActionTarget t = Loopback();
  t.container = &c;
  EXPECT_TRUE(RunHttpGetAction(g, t, 1s).success);
  api::SetString(g.mutable_port(), "metrics");
  ActionResult r = RunHttpGetAction(g, t, 1s);
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.message.find("couldn't find port: metrics"), std::string::npos);
}

TEST(TcpActionTest, ConnectOrNot) {
  TinyServer ok("x");
  api::TCPSocketAction tcp;
  api::SetInt(tcp.mutable_port(), ok.port());
  EXPECT_TRUE(RunTcpAction(tcp, Loopback(), 1s).success);
  int closed = ClosedPort();
  api::SetInt(tcp.mutable_port(), closed);
  ActionResult r = RunTcpAction(tcp, Loopback(), 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message,
            "dial tcp 127.0.0.1:" + std::to_string(closed) + ": connect: connection refused");
}

TEST(ProbeHandlerTest, UnsupportedAndEmpty) {
  api::Probe p;
  EXPECT_EQ(RunProbeHandler(p, Loopback()).message, "probe has no handler");
  p.mutable_grpc()->set_port(1);
  EXPECT_FALSE(RunProbeHandler(p, Loopback()).success);
  api::ExecAction e;
  EXPECT_FALSE(RunExecAction(e, Loopback(), 1s).success);
}

}  // namespace
}  // namespace skiff::node
