#include "dns/server.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/net.h"

namespace skiff::dns {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Result<int> OpenSocket(const sockaddr_storage& sa, socklen_t len, int type) {
  int fd = ::socket(sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (type == SOCK_DGRAM) {
    int buf = 4 << 20;  // absorb bursts; the kernel caps it at rmem_max
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    // Replies carry DF and ignore learned path MTUs (a forged ICMP cannot
    // shrink them into fragments); one larger than the interface MTU fails
    // with EMSGSIZE and goes out truncated. DF also spares the kernel an IP
    // ID per reply.
    int probe = IP_PMTUDISC_PROBE;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
    if (sa.ss_family == AF_INET6) {
      int probe6 = IPV6_PMTUDISC_PROBE;
      setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe6, sizeof probe6);
    }
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), len) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 1024) != 0)) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Unavailable(std::string(type == SOCK_DGRAM ? "UDP" : "TCP") + " bind: " + err);
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace

class Server::Worker {
 public:
  Worker(Server& s, int index, int udp_fd, int tcp_fd, bool v6)
      : s_(s),
        index_(index),
        stats_(s.stats_.slot(index)),
        reader_(s.state_.snapshots().NewReader()),
        udp_(io_),
        acceptor_(io_),
        v6_(v6),
        tx_size_(s.responder_.config().max_udp_size) {
    udp_.assign(v6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), udp_fd);
    acceptor_.assign(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), tcp_fd);
    rx_.resize(kBatch * kRxSize);
    tx_.resize(kBatch * tx_size_);
  }

  ~Worker() {
    Stop();
    if (hot_fd_ >= 0) ::close(hot_fd_);  // released from udp_, which no longer closes it
  }

  void Start() {
    thread_ = std::thread([this] {
      if (!s_.cfg_.cpus.empty()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(s_.cfg_.cpus[index_ % s_.cfg_.cpus.size()], &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      }
      // The coalescing pause is tens of microseconds: the default 50 us timer
      // slack would double it.
      if (s_.cfg_.udp_coalesce.count() > 0) prctl(PR_SET_TIMERSLACK, 2000UL, 0, 0, 0);
      WaitUdp();
      Accept();
      io_.run();
    });
  }
  void Stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Answers one request inside a read section. Returns the reply length in
  // `out`, or 0 when there is nothing to send now (dropped, or handed to the
  // forwarder, which calls `later` with the reply).
  // `parsed`: the query was already parsed into `q` with that result (a UDP
  // batch parses ahead to prefetch); nullptr parses here.
  template <typename MakeLater>
  size_t Answer(const uint8_t* req, size_t len, bool tcp, const Zone& zone, bool synced, Query& q,
                const ParseStatus* parsed, uint8_t* out, MakeLater&& later) {
    if (parsed == nullptr) q.qtype = 0;
    Outcome o =
        parsed ? s_.responder_.HandleParsed(req, tcp, zone, synced, rotation_++, *parsed, &q, out)
               : s_.responder_.Handle(req, len, tcp, zone, synced, rotation_++, &q, out);
    if (o.kind == Outcome::kDrop) {
      WorkerStats::Add(stats_.dropped);
      return 0;
    }
    stats_.CountRequest(tcp ? Proto::kTcp : Proto::kUdp, q.qtype);
    if (o.kind == Outcome::kReply) {
      stats_.CountResponse(o.rcode);
      if (o.truncated) WorkerStats::Add(stats_.truncated);
      return o.len;
    }
    return Forward(o, req, tcp, q, out, later);
  }

  template <typename MakeLater>
  size_t Forward(const Outcome& o, const uint8_t* req, bool tcp, const Query& q, uint8_t* out,
                 MakeLater&& later) {
    ClientView c;
    c.id = q.id;
    c.flags = q.flags;
    c.question =
        std::string_view(reinterpret_cast<const char*>(req) + kHeaderSize, q.question_len());
    c.has_edns = q.has_edns;
    c.edns_do = q.edns_do;
    c.limit = tcp ? kMaxTcpMessage : s_.responder_.UdpLimit(q);
    c.our_udp_size = s_.responder_.config().max_udp_size;
    Forwarder* fw = s_.forwarder_;
    if (fw == nullptr || !fw->enabled()) {
      stats_.CountResponse(rcode::kRefused);
      return BuildErrorReply(c, rcode::kRefused, out);
    }
    if (fw->IsProbe(q.lower, q.qname_len)) {
      fw->NoteProbeSeen();
      stats_.CountResponse(rcode::kServFail);
      return BuildErrorReply(c, rcode::kServFail, out);
    }
    WorkerStats::Add(stats_.forwarded);
    const uint8_t* ask = o.chase_name ? o.chase_name : q.lower;
    const size_t ask_len = o.chase_name ? o.chase_len : q.qname_len;
    std::string prefix;
    if (o.chase_name)
      prefix.assign(reinterpret_cast<const char*>(out) + o.prefix_off, o.prefix_len);
    const bool cd = q.flags & flag::kCD;
    if (s_.cache_ != nullptr && !fw->loop_detected()) {
      uint8_t key[kMaxNameLen + 5];
      size_t kl = CacheKey(ask, ask_len, q.qtype, q.qclass, q.edns_do, cd, key);
      auto now = Clock::now();
      auto hit = s_.cache_->Get(std::string_view(reinterpret_cast<char*>(key), kl), now);
      if (hit) {
        WorkerStats::Add(stats_.cache_hits);
        size_t n = BuildForwardedReply(*hit, c, now, prefix, o.prefix_count, out);
        stats_.CountResponse(Get16(out + 2) & flag::kRcodeMask);
        return n;
      }
      WorkerStats::Add(stats_.cache_misses);
    }
    ForwardRequest r;
    r.qname.assign(reinterpret_cast<const char*>(ask), ask_len);
    r.qtype = q.qtype;
    r.qclass = q.qclass;
    r.id = c.id;
    r.flags = c.flags;
    r.question = c.question;
    r.has_edns = c.has_edns;
    r.edns_do = c.edns_do;
    r.limit = c.limit;
    r.our_udp_size = c.our_udp_size;
    r.prefix = std::move(prefix);
    r.prefix_count = o.prefix_count;
    r.received = Clock::now();
    r.reply = later();
    fw->Submit(std::move(r));
    return 0;
  }

  asio::io_context& io() { return io_; }
  WorkerStats& stats() { return stats_; }
  Server& server() { return s_; }
  SnapshotCell<Zone>::Reader& reader() { return *reader_; }
  size_t conns = 0;  // open TCP connections (worker thread only)

 private:
  class Conn;
  static constexpr int kBatch = 32;
  static constexpr size_t kRxSize = 4096;  // larger queries are malformed for us

  // UDP has two modes. Cold: the socket sits in the io_context's epoll and
  // each readiness drains it. Hot (the receive rate is at least
  // udp_coalesce_min_qps): the socket leaves epoll and a posted step pauses
  // udp_coalesce, drains, and posts itself again, so TCP and timers still run
  // between steps. Out of epoll, the kernel no longer wakes an epoll entry for
  // every reply it frees (sock_wfree) or every query it queues; the worker
  // returns to cold mode once the rate falls.
  void WaitUdp() {
    udp_.async_wait(asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;
      if (DrainUdp(udp_.native_handle())) return EnterHot();
      WaitUdp();
    });
  }

  void EnterHot() {
    boost::system::error_code ec;
    const int fd = udp_.release(ec);
    if (ec) return WaitUdp();  // stays in epoll: still served, only costlier
    hot_fd_ = fd;
    asio::post(io_, [this] { HotStep(); });
  }

  void HotStep() {
    const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(s_.cfg_.udp_coalesce);
    timespec ts{0, static_cast<long>(pause.count())};
    nanosleep(&ts, nullptr);
    if (DrainUdp(hot_fd_)) {
      asio::post(io_, [this] { HotStep(); });
      return;
    }
    boost::system::error_code ec;
    udp_.assign(v6_ ? asio::ip::udp::v6() : asio::ip::udp::v4(), hot_fd_, ec);
    if (ec) {  // cannot rejoin epoll (out of memory): keep polling
      asio::post(io_, [this] { HotStep(); });
      return;
    }
    hot_fd_ = -1;
    WaitUdp();
  }

  // Answers up to 16 batches from `fd`, stopping early at a partial batch.
  // Returns whether the receive rate calls for hot mode.
  bool DrainUdp(int fd) {
    for (int round = 0; round < 16; ++round) {  // then yield to TCP and timers
      const int n = ServeBatch(fd);
      const bool coalescing = Coalescing(NowNs(), static_cast<uint64_t>(n > 0 ? n : 0));
      if (n < kBatch) return coalescing;
    }
    return Coalescing(NowNs(), 0);
  }

  // One recvmmsg, the answers, one sendmmsg. Returns the queries received.
  int ServeBatch(int fd) {
    for (int i = 0; i < kBatch; ++i) {
      rx_iov_[i] = {rx_.data() + i * kRxSize, kRxSize};
      rx_msgs_[i].msg_hdr = {};
      rx_msgs_[i].msg_hdr.msg_name = &addrs_[i];
      rx_msgs_[i].msg_hdr.msg_namelen = sizeof addrs_[i];
      rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[i];
      rx_msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = recvmmsg(fd, rx_msgs_, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return 0;
    const uint64_t t0 = NowNs();
    const Zone* zone = reader_->Enter();
    const bool synced = s_.state_.synced();
    // Parse the whole batch first and walk the zone's hash table in stages
    // (slot, node, records), so the cache misses of all queries overlap
    // instead of stalling each answer in turn.
    for (int i = 0; i < n; ++i) {
      const bool whole = !(rx_msgs_[i].msg_hdr.msg_flags & MSG_TRUNC);
      batch_q_[i].qtype = 0;
      parsed_[i] = whole ? ParseQuery(rx_.data() + i * kRxSize, rx_msgs_[i].msg_len, &batch_q_[i])
                         : ParseStatus::kDrop;
      if (parsed_[i] == ParseStatus::kOk) zone->Prefetch(batch_q_[i].hash, 0);
    }
    for (int stage = 1; stage <= 2; ++stage) {
      for (int i = 0; i < n; ++i) {
        if (parsed_[i] == ParseStatus::kOk) zone->Prefetch(batch_q_[i].hash, stage);
      }
    }
    int out = 0;
    for (int i = 0; i < n; ++i) {
      const uint8_t* req = rx_.data() + i * kRxSize;
      uint8_t* tx = tx_.data() + out * tx_size_;
      size_t len;
      if (rx_msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) {
        // Oversized: FORMERR, unless it is not even a query.
        if (rx_msgs_[i].msg_len < kHeaderSize || (req[2] & 0x80)) continue;
        len = WriteErrorHeader(Get16(req), Get16(req + 2), rcode::kFormErr, tx);
        stats_.CountRequest(Proto::kUdp, 0);
        stats_.CountResponse(rcode::kFormErr);
      } else {
        const sockaddr_storage& addr = addrs_[i];
        const socklen_t alen = rx_msgs_[i].msg_hdr.msg_namelen;
        len = Answer(req, rx_msgs_[i].msg_len, false, *zone, synced, batch_q_[i], &parsed_[i], tx,
                     [fd, addr, alen] {
                       return [fd, addr, alen](const uint8_t* d, size_t l, uint16_t) {
                         SendReply(fd, d, l, addr, alen);
                       };
                     });
      }
      if (len == 0) continue;
      tx_iov_[out] = {tx, len};
      tx_msgs_[out].msg_hdr = {};
      tx_msgs_[out].msg_hdr.msg_name = &addrs_[i];
      tx_msgs_[out].msg_hdr.msg_namelen = rx_msgs_[i].msg_hdr.msg_namelen;
      tx_msgs_[out].msg_hdr.msg_iov = &tx_iov_[out];
      tx_msgs_[out].msg_hdr.msg_iovlen = 1;
      ++out;
    }
    reader_->Exit();
    for (int sent = 0; sent < out;) {
      int r = sendmmsg(fd, tx_msgs_ + sent, out - sent, MSG_DONTWAIT);
      if (r > 0) {
        sent += r;
      } else if (r < 0 && errno == EMSGSIZE) {
        // Larger than the interface MTU (IP_PMTUDISC_PROBE): send it truncated.
        iovec& v = tx_iov_[sent];
        const size_t cut = TruncateReply(static_cast<uint8_t*>(v.iov_base), v.iov_len);
        if (cut == 0 || cut == v.iov_len)
          ++sent;
        else
          v.iov_len = cut;
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        break;  // socket buffer full: UDP may drop, the client retries
      }
    }
    if (out > 0) stats_.ObserveLatency(NowNs() - t0, static_cast<uint64_t>(out));
    return n;
  }

  // Sends one UDP reply outside a batch (the forwarder's), truncated when
  // it is larger than the interface MTU.
  static void SendReply(int fd, const uint8_t* msg, size_t len, const sockaddr_storage& addr,
                        socklen_t alen) {
    auto send = [&](const uint8_t* m, size_t l) {
      return ::sendto(fd, m, l, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&addr), alen);
    };
    if (send(msg, len) >= 0 || errno != EMSGSIZE) return;
    std::vector<uint8_t> copy(msg, msg + len);
    if (size_t cut = TruncateReply(copy.data(), copy.size())) send(copy.data(), cut);
  }

  // Counts `n` queries received at `now_ns` and says whether the receive
  // rate over the last window is high enough to pause before the next
  // recvmmsg (ServerConfig::udp_coalesce).
  bool Coalescing(uint64_t now_ns, uint64_t n) {
    if (s_.cfg_.udp_coalesce.count() <= 0) return false;
    constexpr uint64_t kWindowNs = 1000000;
    window_queries_ += n;
    const uint64_t elapsed = now_ns - window_start_ns_;
    if (elapsed >= kWindowNs) {
      coalescing_ = window_queries_ * 1000000000ull >=
                    static_cast<uint64_t>(s_.cfg_.udp_coalesce_min_qps) * elapsed;
      window_start_ns_ = now_ns;
      window_queries_ = 0;
    }
    return coalescing_;
  }

  void Accept();

  Server& s_;
  int index_;
  WorkerStats& stats_;
  std::unique_ptr<SnapshotCell<Zone>::Reader> reader_;
  asio::io_context io_{1};
  asio::ip::udp::socket udp_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  Query q_;                // TCP
  Query batch_q_[kBatch];  // UDP batch, parsed ahead
  ParseStatus parsed_[kBatch];
  uint32_t rotation_ = 0;
  uint64_t window_start_ns_ = 0, window_queries_ = 0;  // receive-rate window (Coalescing)
  bool coalescing_ = false;
  const bool v6_;
  int hot_fd_ = -1;  // the UDP socket while it is out of epoll (hot mode)
  const size_t tx_size_;
  std::vector<uint8_t> rx_, tx_;
  mmsghdr rx_msgs_[kBatch], tx_msgs_[kBatch];
  iovec rx_iov_[kBatch], tx_iov_[kBatch];
  sockaddr_storage addrs_[kBatch];
};

