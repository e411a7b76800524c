// StubHttpServer: a loopback HTTP/1.1 server for tests of HTTP clients (the
// collector, HttpGet). Connections are served one at a time on the server's
// thread: the request head is read and handed to `respond`, whose answer is
// written verbatim before the connection closes. A nullopt answer keeps the
// connection open without replying until the server stops (a hung agent)
// while later connections are still served.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace skiff::metrics::testing {

struct StubRequest {
  std::string head;           // request line and headers, as received
  std::string path;           // "/stats/summary"
  std::string authorization;  // value of the Authorization header, or ""
};

class StubHttpServer {
 public:
  using Respond = std::function<std::optional<std::string>(const StubRequest&)>;

  // Listens on 127.0.0.1 on a free port.
  explicit StubHttpServer(Respond respond);
  ~StubHttpServer();  // stops and joins

  uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }
  StubRequest last_request() const;

  // "HTTP/1.1 <status> X\r\nContent-Length: N\r\n\r\n<body>".
  static std::string Reply(int status, const std::string& body,
                           const std::string& content_type = "application/json");

 private:
  void Serve();

  Respond respond_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  StubRequest last_;
  std::thread thread_;
};

}  // namespace skiff::metrics::testing
