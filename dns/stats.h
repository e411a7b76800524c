// Per-thread DNS counters, summed at scrape time into Prometheus text.
//
// Each serving thread (and the forwarder) owns one WorkerStats slot and is
// its only writer, so the hot path pays an uncontended relaxed load+store
// per counter instead of a shared atomic increment. Render() may run on any
// thread concurrently with the writers (values are read relaxed).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace skiff::dns {

enum class Proto : uint8_t { kUdp = 0, kTcp = 1 };
enum class UpstreamFailure : uint8_t {
  kTimeout = 0,
  kError = 1,
  kServFail = 2,
  kLoop = 3,
  kOverload = 4,  // too many questions in flight
};

struct alignas(64) WorkerStats {
  static constexpr size_t kTypes = 11;    // A AAAA SRV PTR TXT CNAME SOA NS MX ANY other
  static constexpr size_t kRcodes = 8;    // 0-5, BADVERS, other
  static constexpr size_t kBuckets = 18;  // see LatencyBounds()

  std::atomic<uint64_t> requests[2][kTypes] = {};
  std::atomic<uint64_t> responses[kRcodes] = {};
  std::atomic<uint64_t> latency[kBuckets + 1] = {};  // non-cumulative, last is +Inf
  std::atomic<uint64_t> latency_count{0}, latency_sum_ns{0};
  std::atomic<uint64_t> cache_hits{0}, cache_misses{0}, truncated{0}, dropped{0};
  std::atomic<uint64_t> forwarded{0}, coalesced{0}, upstream_queries{0};
  std::atomic<uint64_t> upstream_failures[5] = {};

  static void Add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void CountRequest(Proto p, uint16_t qtype) {
    Add(requests[static_cast<int>(p)][TypeSlot(qtype)]);
  }
  void CountResponse(uint16_t rcode) { Add(responses[RcodeSlot(rcode)]); }
  // `n` requests that each took `ns` nanoseconds.
  void ObserveLatency(uint64_t ns, uint64_t n = 1);

  static size_t TypeSlot(uint16_t qtype);
  static size_t RcodeSlot(uint16_t rcode);
};

// Upper bounds of the latency buckets, seconds (10 µs .. 5 s).
const double* LatencyBounds();

class Stats {
 public:
  explicit Stats(size_t slots);
  WorkerStats& slot(size_t i) { return *slots_[i]; }
  size_t slots() const { return slots_.size(); }
  // Appends every skiff_dns_* counter family (sums over slots).
  void Render(std::string& out) const;

 private:
  std::vector<std::unique_ptr<WorkerStats>> slots_;
};

}  // namespace skiff::dns
