// A small HTTP/1.1 GET client for scraping node agents: one request per
// connection (Connection: close), an optional bearer token, a deadline for
// the whole exchange and a cap on the body size. Plain HTTP only: the
// agent's port serves plain HTTP and checks the token itself.
//
// Thread-safety: free functions without shared state; call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::metrics {

struct HttpGetRequest {
  std::string host;  // IP literal (v4 or v6) or a name getaddrinfo resolves
  uint16_t port = 0;
  std::string path = "/";                    // with the query, already encoded
  std::string bearer_token;                  // "" sends no Authorization header
  std::chrono::milliseconds timeout{10000};  // connect + send + receive
  size_t max_body_bytes = 64 << 20;
};

struct HttpReply {
  int status = 0;
  std::string body;  // de-chunked
};

// Performs the GET. Errors: UNAVAILABLE (resolve/connect/read failures, with
// host:port), DEADLINE_EXCEEDED (the timeout), INVALID_ARGUMENT (a malformed
// response or one larger than max_body_bytes). A non-2xx status is not an
// error here: the caller reads reply.status.
Result<HttpReply> HttpGet(const HttpGetRequest& request);

// Parses a complete response as read from the connection up to EOF: the
// status line, headers, and a body delimited by chunked encoding,
// Content-Length or the end of input. INVALID_ARGUMENT says what is wrong.
Result<HttpReply> ParseHttpResponse(std::string_view raw, size_t max_body_bytes);

}  // namespace skiff::metrics
