#include "dns/forwarder.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "common/log.h"

namespace skiff::dns {
namespace {

ares_channel Channel(void* c) {
  return static_cast<ares_channel>(c);
}

std::string RandomHex(std::mt19937_64& rng) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

ClientView ForwardRequest::View() const {
  ClientView c;
  c.id = id;
  c.flags = flags;
  c.question = question;
  c.has_edns = has_edns;
  c.edns_do = edns_do;
  c.limit = limit;
  c.our_udp_size = our_udp_size;
  return c;
}

Result<std::string> NormalizeUpstream(const std::string& text) {
  auto bad = [&](const char* why) {
    return InvalidArgument("upstream \"" + text + "\": " + why +
                           " (want IP, IP:PORT or [IPv6]:PORT)");
  };
  std::string host = text, port = "53";
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return bad("unclosed [");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad("expected : after ]");
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  }
  uint8_t buf[16];
  bool v6 = host.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), buf) != 1) return bad("not an IP address");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) == 0 ||
      std::stoi(port) > 65535) {
    return bad("port must be 1-65535");
  }
  return v6 ? "[" + host + "]:" + port : host + ":" + port;
}

std::vector<std::string> ReadResolvConf(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    if (ls >> key >> value && key == "nameserver") out.push_back(value);
  }
  return out;
}

Forwarder::Forwarder(ForwardConfig cfg, ResponseCache* cache, WorkerStats* stats)
    : cfg_(std::move(cfg)), cache_(cache), stats_(stats) {
  out_.resize(kMaxTcpMessage);
  std::mt19937_64 rng(std::random_device{}());
  probe_ = DottedToWire(RandomHex(rng) + "." + RandomHex(rng) + ".skiff-dns-loop-probe");
}

Forwarder::~Forwarder() {
  Stop();
}

Status Forwarder::Start() {
  std::vector<std::string> servers;
  for (const std::string& u : cfg_.upstreams) {
    auto n = NormalizeUpstream(u);
    if (!n.ok()) return n.status();
    servers.push_back(*n);
  }
  if (servers.empty()) return Status::Ok();
  static std::once_flag init_once;
  std::call_once(init_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  ares_options opts{};
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  opts.timeout = static_cast<int>(cfg_.timeout.count());
  opts.tries = cfg_.tries;
  ares_channel ch = nullptr;
  int rc = ares_init_options(&ch, &opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (rc != ARES_SUCCESS) return Internal(std::string("c-ares init: ") + ares_strerror(rc));
  std::string csv;
  for (const std::string& s : servers)
    csv += (csv.empty() ? "" : ",") + s;
  rc = ares_set_servers_ports_csv(ch, csv.c_str());
  if (rc != ARES_SUCCESS) {
    ares_destroy(ch);
    return InvalidArgument("upstreams \"" + csv + "\": " + ares_strerror(rc));
  }
  channel_ = ch;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Internal("eventfd failed");
  enabled_ = true;
  next_probe_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Run(); });
  log::Get("dns")->info("forwarding upstreams={} timeout_ms={} tries={}", csv, cfg_.timeout.count(),
                        cfg_.tries);
  return Status::Ok();
}

void Forwarder::Stop() {
  if (!enabled_) return;
  stop_.store(true);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ares_destroy(Channel(channel_));  // callbacks see ARES_EDESTRUCTION: no replies
  channel_ = nullptr;
  close(wake_fd_);
  enabled_ = false;
}

bool Forwarder::IsProbe(const uint8_t* lower, size_t len) const {
  return len == probe_.size() && std::memcmp(lower, probe_.data(), len) == 0;
}

void Forwarder::NoteProbeSeen() {
  if (!loop_detected_.exchange(true)) {
    log::Get("dns")->error(
        "forwarding loop detected: our probe {} came back from an upstream; forwarded questions "
        "now answer SERVFAIL. Point upstreams (--upstream / resolv.conf) at a resolver that does "
        "not forward to this server",
        WireToDotted(probe_));
  }
}

void Forwarder::Submit(ForwardRequest r) {
  if (!enabled_) {
    ClientView c = r.View();
    std::vector<uint8_t> out(c.limit + 16);
    size_t n = BuildErrorReply(c, rcode::kRefused, out.data());
    r.reply(out.data(), n, rcode::kRefused);
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(r));
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void Forwarder::Fail(ForwardRequest& r, uint8_t rc) {
  if (r.question.empty()) return;  // the loop probe has no client
  size_t n = BuildErrorReply(r.View(), rc, out_.data());
  WorkerStats::Add(stats_->responses[WorkerStats::RcodeSlot(rc)]);
  r.reply(out_.data(), n, rc);
}

void Forwarder::Dispatch(ForwardRequest r) {
  if (loop_detected_.load(std::memory_order_relaxed) && !r.question.empty()) {
    WorkerStats::Add(stats_->upstream_failures[static_cast<int>(UpstreamFailure::kLoop)]);
    Fail(r, rcode::kServFail);
    return;
  }
  uint8_t key[kMaxNameLen + 5];
  size_t kl = CacheKey(reinterpret_cast<const uint8_t*>(r.qname.data()), r.qname.size(), r.qtype,
                       r.qclass, r.edns_do, r.flags & flag::kCD, key);
  std::string k(reinterpret_cast<char*>(key), kl);
  auto it = pending_.find(k);
  if (it != pending_.end()) {
    WorkerStats::Add(stats_->coalesced);
    it->second.waiters.push_back(std::move(r));
    return;
  }
  if (pending_.size() >= cfg_.max_pending) {
    WorkerStats::Add(stats_->upstream_failures[static_cast<int>(UpstreamFailure::kOverload)]);
    if (r.qname == probe_) {
      probe_pending_ = false;
      next_probe_ = std::chrono::steady_clock::now() + probe_backoff_;
    }
    Fail(r, rcode::kServFail);
    return;
  }
  Pending& p = pending_[k];
  p.qname = r.qname;
  p.qtype = r.qtype;
  std::vector<uint8_t> q =
      MakeUpstreamQuery(r.qname, r.qtype, r.qclass, r.flags & flag::kCD, r.edns_do, 0);
  p.waiters.push_back(std::move(r));
  WorkerStats::Add(stats_->upstream_queries);
  // c-ares replaces the ID with a random one of its own and matches the
  // answer's question against ours.
  ares_send(Channel(channel_), q.data(), static_cast<int>(q.size()), &Forwarder::OnAnswer,
            new CallbackArg{this, std::move(k)});
}

void Forwarder::OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<CallbackArg> a(static_cast<CallbackArg*>(arg));
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
  a->self->Finish(a->key, status, abuf, alen > 0 ? static_cast<size_t>(alen) : 0);
}

