#include "cni/netlink/socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

namespace skiff::cni::nl {

Request::Request(uint16_t type, uint16_t flags, std::string what) : what_(std::move(what)) {
  buf_.reserve(256);
  buf_.resize(NLMSG_HDRLEN);
  auto* h = reinterpret_cast<nlmsghdr*>(buf_.data());
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_len = NLMSG_HDRLEN;
}

size_t Request::Reserve(size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + NLMSG_ALIGN(len), 0);
  reinterpret_cast<nlmsghdr*>(buf_.data())->nlmsg_len = static_cast<uint32_t>(buf_.size());
  return off;
}

void Request::Put(uint16_t type, const void* data, size_t len) {
  size_t off = Reserve(NLA_HDRLEN + len);
  auto* a = reinterpret_cast<nlattr*>(buf_.data() + off);
  a->nla_type = type;
  a->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  if (len) std::memcpy(buf_.data() + off + NLA_HDRLEN, data, len);
}

void Request::AppendRaw(const void* data, size_t len) {
  size_t off = Reserve(len);
  if (len) std::memcpy(buf_.data() + off, data, len);
}

void Request::PutString(uint16_t type, std::string_view s) {
  std::string copy(s);
  Put(type, copy.c_str(), copy.size() + 1);
}

size_t Request::BeginNest(uint16_t type) {
  size_t off = Reserve(NLA_HDRLEN);
  auto* a = reinterpret_cast<nlattr*>(buf_.data() + off);
  a->nla_type = type | NLA_F_NESTED;
  return off;
}

void Request::EndNest(size_t token) {
  auto* a = reinterpret_cast<nlattr*>(buf_.data() + token);
  a->nla_len = static_cast<uint16_t>(buf_.size() - token);
}

uint32_t Attr::u32() const {
  uint32_t v = 0;
  if (len >= 4) std::memcpy(&v, data, 4);
  return v;
}

std::string_view Attr::str() const {
  size_t n = len;
  while (n > 0 && data[n - 1] == '\0')
    --n;
  return std::string_view(reinterpret_cast<const char*>(data), n);
}

void ForEachAttr(const uint8_t* data, size_t len, const std::function<void(const Attr&)>& fn) {
  size_t off = 0;
  while (off + NLA_HDRLEN <= len) {
    nlattr a;
    std::memcpy(&a, data + off, sizeof a);
    if (a.nla_len < NLA_HDRLEN || off + a.nla_len > len) break;
    fn(Attr{static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), data + off + NLA_HDRLEN,
            static_cast<size_t>(a.nla_len - NLA_HDRLEN)});
    off += NLA_ALIGN(a.nla_len);
  }
}

StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ESRCH:
    case EADDRNOTAVAIL:
      return StatusCode::kNotFound;
    case EEXIST:
      return StatusCode::kAlreadyExists;
    case EPERM:
    case EACCES:
      return StatusCode::kPermissionDenied;
    case EINVAL:
    case ERANGE:
      return StatusCode::kInvalidArgument;
    case ENETUNREACH:
    case ENETDOWN:
      return StatusCode::kFailedPrecondition;
    default:
      return StatusCode::kInternal;
  }
}

Result<Socket> Socket::Open() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return Internal(std::string("netlink socket: ") + std::strerror(errno));
  int one = 1;
  // Extended acks carry the kernel's own error text; strict checking rejects
  // attributes the kernel does not understand instead of ignoring them.
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int e = errno;
    close(fd);
    return Internal(std::string("netlink bind: ") + std::strerror(e));
  }
  return Socket(fd);
}

