// Forwarder: sends questions outside our zones to upstream resolvers through
// c-ares, on one thread of its own (c-ares channels are single-threaded).
//
// - Coalescing: identical questions (CacheKey) in flight share one upstream
//   query; every waiter gets its own reply (ID, case, EDNS, size limit).
// - Caching: answers go into the ResponseCache with their TTL (negative
//   ones per RFC 2308); workers look there before submitting.
// - Loop detection: a probe question with a random name is sent upstream at
//   start, and again with backoff (0.5 s doubling to 60 s) until an upstream
//   answers it. If it ever comes back to this server (IsProbe), upstreams
//   forward to us: forwarding stops and every forwarded question answers
//   SERVFAIL (metric skiff_dns_upstream_failures_total{reason="loop"}).
//
// Thread-safety: Submit, IsProbe, NoteProbeSeen and the accessors may be
// called from any thread. Reply callbacks run on the forwarder thread and
// must be quick (a sendto or a post to the worker's event loop).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "dns/cache.h"
#include "dns/stats.h"
#include "dns/upstream_answer.h"
#include "dns/wire.h"

namespace skiff::dns {

struct ForwardConfig {
  std::vector<std::string> upstreams;       // "1.1.1.1", "10.0.0.2:5353", "[fd00::1]:53"
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
  CachePolicy cache_policy;
  bool loop_detect = true;
  // Distinct questions waiting for upstreams; beyond this new ones get
  // SERVFAIL at once (reason "overload") instead of growing memory.
  size_t max_pending = 10000;
};

struct ForwardRequest {
  std::string qname;  // lower wire name to ask upstream
  uint16_t qtype = 0, qclass = 0;
  // The client's side.
  uint16_t id = 0, flags = 0;
  std::string question;  // client's question bytes (original case)
  bool has_edns = false, edns_do = false;
  size_t limit = kMinUdpPayload;
  uint16_t our_udp_size = 1232;
  std::string prefix;  // in-zone CNAME RRs to put first (ExternalName chase)
  uint16_t prefix_count = 0;
  std::chrono::steady_clock::time_point received;
  // Gets the finished reply and its rcode; runs on the forwarder thread.
  std::function<void(const uint8_t* data, size_t len, uint16_t rcode)> reply;

  ClientView View() const;
};

class Forwarder {
 public:
  // `cache` may be null (no caching); `stats` is the forwarder's own slot.
  Forwarder(ForwardConfig cfg, ResponseCache* cache, WorkerStats* stats);
  ~Forwarder();  // Stop()
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Initializes c-ares with the upstreams and starts the thread.
  // INVALID_ARGUMENT for a bad upstream address; with no upstreams the
  // forwarder is disabled and Start succeeds.
  Status Start();
  // Stops the thread; pending questions are dropped without a reply.
  void Stop();

  bool enabled() const { return enabled_; }
  bool loop_detected() const { return loop_detected_.load(std::memory_order_relaxed); }
  void Submit(ForwardRequest r);

  // True when `lower` (a query's lower wire name) is our loop probe.
  bool IsProbe(const uint8_t* lower, size_t len) const;
  void NoteProbeSeen();

 private:
  struct Pending {
    std::vector<ForwardRequest> waiters;
    std::string qname;
    uint16_t qtype = 0;
  };
  struct CallbackArg {
    Forwarder* self;
    std::string key;
  };
  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void Dispatch(ForwardRequest r);
  void Finish(const std::string& key, int status, const uint8_t* abuf, size_t alen);
  void Fail(ForwardRequest& r, uint8_t rc);
  void MaybeProbe(std::chrono::steady_clock::time_point now);
  void Run();

  ForwardConfig cfg_;
  ResponseCache* cache_;
  WorkerStats* stats_;
  bool enabled_ = false;
  void* channel_ = nullptr;  // ares_channel
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> loop_detected_{false};
  std::string probe_;  // lower wire name of the loop probe
  // Probe state, forwarder thread only.
  bool probe_done_ = false, probe_pending_ = false;
  std::chrono::steady_clock::time_point next_probe_;
  std::chrono::milliseconds probe_backoff_{500};

  std::mutex mu_;
  std::vector<ForwardRequest> queue_;
  std::map<std::string, Pending> pending_;  // forwarder thread only
  std::vector<uint8_t> out_;                // reply scratch, forwarder thread only
};

// "1.2.3.4" -> "1.2.3.4:53"; "[::1]:5353" kept; "::1" -> "[::1]:53".
// INVALID_ARGUMENT names the bad entry.
Result<std::string> NormalizeUpstream(const std::string& text);
// nameserver lines of a resolv.conf (empty when the file is missing).
std::vector<std::string> ReadResolvConf(const std::string& path);

}  // namespace skiff::dns