// One TCP client: length-prefixed messages answered in order (RFC 7766).
class Server::Worker::Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(Worker& w, asio::ip::tcp::socket sock)
      : w_(w), sock_(std::move(sock)), timer_(w.io()), out_(kMaxTcpMessage + 2) {
    ++w_.conns;
  }
  ~Conn() { --w_.conns; }

  void ReadLength() {
    ArmTimer();
    auto self = shared_from_this();
    asio::async_read(sock_, asio::buffer(len_, 2),
                     [self](const boost::system::error_code& ec, size_t) {
                       if (ec) return self->Close();
                       size_t n = Get16(self->len_);
                       if (n == 0) return self->Close();
                       self->body_.resize(n);
                       asio::async_read(self->sock_, asio::buffer(self->body_),
                                        [self](const boost::system::error_code& ec2, size_t) {
                                          if (ec2) return self->Close();
                                          self->Process();
                                        });
                     });
  }

 private:
  void Process() {
    t0_ = NowNs();
    auto& reader = w_.reader();
    const Zone* zone = reader.Enter();
    auto self = shared_from_this();
    asio::io_context& io = w_.io();
    size_t n = w_.Answer(body_.data(), body_.size(), true, *zone, w_.server().state_.synced(),
                         w_.q_, nullptr, out_.data() + 2, [self, &io] {
                           return [self, &io](const uint8_t* d, size_t l, uint16_t) {
                             std::vector<uint8_t> copy(d, d + l);
                             asio::post(io, [self, copy = std::move(copy)] {
                               std::memcpy(self->out_.data() + 2, copy.data(), copy.size());
                               self->Write(copy.size(), false);
                             });
                           };
                         });
    reader.Exit();
    if (n > 0) {
      Write(n, true);
    } else if (body_.size() < kHeaderSize || (Get16(body_.data() + 2) & flag::kQR)) {
      Close();  // not a query: this is not a DNS client
    }
    // else: the forwarder answers through the posted callback.
  }

  void Write(size_t n, bool local) {
    if (local) w_.stats().ObserveLatency(NowNs() - t0_);
    Put16(out_.data(), static_cast<uint16_t>(n));
    auto self = shared_from_this();
    asio::async_write(sock_, asio::buffer(out_.data(), n + 2),
                      [self](const boost::system::error_code& ec, size_t) {
                        if (ec) return self->Close();
                        self->ReadLength();
                      });
  }

  void ArmTimer() {
    timer_.expires_after(w_.server().cfg_.tcp_idle_timeout);
    std::weak_ptr<Conn> weak = weak_from_this();
    timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->Close();
    });
  }

  void Close() {
    boost::system::error_code ec;
    timer_.cancel();
    sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

  Worker& w_;
  asio::ip::tcp::socket sock_;
  asio::steady_timer timer_;
  uint8_t len_[2];
  std::vector<uint8_t> body_;
  std::vector<uint8_t> out_;
  uint64_t t0_ = 0;
};

