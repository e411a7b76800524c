#include "dns/responder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "dns/cluster_state.h"
#include "dns/test_util.h"

namespace skiff::dns {
namespace {

using testing::Decode;
using testing::MakeQuery;
using testing::QueryOptions;
using testing::Response;

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClusterConfig cfg;
    cfg.reverse_cidrs = {"10.96.0.0/12", "fd00::/108"};
    state_ = std::make_unique<ClusterState>(cfg);
    Service web{.ns = "default",
                .name = "web",
                .cluster_ips = {"10.96.0.10", "fd00::10"},
                .ports = {{"http", "TCP", 80}, {"", "TCP", 8080}}};
    ASSERT_TRUE(state_->UpsertService(web).ok());
    Service db{
        .ns = "default", .name = "db", .cluster_ips = {"None"}, .ports = {{"pg", "TCP", 5432}}};
    ASSERT_TRUE(state_->UpsertService(db).ok());
    EndpointSlice s{.ns = "default", .name = "db-x", .service = "db"};
    s.endpoints = {{.addresses = {"10.244.1.1"}, .hostname = "db-0"},
                   {.addresses = {"10.244.1.2"}, .hostname = "db-1"},
                   {.addresses = {"10.244.1.3"}},
                   {.addresses = {"10.244.1.4"}, .hostname = "db-3", .ready = false}};
    s.ports = {{"pg", "TCP", 5432}};
    ASSERT_TRUE(state_->UpsertEndpointSlice(s).ok());
    Service ext{.ns = "default",
                .name = "ext",
                .type = ServiceType::kExternalName,
                .external_name = "www.example.com"};
    ASSERT_TRUE(state_->UpsertService(ext).ok());
    Service alias{.ns = "default",
                  .name = "alias",
                  .type = ServiceType::kExternalName,
                  .external_name = "web.default.svc.cluster.local"};
    ASSERT_TRUE(state_->UpsertService(alias).ok());
    Service empty{.ns = "other", .name = "empty", .cluster_ips = {"None"}};
    ASSERT_TRUE(state_->UpsertService(empty).ok());
    state_->MarkSynced();
    ResponderConfig rc;
    rc.zone = DottedToWire("cluster.local");
    responder_ = std::make_unique<Responder>(rc);
  }

  Response Ask(const std::string& name, uint16_t type, QueryOptions o = {}, bool tcp = false,
               Outcome* out = nullptr) {
    auto m = MakeQuery(name, type, o);
    auto reader = state_->snapshots().NewReader();
    const Zone* z = reader->Enter();
    Query q;
    buf_.assign(kMaxTcpMessage, 0);
    Outcome oc = responder_->Handle(m.data(), m.size(), tcp, *z, state_->synced(), rotation_++, &q,
                                    buf_.data());
    reader->Exit();
    if (out) *out = oc;
    if (oc.kind != Outcome::kReply) return Response{};
    return Decode(buf_.data(), oc.len);
  }

  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  std::unique_ptr<ClusterState> state_;
  std::unique_ptr<Responder> responder_;
  std::vector<uint8_t> buf_;
  uint32_t rotation_ = 0;
};

struct Case {
  std::string name;
  uint16_t type;
  uint8_t rcode;
  std::vector<std::string> answers;  // sorted
  bool soa_in_authority;
};

