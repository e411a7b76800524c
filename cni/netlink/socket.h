// A raw NETLINK_ROUTE socket and a message builder: the only way skiff-cni
// talks to the kernel's network configuration (no `ip` processes). Several
// requests can be sent in one sendmsg() and their acknowledgements collected
// together, which keeps an ADD at a handful of syscalls.
//
// A socket is bound to the network namespace that was current for the
// calling thread when it was opened, and keeps operating there regardless of
// later setns() calls. Not thread-safe: one socket per thread.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::cni::nl {

// One netlink request under construction: nlmsghdr, a fixed family header
// (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) and attributes.
class Request {
 public:
  // `what` describes the request in errors ("add address 10.1.0.5/32 on eth0").
  Request(uint16_t type, uint16_t flags, std::string what);

  // The fixed header that follows nlmsghdr; call once, before any attribute.
  template <typename T>
  T* Header() {
    size_t off = Reserve(sizeof(T));
    return reinterpret_cast<T*>(buf_.data() + off);
  }
  // Header access after more data was appended (Reserve may move the buffer).
  template <typename T>
  T* HeaderAt() {
    return reinterpret_cast<T*>(buf_.data() + NLMSG_HDRLEN);
  }

  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, 1); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, 4); }
  void PutString(uint16_t type, std::string_view s);  // NUL-terminated
  // Appends raw bytes (padded to alignment), e.g. the ifinfomsg that starts a
  // veth peer's nested attributes.
  void AppendRaw(const void* data, size_t len);
  // Opens a nested attribute; returns a token for EndNest.
  size_t BeginNest(uint16_t type);
  void EndNest(size_t token);

  const std::string& what() const { return what_; }
  uint8_t* data() { return buf_.data(); }
  size_t size() const { return buf_.size(); }

 private:
  size_t Reserve(size_t len);  // appends len zeroed bytes (aligned), returns offset
  std::vector<uint8_t> buf_;
  std::string what_;
};

// Attribute iteration over a received message's payload.
struct Attr {
  uint16_t type;
  const uint8_t* data;
  size_t len;
  uint32_t u32() const;
  uint8_t u8() const { return len >= 1 ? data[0] : 0; }
  std::string_view str() const;  // without the trailing NUL
};
// Calls fn for every attribute in [data, data+len).
void ForEachAttr(const uint8_t* data, size_t len, const std::function<void(const Attr&)>& fn);

class Socket {
 public:
  // Opens a socket in the calling thread's current network namespace.
  static Result<Socket> Open();

  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  // Sends `req` with NLM_F_ACK and waits for the acknowledgement. The kernel's
  // error becomes a Status whose message is "<what>: <strerror>" and whose
  // code maps errno (ENOENT/ENODEV/ESRCH -> NOT_FOUND, EEXIST -> ALREADY_EXISTS).
  // `err_no`, when given, receives the raw errno (0 on success).
  Status Do(Request& req, int* err_no = nullptr);

  // Sends all requests in one sendmsg and collects every acknowledgement. The
  // kernel processes each request independently; the first failure (in
  // request order) is returned, `failed_index` set to its index.
  Status DoBatch(std::vector<Request>& reqs, size_t* failed_index = nullptr);

  // Sends a dump request (NLM_F_DUMP is added) and calls fn for each message.
  Status Dump(Request& req, const std::function<void(const nlmsghdr*)>& fn);

  // Sends a request that expects exactly one reply message (e.g. RTM_GETLINK
  // by name) and calls fn with it.
  Status Get(Request& req, const std::function<void(const nlmsghdr*)>& fn, int* err_no = nullptr);

 private:
  explicit Socket(int fd) : fd_(fd) {}
  Status Send(std::vector<Request*>& reqs, uint32_t* first_seq);
  Status Receive(std::vector<uint8_t>* buf, size_t* len);

  int fd_ = -1;
  uint32_t seq_ = 1;
};

// Maps an errno from the kernel to a Status code.
StatusCode CodeForErrno(int err);

}  // namespace skiff::cni::nl