void Forwarder::MaybeProbe(std::chrono::steady_clock::time_point now) {
  if (!cfg_.loop_detect || probe_done_ || probe_pending_ || loop_detected() || now < next_probe_) {
    return;
  }
  probe_pending_ = true;
  ForwardRequest probe;
  probe.qname = probe_;
  probe.qtype = 13;  // HINFO, like CoreDNS's loop plugin
  probe.qclass = cls::kIN;
  probe.reply = [](const uint8_t*, size_t, uint16_t) {};
  Dispatch(std::move(probe));
}

void Forwarder::Finish(const std::string& key, int status, const uint8_t* abuf, size_t alen) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  auto now = std::chrono::steady_clock::now();
  if (p.qname == probe_) {
    // Any answer means upstreams resolve without coming back to us. A
    // failure may be a loop that has not shown yet (or an upstream that is
    // not up): probe again later, backing off to once a minute.
    probe_pending_ = false;
    if (status == ARES_SUCCESS) {
      probe_done_ = true;
    } else {
      next_probe_ = now + probe_backoff_;
      probe_backoff_ = std::min(probe_backoff_ * 2, std::chrono::milliseconds(60000));
    }
  }
  std::shared_ptr<const UpstreamAnswer> answer;
  if (status == ARES_SUCCESS && abuf != nullptr) {
    auto parsed = ParseUpstream(abuf, alen, p.qname, p.qtype, cfg_.cache_policy, now);
    if (parsed.ok()) {
      answer = std::make_shared<const UpstreamAnswer>(std::move(parsed).value());
    } else {
      log::Get("dns")->warn("dropping upstream reply: {}", parsed.status().message());
    }
  }
  if (!answer) {
    UpstreamFailure why = status == ARES_ETIMEOUT ? UpstreamFailure::kTimeout
                          : (status == ARES_ESERVFAIL || status == ARES_EREFUSED)
                              ? UpstreamFailure::kServFail
                              : UpstreamFailure::kError;
    WorkerStats::Add(stats_->upstream_failures[static_cast<int>(why)]);
    for (ForwardRequest& r : p.waiters)
      Fail(r, rcode::kServFail);
    return;
  }
  if (cache_) cache_->Put(key, answer);
  for (ForwardRequest& r : p.waiters) {
    if (r.question.empty()) continue;  // probe
    size_t n = BuildForwardedReply(*answer, r.View(), now, r.prefix, r.prefix_count, out_.data());
    uint16_t rc = Get16(out_.data() + 2) & flag::kRcodeMask;
    stats_->CountResponse(rc);
    stats_->ObserveLatency(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - r.received).count()));
    r.reply(out_.data(), n, rc);
  }
}

void Forwarder::Run() {
  while (!stop_.load()) {
    std::vector<ForwardRequest> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(queue_);
    }
    for (ForwardRequest& r : batch)
      Dispatch(std::move(r));
    MaybeProbe(std::chrono::steady_clock::now());

    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(Channel(channel_), socks, ARES_GETSOCK_MAXNUM);
    pollfd pfds[ARES_GETSOCK_MAXNUM + 1];
    int n = 0;
    pfds[n++] = {wake_fd_, POLLIN, 0};
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (ev) pfds[n++] = {socks[i], ev, 0};
    }
    timeval max_tv{0, 200000}, tv{};  // also paces the loop probe
    timeval* t = ares_timeout(Channel(channel_), &max_tv, &tv);
    int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000) + 1;
    int ready = poll(pfds, n, ms);
    if (ready > 0 && (pfds[0].revents & POLLIN)) {
      uint64_t v;
      (void)!read(wake_fd_, &v, sizeof v);
    }
    bool any = false;
    for (int i = 1; i < n && ready > 0; ++i) {
      if (pfds[i].revents == 0) continue;
      any = true;
      ares_socket_t r =
          (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfds[i].fd : ARES_SOCKET_BAD;
      ares_socket_t w = (pfds[i].revents & POLLOUT) ? pfds[i].fd : ARES_SOCKET_BAD;
      ares_process_fd(Channel(channel_), r, w);
    }
    if (!any) ares_process_fd(Channel(channel_), ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
  }
}

}  // namespace skiff::dns
