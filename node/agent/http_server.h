// The agent's HTTP server (kubelet's port): one thread per connection, one
// request per connection, and responses that can stream (chunked transfer
// encoding), which `logs -f` needs and common/http_server.h does not offer.
// GET, HEAD and POST; a request body needs Content-Length and at most
// kMaxBody bytes (else 400 / 413). At most `max_connections` are served at
// once; more get 503.
//
// Thread-safety: handlers run on connection threads concurrently.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"

namespace skiff::node {

struct HttpRequest {
  std::string method;
  std::string path;                            // decoded
  std::string query;                           // raw
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // Content-Length bytes, if any
  // Decoded value of a query parameter ("" when absent); has_param tells.
  std::string Param(std::string_view key) const;
  bool HasParam(std::string_view key) const;
  // Every value of a repeated parameter ("command=a&command=b"), in order.
  std::vector<std::string> Params(std::string_view key) const;
  // The token of "Authorization: Bearer <token>", or "".
  std::string BearerToken() const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class ResponseWriter {
 public:
  explicit ResponseWriter(int fd, const std::atomic<bool>* stopping)
      : fd_(fd), stopping_(stopping) {}
  // A complete response, with extra header lines if any.
  void Send(int status, std::string_view content_type, std::string_view body,
            const HttpHeaders& headers = {});
  // Starts a streamed (chunked) response; then Write() pieces.
  bool BeginStream(int status, std::string_view content_type);
  bool Write(std::string_view data);
  // Waits up to `ms` for the client to hang up; true when it did (or the
  // server is stopping).
  bool WaitClosed(int ms);
  bool sent() const { return sent_; }

 private:
  bool WriteRaw(std::string_view data);
  void Finish();
  friend class AgentHttpServer;
  int fd_;
  const std::atomic<bool>* stopping_;
  bool sent_ = false;
  bool chunked_ = false;
  bool broken_ = false;
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;

class AgentHttpServer {
 public:
  // `routes`: path prefix -> handler; the longest matching prefix wins
  // ("/healthz" matches only itself and "/healthz/..."). Plain prefixes
  // serve GET and HEAD; a key "POST /prefix" serves POST. A path served
  // only for the other method answers 405. INVALID_ARGUMENT for
  // a bad address; UNAVAILABLE when the port is taken.
  static Result<std::unique_ptr<AgentHttpServer>> Start(const std::string& listen,
                                                        std::map<std::string, HttpHandler> routes,
                                                        int max_connections = 64);
  ~AgentHttpServer();  // stops accepting, ends streams, joins
  uint16_t port() const { return port_; }

 private:
  AgentHttpServer(int fd, uint16_t port, std::map<std::string, HttpHandler> routes, int max);
  static constexpr size_t kMaxBody = 16 << 20;
  static Status ReadBody(int fd, std::string already, HttpRequest* req);
  void AcceptLoop();
  void Serve(int fd);

  int fd_;
  int wake_[2] = {-1, -1};
  uint16_t port_;
  std::map<std::string, HttpHandler> routes_;
  int max_connections_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<int, std::thread> connections_;  // fd -> thread
  std::vector<std::thread> finished_;
  std::thread accept_thread_;
};

// Parses a request head (request line and headers, without the final empty
// line). INVALID_ARGUMENT for a malformed request line; header lines without
// a colon are ignored. Faces the network: fuzzed (node/agent/fuzz).
Result<HttpRequest> ParseRequestHead(std::string_view head);

// Percent-decoding ('+' is a space in queries).
std::string UrlDecode(std::string_view s, bool plus_is_space);

}  // namespace skiff::node
