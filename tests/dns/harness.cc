#include "tests/dns/harness.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "dns/wire.h"

namespace skiff::dns::e2e {
namespace {

struct Pending {
  CaresClient::Reply* reply;
  std::atomic<int>* pending;
};

void OnReply(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* p = static_cast<Pending*>(arg);
  p->reply->status = status;
  if (abuf && alen > 0) p->reply->msg.assign(abuf, abuf + alen);
  p->pending->fetch_sub(1);
  delete p;
}

ares_channel Ch(void* c) {
  return static_cast<ares_channel>(c);
}

}  // namespace

CaresClient::CaresClient(uint16_t port, bool tcp, bool ignore_tc) {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  ares_options opts{};
  // ARES_FLAG_EDNS sizes c-ares' UDP receive buffer (else it reads 512
  // bytes); queries carry OPT only when Query() is given an EDNS size.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS |
               (tcp ? ARES_FLAG_USEVC : 0) | (ignore_tc ? ARES_FLAG_IGNTC : 0);
  opts.ednspsz = 4096;
  opts.timeout = 3000;
  opts.tries = 2;
  ares_channel ch = nullptr;
  ares_init_options(&ch, &opts,
                    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ);
  std::string server = "127.0.0.1:" + std::to_string(port);
  ares_set_servers_ports_csv(ch, server.c_str());
  channel_ = ch;
}

CaresClient::~CaresClient() {
  ares_destroy(Ch(channel_));
}

void CaresClient::Wait(const std::atomic<int>& pending) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (pending.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    int nfds = ares_fds(Ch(channel_), &r, &w);
    timeval max{0, 100000}, tv{};
    timeval* t = ares_timeout(Ch(channel_), &max, &tv);
    select(nfds, &r, &w, nullptr, t);
    ares_process(Ch(channel_), &r, &w);
  }
}

CaresClient::Reply CaresClient::Query(const std::string& name, int type, int edns_size) {
  Reply r;
  std::atomic<int> pending{1};
  unsigned char* buf = nullptr;
  int len = 0;
  static std::atomic<unsigned short> next_id{1};
  ares_create_query(name.c_str(), ns_c_in, type, next_id++, 1, &buf, &len, edns_size);
  ares_send(Ch(channel_), buf, len, OnReply, new Pending{&r, &pending});
  ares_free_string(buf);
  Wait(pending);
  return r;
}

