// Test harness for skiff-dns end-to-end tests: a c-ares client, a fake
// upstream resolver and a skiff-dns child process, all on loopback.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace skiff::dns::e2e {

// A c-ares channel aimed at one loopback server.
class CaresClient {
 public:
  // tcp: ARES_FLAG_USEVC. ignore_tc: ARES_FLAG_IGNTC (keep truncated UDP).
  CaresClient(uint16_t port, bool tcp, bool ignore_tc = false);
  ~CaresClient();
  CaresClient(const CaresClient&) = delete;
  CaresClient& operator=(const CaresClient&) = delete;

  struct Reply {
    int status = -1;  // ARES_SUCCESS, ARES_ETIMEOUT, ...
    std::vector<uint8_t> msg;
    int rcode() const { return msg.size() >= 4 ? msg[3] & 0xF : -1; }
    bool tc() const { return msg.size() >= 4 && (msg[2] & 0x02); }
    bool aa() const { return msg.size() >= 4 && (msg[2] & 0x04); }
    int ancount() const { return msg.size() >= 8 ? msg[6] << 8 | msg[7] : -1; }
    int nscount() const { return msg.size() >= 10 ? msg[8] << 8 | msg[9] : -1; }
  };
  // edns_size > 0 adds an OPT record with that payload size.
  Reply Query(const std::string& name, int type, int edns_size = 0);

  // Record views decoded by c-ares' own parsers, sorted.
  static std::vector<std::string> Addresses(const Reply& r, int type);  // A/AAAA (follows CNAMEs)
  static std::vector<std::string> Srv(const Reply& r);                  // "prio weight port target"
  static std::vector<std::string> Ptr(const Reply& r, const std::string& addr);
  static std::vector<std::string> Txt(const Reply& r);

 private:
  void Wait(const std::atomic<int>& pending);
  void* channel_ = nullptr;
};

// A tiny authoritative server for "upstream.test" on UDP+TCP loopback:
//   <x>.upstream.test A     -> 192.0.2.<len(x)> TTL 60 (CNAME-free)
//   nx*.upstream.test       -> NXDOMAIN with SOA (TTL 30, minimum 30)
//   slow*.upstream.test A   -> answered after 300 ms
//   big.upstream.test A     -> 100 A records
// and counts the queries it receives per lowercase name.
class FakeUpstream {
 public:
  FakeUpstream();
  ~FakeUpstream();
  uint16_t port() const { return port_; }
  int Count(const std::string& name);
  int Total();

 private:
  void Loop();
  std::vector<uint8_t> Answer(const uint8_t* q, size_t len);
  int udp_ = -1, tcp_ = -1, wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::mutex mu_;
  std::map<std::string, int> counts_;
  std::thread thread_;
};

// skiff-dns as a child process with its own temp dir, killed by PID.
class DnsProcess {
 public:
  // Writes `records_yaml` to a temp file and starts skiff-dns with
  // --static-records (none when `records_yaml` is empty: `extra` then names
  // the source, e.g. --config), --listen 127.0.0.1:0, --http-listen 127.0.0.1:0 and
  // `extra` flags; waits (bounded) until it logs "ready".
  DnsProcess(const std::string& records_yaml, const std::vector<std::string>& extra);
  ~DnsProcess();
  bool ok() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  uint16_t http_port() const { return http_port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string Log() const;
  // Rewrites the records file and sends SIGHUP.
  void Reload(const std::string& records_yaml);
  static std::string Binary();

 private:
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0, http_port_ = 0;
};

// GET on 127.0.0.1:port; returns "STATUS\nBODY" or "" on error.
std::string HttpGet(uint16_t port, const std::string& path);

}  // namespace skiff::dns::e2e
