// A minimal HTTP/1.1 server for operational endpoints (/metrics, /healthz,
// /ready): GET/HEAD only, one request per connection, bodies up to a few MB.
// It is not for user traffic. Handlers run on the server's own thread, one at
// a time, and must be quick and thread-safe with respect to the rest of the
// program.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/metrics.h"
#include "common/status.h"

namespace skiff::http {

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/metrics"
  std::string query;   // text after '?', undecoded
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  // Listens on `listen` ("127.0.0.1:9090", "[::1]:0", ":9090"; port 0 picks a
  // free port). Unknown paths get 404. Returns INVALID_ARGUMENT for a bad
  // address, UNAVAILABLE when the bind fails.
  static Result<std::unique_ptr<Server>> Start(std::string_view listen,
                                               std::map<std::string, Handler> routes);
  ~Server();  // stops accepting and joins the thread
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }

 private:
  Server(int fd, uint16_t port, std::map<std::string, Handler> routes);
  void Loop();

  int fd_;
  int wake_[2] = {-1, -1};
  uint16_t port_;
  std::map<std::string, Handler> routes_;
  std::thread thread_;
};

// The reason phrase of an HTTP status code ("Not Found"); "Unknown" for
// codes Skiff does not send.
const char* ReasonPhrase(int status);

// Serves registry.Render() as Prometheus text.
Handler MetricsHandler(const metrics::Registry& registry = metrics::Registry::Default());
// Always 200 "ok".
Handler OkHandler();

}  // namespace skiff::http