void Server::Worker::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (conns >= s_.cfg_.tcp_max_connections) {
        boost::system::error_code ignore;
        sock.close(ignore);
      } else {
        std::make_shared<Conn>(*this, std::move(sock))->ReadLength();
      }
    }
    Accept();
  });
}

Server::Server(ServerConfig cfg, const Responder& responder, ClusterState& state,
               Forwarder* forwarder, ResponseCache* cache, Stats& stats)
    : cfg_(std::move(cfg)),
      responder_(responder),
      state_(state),
      forwarder_(forwarder),
      cache_(cache),
      stats_(stats) {}

Server::~Server() {
  Stop();
  workers_.clear();
}

Status Server::Start() {
  auto hp = net::ParseHostPort(cfg_.listen);
  if (!hp.ok()) return hp.status().WithContext("--listen");
  if (cfg_.workers < 1 || static_cast<size_t>(cfg_.workers) > stats_.slots()) {
    return InvalidArgument("workers must be 1.." + std::to_string(stats_.slots()));
  }
  std::vector<std::pair<int, int>> fds;
  auto close_all = [&] {
    for (auto [u, t] : fds) {
      ::close(u);
      ::close(t);
    }
  };
  net::HostPort want = *hp;
  // With port 0 the first UDP bind picks the port; TCP must then get the
  // same one, which can be taken: retry a few times.
  for (int attempt = 0; attempt < 20 && fds.empty(); ++attempt) {
    for (int i = 0; i < cfg_.workers; ++i) {
      sockaddr_storage sa;
      auto len = net::ToSockaddr(want, &sa);
      if (!len.ok()) return len.status().WithContext("--listen");
      auto udp = OpenSocket(sa, *len, SOCK_DGRAM);
      if (!udp.ok()) {
        close_all();
        return udp.status().WithContext("listen " + cfg_.listen);
      }
      if (want.port == 0) want.port = BoundPort(*udp);
      (void)net::ToSockaddr(want, &sa);
      auto tcp = OpenSocket(sa, *len, SOCK_STREAM);
      if (!tcp.ok()) {
        ::close(*udp);
        close_all();
        fds.clear();
        if (hp->port == 0) {
          want.port = 0;
          break;  // try another port
        }
        return tcp.status().WithContext("listen " + cfg_.listen);
      }
      fds.emplace_back(*udp, *tcp);
    }
  }
  if (fds.empty()) return Unavailable("listen " + cfg_.listen + ": no free port for UDP and TCP");
  port_ = want.port;
  const bool v6 = want.host.find(':') != std::string::npos;
  for (int i = 0; i < cfg_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i, fds[i].first, fds[i].second, v6));
  }
  for (auto& w : workers_)
    w->Start();
  running_ = true;
  log::Get("dns")->info("serving dns listen={} port={} workers={}", cfg_.listen, port_,
                        cfg_.workers);
  return Status::Ok();
}

void Server::Stop() {
  for (auto& w : workers_)
    w->Stop();
  running_ = false;
}

}  // namespace skiff::dns