std::vector<std::string> CaresClient::Addresses(const Reply& r, int type) {
  std::vector<std::string> out;
  char text[INET6_ADDRSTRLEN];
  if (type == ns_t_a) {
    std::vector<ares_addrttl> a(4096);
    int n = static_cast<int>(a.size());
    if (ares_parse_a_reply(r.msg.data(), static_cast<int>(r.msg.size()), nullptr, a.data(), &n) !=
        ARES_SUCCESS) {
      return out;
    }
    for (int i = 0; i < n; ++i)
      out.push_back(inet_ntop(AF_INET, &a[i].ipaddr, text, sizeof text));
  } else {
    std::vector<ares_addr6ttl> a(4096);
    int n = static_cast<int>(a.size());
    if (ares_parse_aaaa_reply(r.msg.data(), static_cast<int>(r.msg.size()), nullptr, a.data(),
                              &n) != ARES_SUCCESS) {
      return out;
    }
    for (int i = 0; i < n; ++i)
      out.push_back(inet_ntop(AF_INET6, &a[i].ip6addr, text, sizeof text));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> CaresClient::Srv(const Reply& r) {
  std::vector<std::string> out;
  ares_srv_reply* srv = nullptr;
  if (ares_parse_srv_reply(r.msg.data(), static_cast<int>(r.msg.size()), &srv) != ARES_SUCCESS) {
    return out;
  }
  for (ares_srv_reply* s = srv; s; s = s->next) {
    out.push_back(std::to_string(s->priority) + " " + std::to_string(s->weight) + " " +
                  std::to_string(s->port) + " " + s->host);
  }
  ares_free_data(srv);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> CaresClient::Ptr(const Reply& r, const std::string& addr) {
  std::vector<std::string> out;
  unsigned char bin[16];
  bool v6 = addr.find(':') != std::string::npos;
  inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), bin);
  hostent* h = nullptr;
  if (ares_parse_ptr_reply(r.msg.data(), static_cast<int>(r.msg.size()), bin, v6 ? 16 : 4,
                           v6 ? AF_INET6 : AF_INET, &h) != ARES_SUCCESS) {
    return out;
  }
  out.push_back(h->h_name);
  ares_free_hostent(h);
  return out;
}

std::vector<std::string> CaresClient::Txt(const Reply& r) {
  std::vector<std::string> out;
  ares_txt_reply* txt = nullptr;
  if (ares_parse_txt_reply(r.msg.data(), static_cast<int>(r.msg.size()), &txt) != ARES_SUCCESS) {
    return out;
  }
  for (ares_txt_reply* t = txt; t; t = t->next) {
    out.emplace_back(reinterpret_cast<char*>(t->txt), t->length);
  }
  ares_free_data(txt);
  return out;
}

FakeUpstream::FakeUpstream() {
  for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
    udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(udp_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t sl = sizeof sin;
    getsockname(udp_, reinterpret_cast<sockaddr*>(&sin), &sl);
    tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(tcp_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 && listen(tcp_, 16) == 0) {
      port_ = ntohs(sin.sin_port);
    } else {
      close(udp_);
      close(tcp_);
    }
  }
  if (pipe(wake_) != 0) return;
  thread_ = std::thread([this] { Loop(); });
}

FakeUpstream::~FakeUpstream() {
  if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  close(udp_);
  close(tcp_);
  close(wake_[0]);
  close(wake_[1]);
}

int FakeUpstream::Count(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

int FakeUpstream::Total() {
  std::lock_guard lock(mu_);
  int t = 0;
  for (auto& [k, v] : counts_)
    t += v;
  return t;
}

std::vector<uint8_t> FakeUpstream::Answer(const uint8_t* msg, size_t len) {
  Query q;
  if (ParseQuery(msg, len, &q) != ParseStatus::kOk) return {};
  std::string name = WireToDotted(q.lower, q.qname_len);
  {
    std::lock_guard lock(mu_);
    counts_[name]++;
  }
  std::vector<uint8_t> out(msg, msg + kHeaderSize + q.question_len());
  uint16_t flags = flag::kQR | flag::kAA | flag::kRA | (q.flags & flag::kRD);
  uint16_t an = 0, ns = 0;
  auto put = [&](const std::vector<uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); };
  const std::string suffix = ".upstream.test";
  bool ours = name.size() > suffix.size() &&
              name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!ours || name.rfind("nx", 0) == 0) {
    flags |= rcode::kNXDomain;
    std::string apex = DottedToWire("upstream.test");
    std::vector<uint8_t> soa(apex.begin(), apex.end());
    uint8_t fixed[10];
    Put16(fixed, type::kSOA);
    Put16(fixed + 2, cls::kIN);
    Put32(fixed + 4, 30);
    std::string rd = DottedToWire("ns.upstream.test") + DottedToWire("h.upstream.test");
    uint8_t nums[20];
    for (int i = 0; i < 5; ++i)
      Put32(nums + 4 * i, i == 4 ? 30 : 3600);
    Put16(fixed + 8, static_cast<uint16_t>(rd.size() + 20));
    soa.insert(soa.end(), fixed, fixed + 10);
    soa.insert(soa.end(), rd.begin(), rd.end());
    soa.insert(soa.end(), nums, nums + 20);
    put(soa);
    ns = 1;
  } else if (q.qtype == type::kA) {
    int count = name.rfind("big", 0) == 0 ? 100 : 1;
    for (int i = 0; i < count; ++i) {
      uint8_t rr[16];
      Put16(rr, 0xC00C);
      Put16(rr + 2, type::kA);
      Put16(rr + 4, cls::kIN);
      Put32(rr + 6, 60);
      Put16(rr + 10, 4);
      rr[12] = 192;
      rr[13] = 0;
      rr[14] = static_cast<uint8_t>(count == 1 ? 2 : 3);
      rr[15] = static_cast<uint8_t>(count == 1 ? name.find('.') : i);
      out.insert(out.end(), rr, rr + 16);
      ++an;
    }
  }
  uint16_t ar = 0;
  if (q.has_edns) {
    uint8_t opt[11] = {0};
    Put16(opt + 1, type::kOPT);
    Put16(opt + 3, 1232);
    out.insert(out.end(), opt, opt + 11);
    ar = 1;
  }
  Put16(out.data() + 2, flags);
  Put16(out.data() + 6, an);
  Put16(out.data() + 8, ns);
  Put16(out.data() + 10, ar);
  return out;
}