TEST_F(ResponderTest, TableOfRecordForms) {
  const std::vector<Case> cases = {
      {"web.default.svc.cluster.local", type::kA, 0, {"A 10.96.0.10"}, false},
      {"WEB.Default.Svc.Cluster.Local", type::kA, 0, {"A 10.96.0.10"}, false},
      {"web.default.svc.cluster.local", type::kAAAA, 0, {"AAAA fd00::10"}, false},
      {"web.default.svc.cluster.local", type::kTXT, 0, {}, true},
      {"_http._tcp.web.default.svc.cluster.local",
       type::kSRV,
       0,
       {"SRV 0 100 80 web.default.svc.cluster.local"},
       false},
      {"_http._udp.web.default.svc.cluster.local", type::kSRV, 3, {}, true},
      {"_tcp.web.default.svc.cluster.local", type::kSRV, 0, {}, true},
      {"10.0.96.10.in-addr.arpa", type::kPTR, 0, {"PTR web.default.svc.cluster.local"}, false},
      {"11.0.96.10.in-addr.arpa", type::kPTR, 3, {}, true},
      {"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
       type::kPTR,
       0,
       {"PTR web.default.svc.cluster.local"},
       false},
      {"db.default.svc.cluster.local",
       type::kA,
       0,
       {"A 10.244.1.1", "A 10.244.1.2", "A 10.244.1.3"},
       false},
      {"db-0.db.default.svc.cluster.local", type::kA, 0, {"A 10.244.1.1"}, false},
      {"10-244-1-3.db.default.svc.cluster.local", type::kA, 0, {"A 10.244.1.3"}, false},
      {"db-3.db.default.svc.cluster.local", type::kA, 3, {}, true},
      {"_pg._tcp.db.default.svc.cluster.local",
       type::kSRV,
       0,
       {"SRV 0 100 5432 10-244-1-3.db.default.svc.cluster.local",
        "SRV 0 100 5432 db-0.db.default.svc.cluster.local",
        "SRV 0 100 5432 db-1.db.default.svc.cluster.local"},
       false},
      {"1.1.244.10.in-addr.arpa", type::kPTR, 0, {"PTR db-0.db.default.svc.cluster.local"}, false},
      {"ext.default.svc.cluster.local", type::kCNAME, 0, {"CNAME www.example.com"}, false},
      {"alias.default.svc.cluster.local",
       type::kA,
       0,
       {"A 10.96.0.10", "CNAME web.default.svc.cluster.local"},
       false},
      {"empty.other.svc.cluster.local", type::kA, 3, {}, true},
      {"default.svc.cluster.local", type::kA, 0, {}, true},
      {"svc.cluster.local", type::kA, 0, {}, true},
      {"nope.default.svc.cluster.local", type::kA, 3, {}, true},
      {"dns-version.cluster.local", type::kTXT, 0, {"TXT 1.1.0"}, false},
      {"cluster.local", type::kSOA, 0, {"SOA ns.dns.cluster.local"}, false},
      {"cluster.local", type::kNS, 0, {"NS ns.dns.cluster.local"}, false},
      {"10-1-2-3.default.pod.cluster.local", type::kA, 0, {"A 10.1.2.3"}, false},
      {"fd00--5.default.pod.cluster.local", type::kAAAA, 0, {"AAAA fd00::5"}, false},
      {"10-1-2-3.default.pod.cluster.local", type::kAAAA, 0, {}, true},
      {"10-1-2-300.default.pod.cluster.local", type::kA, 3, {}, true},
      {"web.default.svc.cluster.local", 99, 0, {}, true},  // unknown type: NODATA
  };
  for (const Case& c : cases) {
    Response r = Ask(c.name, c.type);
    SCOPED_TRACE(c.name + " type " + std::to_string(c.type));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_TRUE(r.aa());
    EXPECT_EQ(Sorted(r.AnswerStrings()), c.answers);
    EXPECT_EQ(!r.authority.empty() && r.authority[0].type == type::kSOA, c.soa_in_authority);
    EXPECT_EQ(r.qname, [&] {
      std::string n = c.name;
      return n;
    }());
    EXPECT_FALSE(r.has_opt);  // the query had no OPT
  }
}

TEST_F(ResponderTest, NegativeAnswersCarrySoaWithNegativeTtl) {
  Response r = Ask("nope.default.svc.cluster.local", type::kA);
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].name, "cluster.local");
  EXPECT_EQ(r.authority[0].ttl, 5u);
  Response rev = Ask("99.0.96.10.in-addr.arpa", type::kPTR);
  ASSERT_EQ(rev.authority.size(), 1u);
  EXPECT_EQ(rev.authority[0].name, "96.10.in-addr.arpa");
}

TEST_F(ResponderTest, SrvCarriesTargetAddressesInAdditional) {
  Response r = Ask("_pg._tcp.db.default.svc.cluster.local", type::kSRV);
  ASSERT_EQ(r.additional.size(), 3u);
  for (const auto& rr : r.additional)
    EXPECT_EQ(rr.type, type::kA);
  EXPECT_EQ(r.additional[0].name, r.answer[0].target);
}

TEST_F(ResponderTest, OutsideZonesIsForwarded) {
  Outcome o;
  Ask("www.example.com", type::kA, {}, false, &o);
  EXPECT_EQ(o.kind, Outcome::kForward);
  Ask("1.2.3.4.in-addr.arpa", type::kPTR, {}, false, &o);
  EXPECT_EQ(o.kind, Outcome::kForward);
  // An ExternalName outside our zones: forward the target with the CNAME.
  Ask("ext.default.svc.cluster.local", type::kA, {}, false, &o);
  ASSERT_EQ(o.kind, Outcome::kForward);
  EXPECT_EQ(WireToDotted(o.chase_name, o.chase_len), "www.example.com");
  EXPECT_EQ(o.prefix_count, 1);
}

