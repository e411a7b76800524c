// Server: the DNS listeners. One Boost.Asio event loop per worker thread,
// each with its own UDP socket and TCP acceptor bound to the same address
// with SO_REUSEPORT, so the kernel spreads clients over workers and no
// socket is shared. UDP is drained with recvmmsg and answered with sendmmsg
// in batches; TCP (RFC 7766) serves many queries per connection, in order,
// with an idle timeout. Under high load, receive coalescing (ServerConfig)
// trades up to udp_coalesce of latency for fewer wake-ups per query, and the
// UDP socket leaves epoll while it lasts. Replies carry DF
// (IP_PMTUDISC_PROBE); one too large for the interface goes out truncated.
//
// Lifetime: the Responder, ClusterState, Forwarder, cache and Stats passed
// in must outlive the Server, and the Forwarder must be stopped before the
// Server is destroyed (its late replies are posted to the workers' loops).
// Start/Stop are called from one thread; Start at most once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "dns/cache.h"
#include "dns/cluster_state.h"
#include "dns/forwarder.h"
#include "dns/responder.h"
#include "dns/stats.h"

namespace skiff::dns {

struct ServerConfig {
  std::string listen = "0.0.0.0:53";  // port 0 picks a free port (same for UDP and TCP)
  int workers = 1;
  std::vector<int> cpus;  // worker i is pinned to cpus[i % size]; empty: no pinning
  std::chrono::milliseconds tcp_idle_timeout{10000};
  size_t tcp_max_connections = 1024;  // per worker; more are closed at once
  // Receive coalescing, like a NIC's interrupt moderation: while a worker's
  // UDP socket receives at least udp_coalesce_min_qps (measured over ~1 ms),
  // a partial batch is followed by a udp_coalesce pause before the next
  // recvmmsg instead of a sleep in epoll, so one wake-up serves many queries.
  // Below that rate every query is answered as soon as it arrives (no added
  // latency). 0 disables.
  std::chrono::microseconds udp_coalesce{50};
  uint32_t udp_coalesce_min_qps = 50000;
};

class Server {
 public:
  // Worker i writes stats.slot(i); stats needs >= workers slots.
  Server(ServerConfig cfg, const Responder& responder, ClusterState& state, Forwarder* forwarder,
         ResponseCache* cache, Stats& stats);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every worker's sockets (all or nothing), then starts the threads.
  // INVALID_ARGUMENT for a bad address, UNAVAILABLE when binding fails.
  Status Start();
  void Stop();  // stops and joins the workers; sockets close in the destructor
  uint16_t port() const { return port_; }
  bool running() const { return running_; }

 private:
  class Worker;
  ServerConfig cfg_;
  const Responder& responder_;
  ClusterState& state_;
  Forwarder* forwarder_;
  ResponseCache* cache_;
  Stats& stats_;
  uint16_t port_ = 0;
  bool running_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace skiff::dns
