// libFuzzer target for the DNS message parser and answer builder.
//
// Each input is used three ways:
//  1. as a query to the Responder (UDP and TCP limits, synced and not)
//     against a zone with every record form; every reply must fit its limit
//     and decode cleanly (the builder never emits a malformed message);
//  2. as an upstream response to a fixed question, then rebuilt for a client
//     (with and without a CNAME prefix), checking the size limit;
//  3. as a message to decompress names from, at every offset.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "dns/cluster_state.h"
#include "dns/responder.h"
#include "dns/test_util.h"
#include "dns/upstream_answer.h"
#include "dns/wire.h"

namespace skiff::dns {
namespace {

struct World {
  World() : state(Config()), responder(ResponderCfg()) {
    Service web{.ns = "default",
                .name = "web",
                .cluster_ips = {"10.96.0.10", "fd00::10"},
                .ports = {{"http", "TCP", 80}}};
    Service db{
        .ns = "default", .name = "db", .cluster_ips = {"None"}, .ports = {{"pg", "TCP", 5432}}};
    Service ext{.ns = "default",
                .name = "ext",
                .type = ServiceType::kExternalName,
                .external_name = "www.example.com"};
    Service alias{.ns = "default",
                  .name = "alias",
                  .type = ServiceType::kExternalName,
                  .external_name = "web.default.svc.cluster.local"};
    EndpointSlice s{.ns = "default", .name = "db-1", .service = "db"};
    for (int i = 0; i < 60; ++i) {
      s.endpoints.push_back({.addresses = {"10.244.0." + std::to_string(i + 1)},
                             .hostname = i % 2 ? "" : "db-" + std::to_string(i)});
    }
    s.ports = {{"pg", "TCP", 5432}};
    (void)state.UpsertService(web);
    (void)state.UpsertService(db);
    (void)state.UpsertService(ext);
    (void)state.UpsertService(alias);
    (void)state.UpsertEndpointSlice(s);
    state.MarkSynced();
    reader = state.snapshots().NewReader();
  }
  static ClusterConfig Config() {
    ClusterConfig c;
    c.reverse_cidrs = {"10.96.0.0/12", "fd00::/108"};
    return c;
  }
  static ResponderConfig ResponderCfg() {
    ResponderConfig r;
    r.zone = DottedToWire("cluster.local");
    return r;
  }
  ClusterState state;
  Responder responder;
  std::unique_ptr<SnapshotCell<Zone>::Reader> reader;
};

World& GetWorld() {
  static World* w = new World();  // never destroyed: the publisher thread lives on
  return *w;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace
}  // namespace skiff::dns

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skiff::dns;
  World& w = GetWorld();
  static std::vector<uint8_t> out(kMaxTcpMessage + 16);
  const Zone* zone = w.reader->Enter();
  for (int mode = 0; mode < 3; ++mode) {
    const bool tcp = mode == 1;
    Query q;
    Outcome o = w.responder.Handle(data, size, tcp, *zone, mode != 2, static_cast<uint32_t>(size),
                                   &q, out.data());
    if (o.kind == Outcome::kReply) {
      const size_t limit = tcp ? kMaxTcpMessage : w.responder.config().max_udp_size;
      Check(o.len >= kHeaderSize && o.len <= limit);
      auto decoded = testing::Decode(out.data(), o.len);
      Check(decoded.ok);
      Check(decoded.id == Get16(data));
      // The cut sent when a reply does not fit the interface MTU.
      if (o.len > kHeaderSize && Get16(out.data() + 4) == 1) {
        const size_t cut = TruncateReply(out.data(), o.len);
        Check(cut > kHeaderSize && cut <= o.len);
        auto truncated = testing::Decode(out.data(), cut);
        Check(truncated.ok && truncated.tc() && truncated.answer.empty());
      }
    }
  }
  w.reader->Exit();

  // Upstream side: pretend this was the answer to "www.example.com A".
  const std::string qname = DottedToWire("www.example.com");
  auto parsed =
      ParseUpstream(data, size, qname, type::kA, CachePolicy{}, std::chrono::steady_clock::now());
  if (parsed.ok()) {
    const std::string question = qname + std::string("\0\1\0\1", 4);
    for (size_t limit : {size_t{512}, size_t{1232}, kMaxTcpMessage}) {
      ClientView c;
      c.id = 7;
      c.question = question;
      c.has_edns = limit != 512;
      c.limit = limit;
      size_t n =
          BuildForwardedReply(*parsed, c, std::chrono::steady_clock::now(), {}, 0, out.data());
      Check(n >= kHeaderSize && n <= limit);
      std::string prefix("\xC0\x0C\x00\x05\x00\x01\x00\x00\x00\x05\x00\x02\xC0\x0C", 14);
      n = BuildForwardedReply(*parsed, c, std::chrono::steady_clock::now(), prefix, 1, out.data());
      Check(n >= kHeaderSize && n <= limit);
    }
  }

  {  // Arbitrary bytes: TruncateReply keeps within them or refuses.
    std::vector<uint8_t> copy(data, data + size);
    const size_t cut = TruncateReply(copy.data(), copy.size());
    Check(cut == 0 || (cut > kHeaderSize && cut <= size));
  }

  uint8_t name[kMaxNameLen];
  for (size_t off = 0; off < size && off < 512; ++off) {
    size_t next = 0;
    size_t n = ReadName(data, size, off, name, &next);
    Check(n <= kMaxNameLen);
    if (n) Check(next > off && next <= size);
  }
  return 0;
}