Socket::Socket(Socket&& other) noexcept : fd_(other.fd_), seq_(other.seq_) {
  other.fd_ = -1;
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    seq_ = other.seq_;
    other.fd_ = -1;
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

Status Socket::Send(std::vector<Request*>& reqs, uint32_t* first_seq) {
  *first_seq = seq_;
  std::vector<iovec> iov;
  iov.reserve(reqs.size());
  for (Request* r : reqs) {
    auto* h = reinterpret_cast<nlmsghdr*>(r->data());
    h->nlmsg_seq = seq_++;
    iov.push_back({r->data(), r->size()});
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  while (sendmsg(fd_, &msg, 0) < 0) {
    if (errno == EINTR) continue;
    return Internal(std::string("netlink send: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status Socket::Receive(std::vector<uint8_t>* buf, size_t* len) {
  // Dump replies are at most 32 KiB per datagram; 64 KiB leaves headroom.
  if (buf->size() < 65536) buf->resize(65536);
  while (true) {
    iovec iov{buf->data(), buf->size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = recvmsg(fd_, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal(std::string("netlink receive: ") + std::strerror(errno));
    }
    if (msg.msg_flags & MSG_TRUNC) return Internal("netlink receive: message truncated");
    *len = static_cast<size_t>(n);
    return Status::Ok();
  }
}

namespace {

// The kernel's extended-ack message text, if present.
std::string ExtAckText(const nlmsghdr* h) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
  size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += e->msg.nlmsg_len - NLMSG_HDRLEN;
  if (off >= h->nlmsg_len) return {};
  std::string text;
  ForEachAttr(reinterpret_cast<const uint8_t*>(h) + off, h->nlmsg_len - off, [&](const Attr& a) {
    if (a.type == NLMSGERR_ATTR_MSG) text = std::string(a.str());
  });
  return text;
}

Status ErrorStatus(const std::string& what, int err, const std::string& ext) {
  std::string m = what + ": " + std::strerror(err);
  if (!ext.empty()) m += " (" + ext + ")";
  return Status(CodeForErrno(err), std::move(m));
}

}  // namespace

Status Socket::DoBatch(std::vector<Request>& reqs, size_t* failed_index) {
  if (reqs.empty()) return Status::Ok();
  std::vector<Request*> ptrs;
  for (Request& r : reqs) {
    reinterpret_cast<nlmsghdr*>(r.data())->nlmsg_flags |= NLM_F_ACK;
    ptrs.push_back(&r);
  }
  uint32_t first = 0;
  SKIFF_RETURN_IF_ERROR(Send(ptrs, &first));
  size_t pending = reqs.size();
  Status first_error;
  size_t first_error_index = reqs.size();
  std::vector<uint8_t> buf;
  while (pending > 0) {
    size_t len = 0;
    SKIFF_RETURN_IF_ERROR(Receive(&buf, &len));
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      uint32_t idx = h->nlmsg_seq - first;
      if (idx >= reqs.size()) continue;  // stale reply
      --pending;
      const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      if (e->error != 0 && idx < first_error_index) {
        first_error_index = idx;
        first_error = ErrorStatus(reqs[idx].what(), -e->error, ExtAckText(h));
      }
    }
  }
  if (failed_index) *failed_index = first_error_index;
  return first_error;
}

Status Socket::Do(Request& req, int* err_no) {
  std::vector<Request*> ptrs{&req};
  reinterpret_cast<nlmsghdr*>(req.data())->nlmsg_flags |= NLM_F_ACK;
  uint32_t seq = 0;
  if (err_no) *err_no = 0;
  SKIFF_RETURN_IF_ERROR(Send(ptrs, &seq));
  std::vector<uint8_t> buf;
  while (true) {
    size_t len = 0;
    SKIFF_RETURN_IF_ERROR(Receive(&buf, &len));
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) continue;
      const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      if (e->error == 0) return Status::Ok();
      if (err_no) *err_no = -e->error;
      return ErrorStatus(req.what(), -e->error, ExtAckText(h));
    }
  }
}

Status Socket::Get(Request& req, const std::function<void(const nlmsghdr*)>& fn, int* err_no) {
  std::vector<Request*> ptrs{&req};
  uint32_t seq = 0;
  if (err_no) *err_no = 0;
  SKIFF_RETURN_IF_ERROR(Send(ptrs, &seq));
  std::vector<uint8_t> buf;
  while (true) {
    size_t len = 0;
    SKIFF_RETURN_IF_ERROR(Receive(&buf, &len));
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        if (e->error == 0) return Status::Ok();
        if (err_no) *err_no = -e->error;
        return ErrorStatus(req.what(), -e->error, ExtAckText(h));
      }
      fn(h);
      return Status::Ok();
    }
  }
}

Status Socket::Dump(Request& req, const std::function<void(const nlmsghdr*)>& fn) {
  reinterpret_cast<nlmsghdr*>(req.data())->nlmsg_flags |= NLM_F_DUMP;
  std::vector<Request*> ptrs{&req};
  uint32_t seq = 0;
  SKIFF_RETURN_IF_ERROR(Send(ptrs, &seq));
  std::vector<uint8_t> buf;
  while (true) {
    size_t len = 0;
    SKIFF_RETURN_IF_ERROR(Receive(&buf, &len));
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return Status::Ok();
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        if (e->error == 0) return Status::Ok();
        return ErrorStatus(req.what(), -e->error, ExtAckText(h));
      }
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
        return Status(StatusCode::kAborted, req.what() + ": dump interrupted, retry");
      }
      fn(h);
    }
  }
}

}  // namespace skiff::cni::nl