void FakeUpstream::Loop() {
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    std::vector<uint8_t> msg;
    sockaddr_storage to;
    socklen_t tolen;
  };
  std::vector<Delayed> delayed;
  for (;;) {
    pollfd p[3] = {{wake_[0], POLLIN, 0}, {udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
    int timeout = delayed.empty() ? 1000 : 10;
    poll(p, 3, timeout);
    if (p[0].revents) return;
    auto now = std::chrono::steady_clock::now();
    for (auto it = delayed.begin(); it != delayed.end();) {
      if (it->due <= now) {
        sendto(udp_, it->msg.data(), it->msg.size(), 0, reinterpret_cast<sockaddr*>(&it->to),
               it->tolen);
        it = delayed.erase(it);
      } else {
        ++it;
      }
    }
    if (p[1].revents & POLLIN) {
      uint8_t buf[4096];
      sockaddr_storage from{};
      socklen_t fl = sizeof from;
      ssize_t n = recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n > 0) {
        std::vector<uint8_t> a = Answer(buf, static_cast<size_t>(n));
        Query q;
        size_t limit = 512;
        if (ParseQuery(buf, static_cast<size_t>(n), &q) == ParseStatus::kOk && q.has_edns) {
          limit = std::max<size_t>(512, q.edns_udp_size);
        }
        if (a.size() > limit) {  // truncate: header + question, TC
          a.resize(kHeaderSize + q.question_len());
          Put16(a.data() + 2, Get16(a.data() + 2) | flag::kTC);
          Put16(a.data() + 6, 0);
          Put16(a.data() + 8, 0);
          Put16(a.data() + 10, 0);
        }
        std::string name = WireToDotted(q.lower, q.qname_len);
        if (!a.empty() && name.rfind("slow", 0) == 0) {
          delayed.push_back({now + std::chrono::milliseconds(300), a, from, fl});
        } else if (!a.empty()) {
          sendto(udp_, a.data(), a.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
        }
      }
    }
    if (p[2].revents & POLLIN) {
      int c = accept(tcp_, nullptr, nullptr);
      if (c >= 0) {
        timeval tv{2, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        for (;;) {  // serve this connection until the client closes it
          uint8_t lenb[2];
          if (recv(c, lenb, 2, MSG_WAITALL) != 2) break;
          std::vector<uint8_t> m(Get16(lenb));
          if (recv(c, m.data(), m.size(), MSG_WAITALL) != static_cast<ssize_t>(m.size())) break;
          std::vector<uint8_t> a = Answer(m.data(), m.size());
          uint8_t l[2];
          Put16(l, static_cast<uint16_t>(a.size()));
          send(c, l, 2, MSG_NOSIGNAL);
          send(c, a.data(), a.size(), MSG_NOSIGNAL);
        }
        close(c);
      }
    }
  }
}

std::string DnsProcess::Binary() {
  if (const char* dir = getenv("SKIFF_BIN_DIR")) return std::string(dir) + "/skiff-dns";
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path().parent_path() / "bin" / "skiff-dns").string();
}

DnsProcess::DnsProcess(const std::string& records_yaml, const std::vector<std::string>& extra) {
  char tmpl[] = "/tmp/skiff-dns-e2e-XXXXXX";
  if (!mkdtemp(tmpl)) return;
  dir_ = tmpl;
  std::vector<std::string> args = {Binary(), "--listen", "127.0.0.1:0", "--http-listen",
                                   "127.0.0.1:0"};
  if (!records_yaml.empty()) {  // else the caller passes its own source (--config)
    std::ofstream(dir_ + "/records.yaml") << records_yaml;
    args.insert(args.end(), {"--static-records", dir_ + "/records.yaml"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open((dir_ + "/log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::regex ready(R"(ready zone=\S+ port=(\d+) workers=\d+ http=(\d+))");
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::smatch m;
    std::string log = Log();
    if (std::regex_search(log, m, ready)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      http_port_ = static_cast<uint16_t>(std::stoi(m[2]));
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
  }
}

DnsProcess::~DnsProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::string DnsProcess::Log() const {
  std::ifstream in(dir_ + "/log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void DnsProcess::Reload(const std::string& records_yaml) {
  std::ofstream(dir_ + "/records.yaml") << records_yaml;
  kill(pid_, SIGHUP);
}

std::string HttpGet(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
    resp.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t sp = resp.find(' ');
  size_t body = resp.find("\r\n\r\n");
  if (sp == std::string::npos || body == std::string::npos) return "";
  return resp.substr(sp + 1, 3) + "\n" + resp.substr(body + 4);
}

}  // namespace skiff::dns::e2e
