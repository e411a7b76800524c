// skiff-dns micro benchmarks (not a test; prints Markdown):
//   dns_microbench --records FILE --queries FILE [--iterations N]
//       Responder::Handle on the hit path: ns/query (wall clock). Run under
//       valgrind --tool=callgrind --toggle-collect='*RunLoop*' for a
//       noise-free instructions/query figure.
//   dns_microbench --records FILE --update-latency N
//       Time from ClusterState::UpsertService() to the first UDP answer that
//       carries the new address, on a running Server (loopback).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dns/cluster_state.h"
#include "dns/responder.h"
#include "dns/server.h"
#include "dns/static_records.h"
#include "dns/stats.h"
#include "dns/test_util.h"

namespace skiff::dns {
namespace {

uint16_t TypeCode(const std::string& t) {
  if (t == "A") return type::kA;
  if (t == "AAAA") return type::kAAAA;
  if (t == "SRV") return type::kSRV;
  if (t == "PTR") return type::kPTR;
  if (t == "TXT") return type::kTXT;
  return type::kA;
}

__attribute__((noinline)) uint64_t RunLoop(const Responder& r, const Zone& z,
                                           const std::vector<std::vector<uint8_t>>& qs,
                                           size_t iterations, uint8_t* out) {
  uint64_t bytes = 0;
  Query q;
  for (size_t i = 0; i < iterations; ++i) {
    const auto& m = qs[i % qs.size()];
    Outcome o = r.Handle(m.data(), m.size(), false, z, true, static_cast<uint32_t>(i), &q, out);
    bytes += o.len;
  }
  return bytes;
}

int Handle(ClusterState& state, const std::string& queries, size_t iterations) {
  std::vector<std::vector<uint8_t>> qs;
  std::ifstream in(queries);
  std::string name, t;
  while (in >> name >> t)
    qs.push_back(testing::MakeQuery(name, TypeCode(t)));
  if (qs.empty()) {
    std::fprintf(stderr, "no queries in %s\n", queries.c_str());
    return 1;
  }
  ResponderConfig rc;
  rc.zone = DottedToWire(state.config().zone);
  Responder responder(rc);
  std::vector<uint8_t> out(kMaxTcpMessage);
  auto reader = state.snapshots().NewReader();
  const Zone* z = reader->Enter();
  auto t0 = std::chrono::steady_clock::now();
  uint64_t bytes = RunLoop(responder, *z, qs, iterations, out.data());
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  reader->Exit();
  std::printf(
      "| Responder::Handle | %zu queries | %.1f ns/query | %.2f M queries/s/core | %llu bytes |\n",
      iterations, s * 1e9 / static_cast<double>(iterations),
      static_cast<double>(iterations) / s / 1e6, static_cast<unsigned long long>(bytes));
  return 0;
}

int UpdateLatency(ClusterState& state, const ClusterObjects& objs, int n) {
  Stats stats(1);
  ResponderConfig rc;
  rc.zone = DottedToWire(state.config().zone);
  Responder responder(rc);
  ServerConfig sc;
  sc.listen = "127.0.0.1:0";
  Server server(sc, responder, state, nullptr, nullptr, stats);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{0, 20000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(server.port());
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  std::mt19937 rng(1);
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    Service s = objs.services[rng() % objs.services.size()];
    uint8_t ip[4] = {10, 97, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    char text[16];
    inet_ntop(AF_INET, ip, text, sizeof text);
    s.cluster_ips = {text};
    auto q = testing::MakeQuery(s.name + "." + s.ns + ".svc." + state.config().zone, type::kA);
    auto t0 = std::chrono::steady_clock::now();
    (void)state.UpsertService(s);
    for (int tries = 0; tries < 10000; ++tries) {  // bounded: ~10 s worst case
      send(fd, q.data(), q.size(), 0);
      uint8_t buf[1500];
      ssize_t got = recv(fd, buf, sizeof buf, 0);
      if (got > 16 && std::memcmp(buf + got - 4, ip, 4) == 0) break;
    }
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // separate writes
  }
  close(fd);
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  };
  std::printf(
      "| write -> answerable | %d updates | p50 %.2f ms | p99 %.2f ms | max %.2f ms | last rebuild "
      "%.2f ms |\n",
      n, pct(0.5), pct(0.99), ms.back(), state.last_build_seconds() * 1e3);
  server.Stop();
  return 0;
}

int Main(int argc, char** argv) {
  std::string records, queries;
  size_t iterations = 2000000;
  int updates = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--records")
      records = argv[i + 1];
    else if (a == "--queries")
      queries = argv[i + 1];
    else if (a == "--iterations")
      iterations = std::stoul(argv[i + 1]);
    else if (a == "--update-latency")
      updates = std::stoi(argv[i + 1]);
  }
  auto objs = LoadStaticRecords(records);
  if (!objs.ok()) {
    std::fprintf(stderr, "%s\n", objs.status().ToString().c_str());
    return 1;
  }
  ClusterState state(ClusterConfig{});
  if (Status s = state.ReplaceAll(objs->services, objs->slices, objs->pods); !s.ok()) return 1;
  state.MarkSynced();
  if (updates > 0) return UpdateLatency(state, *objs, updates);
  return Handle(state, queries, iterations);
}

}  // namespace
}  // namespace skiff::dns

int main(int argc, char** argv) {
  return skiff::dns::Main(argc, argv);
}
