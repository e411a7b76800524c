// skiff-dpdk-pipeline-bench: packets per second of the DPDK engine's
// pipeline on one core, on synthetic mbufs (no port, no syscalls): the
// cycles spent in Pipeline::Process() per packet, for
//   hit:  established flows (1,024 and 65,536 of them, cycled)
//   miss: every packet a new flow (frontend lookup, Maglev, flow insert,
//         NAT: SNAT port allocation and the reply entry)
// in DSR (IPIP encapsulation) and NAT (DNAT+SNAT, incremental checksums)
// modes, IPv4 TCP, 64-byte frames, bursts of 32. Refilling the mbufs between
// bursts is not timed. Cases run interleaved (A, B, C, ... A, B, C ...) for
// --rounds rounds; the table shows medians. Pin it: taskset -c 1.
//
// usage: skiff-dpdk-pipeline-bench [--rounds N] [--packets N] [--misses N]
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "dataplane/dpdk/testing/harness.h"
#include "dataplane/ebpf/testing/packet.h"

namespace {

using skiff::dataplane::AddressType;
using skiff::dataplane::Endpoint;
using skiff::dataplane::EndpointSlice;
using skiff::dataplane::IpAddr;
using skiff::dataplane::Protocol;
using skiff::dataplane::Service;
using skiff::dataplane::dpdk::ForwardingMode;
using skiff::dataplane::dpdk::kMaxBurst;
using skiff::dataplane::dpdk::PipelineOutput;
using skiff::dataplane::dpdk::testing::Harness;
using skiff::dataplane::dpdk::testing::HarnessPort;
using skiff::dataplane::testing::BuildPacket;
using skiff::dataplane::testing::PacketSpec;

constexpr uint16_t kBurst = 32;

struct Case {
  std::string name;
  ForwardingMode mode;
  bool miss;
  uint32_t flows;  // distinct flows (hit) / new flows per round (miss)
};

std::unique_ptr<Harness> MakeHarness(ForwardingMode mode, uint32_t flow_capacity) {
  Harness::Options o;
  o.mode = mode;
  HarnessPort p;
  p.addrs = {"10.0.0.1/16"};
  o.ports = {p};
  o.flows = flow_capacity;
  auto h = Harness::Create(o);
  if (!h.ok()) {
    std::fprintf(stderr, "harness: %s\n", h.status().ToString().c_str());
    std::exit(1);
  }
  Service s;
  s.ns = "default";
  s.name = "web";
  s.cluster_ips = {"10.96.0.10"};
  s.ports = {{"http", Protocol::kTCP, 80, 0, {8080, ""}}};
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = "web-1";
  sl.service_name = "web";
  sl.address_type = AddressType::kIPv4;
  for (int i = 0; i < 16; ++i) {
    Endpoint e;
    e.addresses = {"10.0.1." + std::to_string(10 + i)};
    sl.endpoints.push_back(e);
    uint8_t mac[6] = {0x0a, 0, 0, 0, 1, static_cast<uint8_t>(10 + i)};
    (*h)->SetNeighbor(0, e.addresses[0], mac);
  }
  sl.ports = {{"http", Protocol::kTCP, 8080}};
  if (!(*h)->Upsert(s).ok() || !(*h)->Upsert(sl).ok()) {
    std::fprintf(stderr, "installing the service failed\n");
    std::exit(1);
  }
  return std::move(h).value();
}

// Frame i: a TCP ACK from a distinct (client address, port).
std::vector<uint8_t> FrameFor(uint32_t i) {
  PacketSpec p;
  p.src = IpAddr::Parse("172.16.0.0").value();
  p.src.bytes[1] = static_cast<uint8_t>(16 + (i >> 24));
  p.src.bytes[2] = static_cast<uint8_t>(i >> 16);
  p.src.bytes[3] = static_cast<uint8_t>(i >> 8);
  p.dst = IpAddr::Parse("10.96.0.10").value();
  p.sport = static_cast<uint16_t>(1024 + (i & 0xff) * 97);
  p.dport = 80;
  p.proto = Protocol::kTCP;
  p.tcp_flags = skiff::dataplane::testing::kAck;
  std::vector<uint8_t> f = BuildPacket(p);
  f.resize(64, 0);  // minimum Ethernet frame (padding trimmed by DSR)
  return f;
}

struct Sample {
  double median_mpps;  // from the median cycles of a burst: robust to preemption
  double mean_mpps;    // all packets / all cycles inside Process
};

// Cycles spent inside Process(), per burst.
Sample RunCase(const Case& c, uint32_t packets) {
  auto h = MakeHarness(c.mode, c.miss ? std::max<uint32_t>(2 * c.flows + 1024, 65536)
                                      : std::max<uint32_t>(2 * c.flows, 4096));
  std::vector<std::vector<uint8_t>> frames(c.flows);
  for (uint32_t i = 0; i < c.flows; ++i)
    frames[i] = FrameFor(i);
  std::vector<rte_mbuf*> mbufs(kBurst);
  for (auto& m : mbufs) {
    m = rte_pktmbuf_alloc(skiff::dataplane::dpdk::testing::Pool());
    if (!m) std::exit(1);
  }
  auto out = std::make_unique<PipelineOutput>();
  auto fill = [&](uint32_t base) {
    for (uint16_t k = 0; k < kBurst; ++k) {
      rte_mbuf* m = mbufs[k];
      rte_pktmbuf_reset(m);
      const auto& f = frames[(base + k) % c.flows];
      std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())), f.data(), f.size());
      m->port = 0;
    }
  };
  // The pipeline hands every packet back (TX lists); take them back.
  auto reclaim = [&] {
    uint16_t n = 0;
    for (int p = 0; p < skiff::dataplane::dpdk::kMaxPorts; ++p)
      for (uint16_t i = 0; i < out->n_tx[p]; ++i)
        mbufs[n++] = out->tx[p][i];
    for (; n < kBurst; ++n)
      mbufs[n] = rte_pktmbuf_alloc(skiff::dataplane::dpdk::testing::Pool());  // dropped ones
  };
  uint32_t base = 0;
  if (!c.miss) {  // establish every flow first (untimed)
    for (; base < c.flows; base += kBurst) {
      fill(base);
      out->Clear();
      h->ProcessRaw(mbufs.data(), kBurst, out.get());
      reclaim();
    }
  }
  uint64_t cycles = 0, done = 0;
  std::vector<uint64_t> bursts;
  bursts.reserve(packets / kBurst + 1);
  const uint32_t total = c.miss ? c.flows : packets;
  for (uint32_t sent = 0; sent + kBurst <= total; sent += kBurst) {
    fill(c.miss ? sent : base + sent);
    out->Clear();
    uint64_t t0 = rte_rdtsc_precise();
    h->ProcessRaw(mbufs.data(), kBurst, out.get());
    uint64_t dt = rte_rdtsc_precise() - t0;
    cycles += dt;
    bursts.push_back(dt);
    done += kBurst;
    reclaim();
  }
  for (auto* m : mbufs)
    rte_pktmbuf_free(m);
  uint64_t tx = 0;
  for (int p = 0; p < skiff::dataplane::dpdk::kMaxPorts; ++p)
    tx += h->wc().tx_packets[p];
  const auto& wc = h->wc();
  uint64_t drops = 0;
  for (uint64_t d : wc.drops)
    drops += d;
  if (drops) std::fprintf(stderr, "%s: %lu drops\n", c.name.c_str(), drops);
  const double hz = static_cast<double>(rte_get_tsc_hz());
  std::nth_element(bursts.begin(), bursts.begin() + bursts.size() / 2, bursts.end());
  double median_burst = static_cast<double>(bursts[bursts.size() / 2]);
  return {kBurst * hz / median_burst / 1e6, static_cast<double>(done) * hz / cycles / 1e6};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  uint32_t packets = 4000000, misses = 60000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (a == "--packets") packets = static_cast<uint32_t>(std::atol(argv[i + 1]));
    if (a == "--misses") misses = static_cast<uint32_t>(std::atol(argv[i + 1]));
  }
  if (rounds < 1 || packets < 1024 || misses < 1024) {
    std::fprintf(stderr, "usage: %s [--rounds N>=1] [--packets N>=1024] [--misses N>=1024]\n",
                 argv[0]);
    return 2;
  }
  auto st = skiff::dataplane::dpdk::testing::InitEal();
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::vector<Case> cases = {
      {"DSR hit, 1k flows", ForwardingMode::kDsr, false, 1024},
      {"DSR hit, 64k flows", ForwardingMode::kDsr, false, 65536},
      {"NAT hit, 1k flows", ForwardingMode::kNat, false, 1024},
      {"NAT hit, 64k flows", ForwardingMode::kNat, false, 65536},
      {"DSR miss (new flow per packet)", ForwardingMode::kDsr, true, misses},
      {"NAT miss (new flow per packet)", ForwardingMode::kNat, true, misses},
  };
  std::map<std::string, std::vector<double>> med, mean;
  for (int r = 0; r < rounds; ++r)
    for (const auto& c : cases) {
      Sample s = RunCase(c, packets);
      med[c.name].push_back(s.median_mpps);
      mean[c.name].push_back(s.mean_mpps);
    }
  double hz = static_cast<double>(rte_get_tsc_hz());
  std::printf(
      "| case | Mpps per core | ns/packet | cycles/packet | rounds min..max | mean incl. "
      "preemption |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    const auto& v = med[c.name];
    double m = Median(v);
    std::printf("| %s | %.2f | %.1f | %.0f | %.2f..%.2f | %.2f |\n", c.name.c_str(), m, 1e3 / m,
                hz / (m * 1e6), *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()), Median(mean[c.name]));
  }
  std::printf(
      "\nMpps per core: from the median cycles of a 32-packet burst inside Pipeline::Process, "
      "median over %d interleaved rounds (a burst interrupted by another process is an "
      "outlier, not the median); the last column divides all packets by all cycles.\n",
      rounds);
  std::printf("\nTSC %.2f GHz; IPv4 TCP, 64-byte frames, bursts of 32, 16 backends.\n", hz / 1e9);
  return 0;
}
