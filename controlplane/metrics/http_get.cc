#include "controlplane/metrics/http_get.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace skiff::metrics {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 64 << 10;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool ParseDecimal(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 15) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 12) return false;
  size_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * 16 + static_cast<size_t>(d);
  }
  *out = v;
  return true;
}

Status Malformed(const std::string& what) {
  return InvalidArgument("malformed HTTP response: " + what);
}

Result<std::string> Dechunk(std::string_view body, size_t max_body_bytes) {
  std::string out;
  for (;;) {
    size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return Malformed("chunk size line not terminated");
    std::string_view size_text = body.substr(0, eol);
    if (size_t semi = size_text.find(';'); semi != std::string_view::npos) {
      size_text = size_text.substr(0, semi);  // chunk extensions are ignored
    }
    size_t size = 0;
    if (!ParseHex(Trim(size_text), &size)) {
      return Malformed("bad chunk size \"" + std::string(size_text.substr(0, 20)) + "\"");
    }
    body.remove_prefix(eol + 2);
    if (size == 0) return out;  // trailers, if any, are ignored
    if (out.size() + size > max_body_bytes) {
      return InvalidArgument("HTTP response body is larger than " + std::to_string(max_body_bytes) +
                             " bytes");
    }
    if (body.size() < size + 2) return Malformed("chunk shorter than its size");
    if (body.substr(size, 2) != "\r\n") return Malformed("chunk not followed by CRLF");
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

// A connected socket to host:port before `deadline`, or the error.
Result<int> Connect(const HttpGetRequest& req, Clock::time_point deadline) {
  std::string where = req.host + ":" + std::to_string(req.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string port = std::to_string(req.port);
  // Brackets are how v6 literals arrive from host:port strings.
  std::string host = req.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) return Unavailable("resolve " + where + ": " + gai_strerror(rc));
  std::string last_error = "no addresses";
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      freeaddrinfo(list);
      return fd;
    }
    if (errno == EINPROGRESS) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd, POLLOUT, 0};
      int n = left > 0 ? poll(&p, 1, static_cast<int>(left)) : 0;
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        freeaddrinfo(list);
        return fd;
      }
      last_error = n == 0 ? "timed out" : std::strerror(err ? err : errno);
    } else {
      last_error = std::strerror(errno);
    }
    close(fd);
  }
  freeaddrinfo(list);
  if (last_error == "timed out") return Status(StatusCode::kDeadlineExceeded, "connect " + where);
  return Unavailable("connect " + where + ": " + last_error);
}

// Waits until fd is ready for `events`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<HttpReply> ParseHttpResponse(std::string_view raw, size_t max_body_bytes) {
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return Malformed(raw.size() > kMaxHeaderBytes ? "headers too large" : "headers not terminated");
  }
  std::string_view head = raw.substr(0, head_end);
  std::string_view body = raw.substr(head_end + 4);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    return Malformed("bad status line \"" + std::string(status_line.substr(0, 40)) + "\"");
  }
  size_t code = 0;
  if (!ParseDecimal(status_line.substr(9, 3), &code) || code < 100 || code > 599 ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return Malformed("bad status code in \"" + std::string(status_line.substr(0, 40)) + "\"");
  }
  bool chunked = false;
  bool has_length = false;
  size_t length = 0;
  std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  while (!rest.empty()) {
    size_t e = rest.find("\r\n");
    std::string_view line = rest.substr(0, e);
    rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Malformed("bad header line \"" + std::string(line.substr(0, 40)) + "\"");
    }
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "transfer-encoding") {
      chunked = Lower(value).find("chunked") != std::string::npos;
    } else if (name == "content-length") {
      if (!ParseDecimal(value, &length)) {
        return Malformed("bad Content-Length \"" + std::string(value.substr(0, 20)) + "\"");
      }
      has_length = true;
    }
  }
  HttpReply reply;
  reply.status = static_cast<int>(code);
  if (chunked) {
    auto decoded = Dechunk(body, max_body_bytes);
    if (!decoded.ok()) return decoded.status();
    reply.body = std::move(*decoded);
    return reply;
  }
  if (has_length) {
    if (length > max_body_bytes) {
      return InvalidArgument("HTTP response body is larger than " + std::to_string(max_body_bytes) +
                             " bytes");
    }
    if (body.size() < length) {
      return Malformed("body ended after " + std::to_string(body.size()) + " of " +
                       std::to_string(length) + " bytes");
    }
    reply.body = std::string(body.substr(0, length));
    return reply;
  }
  if (body.size() > max_body_bytes) {
    return InvalidArgument("HTTP response body is larger than " + std::to_string(max_body_bytes) +
                           " bytes");
  }
  reply.body = std::string(body);
  return reply;
}

Result<HttpReply> HttpGet(const HttpGetRequest& req) {
  std::string where = req.host + ":" + std::to_string(req.port);
  if (req.host.empty() || req.port == 0) {
    return InvalidArgument("HTTP GET: host and port are required, got \"" + where + "\"");
  }
  if (req.path.empty() || req.path[0] != '/' ||
      req.path.find_first_of("\r\n ") != std::string::npos) {
    return InvalidArgument("HTTP GET: bad path \"" + req.path + "\"");
  }
  if (req.bearer_token.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("HTTP GET: the bearer token contains a line break");
  }
  auto deadline = Clock::now() + req.timeout;
  auto fd = Connect(req, deadline);
  if (!fd.ok()) return fd.status();
  std::string host_header = req.host.find(':') != std::string::npos && req.host.front() != '['
                                ? "[" + req.host + "]"
                                : req.host;
  std::string msg = "GET " + req.path + " HTTP/1.1\r\nHost: " + host_header + ":" +
                    std::to_string(req.port) +
                    "\r\nAccept: application/json\r\nUser-Agent: skiff-metrics\r\n"
                    "Connection: close\r\n";
  if (!req.bearer_token.empty()) msg += "Authorization: Bearer " + req.bearer_token + "\r\n";
  msg += "\r\n";
  size_t sent = 0;
  while (sent < msg.size()) {
    if (!WaitFor(*fd, POLLOUT, deadline)) {
      close(*fd);
      return Status(StatusCode::kDeadlineExceeded, "GET " + where + req.path + ": send timed out");
    }
    ssize_t n = send(*fd, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      std::string err = std::strerror(errno);
      close(*fd);
      return Unavailable("GET " + where + req.path + ": send: " + err);
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  size_t limit = req.max_body_bytes + kMaxHeaderBytes;
  char buf[64 << 10];
  for (;;) {
    if (!WaitFor(*fd, POLLIN, deadline)) {
      close(*fd);
      return Status(StatusCode::kDeadlineExceeded, "GET " + where + req.path +
                                                       ": no complete response within " +
                                                       std::to_string(req.timeout.count()) + " ms");
    }
    ssize_t n = recv(*fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      std::string err = std::strerror(errno);
      close(*fd);
      return Unavailable("GET " + where + req.path + ": receive: " + err);
    }
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > limit) {
      close(*fd);
      return InvalidArgument("GET " + where + req.path + ": response is larger than " +
                             std::to_string(limit) + " bytes");
    }
  }
  close(*fd);
  auto reply = ParseHttpResponse(raw, req.max_body_bytes);
  if (!reply.ok()) return reply.status().WithContext("GET " + where + req.path);
  return reply;
}

}  // namespace skiff::metrics