TEST_F(ResponderTest, EdnsIsEchoedOnlyWhenSent) {
  Response r =
      Ask("web.default.svc.cluster.local", type::kA, {.edns_udp_size = 4096, .edns_do = true});
  EXPECT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 1232);
  Response bad =
      Ask("web.default.svc.cluster.local", type::kA, {.edns_udp_size = 4096, .edns_version = 2});
  EXPECT_TRUE(bad.has_opt);
  EXPECT_EQ(bad.opt_ext_rcode, 1);  // BADVERS = 16
}

TEST_F(ResponderTest, ErrorsForBadClassesTypesAndOpcodes) {
  EXPECT_EQ(Ask("web.default.svc.cluster.local", type::kA, {.qclass = cls::kCH}).rcode,
            rcode::kRefused);
  EXPECT_EQ(Ask("cluster.local", type::kAXFR).rcode, rcode::kNotImp);
  EXPECT_EQ(Ask("cluster.local", type::kOPT).rcode, rcode::kFormErr);
}

TEST_F(ResponderTest, TruncatesOverUdpAndRotates) {
  EndpointSlice big{.ns = "default", .name = "big-1", .service = "big"};
  for (int i = 0; i < 100; ++i) {
    big.endpoints.push_back({.addresses = {"10.245.0." + std::to_string(i)}});
  }
  ASSERT_TRUE(
      state_->UpsertService({.ns = "default", .name = "big", .cluster_ips = {"None"}}).ok());
  ASSERT_TRUE(state_->UpsertEndpointSlice(big).ok());
  state_->Flush();
  const std::string name = "big.default.svc.cluster.local";
  Response udp = Ask(name, type::kA);
  EXPECT_TRUE(udp.tc());
  EXPECT_LT(udp.answer.size(), 100u);
  EXPECT_GT(udp.answer.size(), 0u);
  Response edns = Ask(name, type::kA, {.edns_udp_size = 4096});
  EXPECT_TRUE(edns.tc());  // 100 * 16 bytes > our 1232 payload
  Response tcp = Ask(name, type::kA, {}, true);
  EXPECT_FALSE(tcp.tc());
  EXPECT_EQ(tcp.answer.size(), 100u);
  Response tcp2 = Ask(name, type::kA, {}, true);
  EXPECT_NE(tcp.answer[0].rdata, tcp2.answer[0].rdata);  // rotation
  EXPECT_EQ(Sorted(tcp.AnswerStrings()), Sorted(tcp2.AnswerStrings()));
}

TEST(ResponderUnsynced, ServfailUntilSynced) {
  ClusterState state(ClusterConfig{});
  ResponderConfig rc;
  rc.zone = DottedToWire("cluster.local");
  Responder responder(rc);
  auto m = MakeQuery("web.default.svc.cluster.local", type::kA);
  auto reader = state.snapshots().NewReader();
  std::vector<uint8_t> out(kMaxTcpMessage);
  Query q;
  Outcome o = responder.Handle(m.data(), m.size(), false, *reader->Enter(), state.synced(), 0, &q,
                               out.data());
  reader->Exit();
  EXPECT_EQ(o.kind, Outcome::kReply);
  EXPECT_EQ(o.rcode, rcode::kServFail);
  state.MarkSynced();
  o = responder.Handle(m.data(), m.size(), false, *reader->Enter(), state.synced(), 0, &q,
                       out.data());
  reader->Exit();
  EXPECT_EQ(o.rcode, rcode::kNXDomain);
}

TEST(DashedIp, Parses) {
  uint8_t ip[16];
  const std::string v4 = "10-0-0-1", v6 = "fd00--1", bad = "10-0-0", lead = "10-0-0-01";
  EXPECT_EQ(ParseDashedIp(reinterpret_cast<const uint8_t*>(v4.data()), v4.size(), ip), 4u);
  EXPECT_EQ(ParseDashedIp(reinterpret_cast<const uint8_t*>(v6.data()), v6.size(), ip), 16u);
  EXPECT_EQ(ParseDashedIp(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), ip), 0u);
  EXPECT_EQ(ParseDashedIp(reinterpret_cast<const uint8_t*>(lead.data()), lead.size(), ip), 0u);
}

}  // namespace
}  // namespace skiff::dns
