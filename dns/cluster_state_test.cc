#include "dns/cluster_state.h"

#include <gtest/gtest.h>

#include <thread>

#include "dns/schema.h"

namespace skiff::dns {
namespace {

bool Has(ClusterState& st, const std::string& dotted, uint16_t type) {
  auto reader = st.snapshots().NewReader();
  const Zone* z = reader->Enter();
  std::string w = DottedToWire(dotted);
  Zone::NodeRef n = z->Lookup(reinterpret_cast<const uint8_t*>(w.data()), w.size(),
                              HashName(reinterpret_cast<const uint8_t*>(w.data()), w.size()));
  bool found = n && (type == 0 || n.zone->FindRRSet(*n.node, type) != nullptr);
  reader->Exit();
  return found;
}

TEST(ClusterState, UpsertAndDeleteAreReflectedAfterFlush) {
  ClusterState st(ClusterConfig{});
  ASSERT_TRUE(st.UpsertService({.ns = "a", .name = "s", .cluster_ips = {"10.0.0.1"}}).ok());
  st.Flush();
  EXPECT_TRUE(Has(st, "s.a.svc.cluster.local", type::kA));
  EXPECT_TRUE(Has(st, "a.svc.cluster.local", 0));  // empty non-terminal
  st.DeleteService("a", "s");
  st.Flush();
  EXPECT_FALSE(Has(st, "s.a.svc.cluster.local", 0));
  EXPECT_FALSE(Has(st, "a.svc.cluster.local", 0));
}

TEST(ClusterState, HeadlessFollowsSlices) {
  ClusterState st(ClusterConfig{});
  ASSERT_TRUE(st.UpsertService({.ns = "a", .name = "h", .cluster_ips = {"None"}}).ok());
  st.Flush();
  EXPECT_FALSE(Has(st, "h.a.svc.cluster.local", 0));  // no ready endpoints: NXDOMAIN
  EndpointSlice sl{
      .ns = "a", .name = "h-1", .service = "h", .endpoints = {{.addresses = {"10.1.0.1"}}}};
  ASSERT_TRUE(st.UpsertEndpointSlice(sl).ok());
  st.Flush();
  EXPECT_TRUE(Has(st, "h.a.svc.cluster.local", type::kA));
  EXPECT_TRUE(Has(st, "10-1-0-1.h.a.svc.cluster.local", type::kA));
  sl.endpoints[0].ready = false;
  ASSERT_TRUE(st.UpsertEndpointSlice(sl).ok());
  st.Flush();
  EXPECT_FALSE(Has(st, "h.a.svc.cluster.local", 0));
  ASSERT_TRUE(
      st.UpsertService(
            {.ns = "a", .name = "h", .cluster_ips = {"None"}, .publish_not_ready_addresses = true})
          .ok());
  st.Flush();
  EXPECT_TRUE(Has(st, "h.a.svc.cluster.local", type::kA));
  st.DeleteEndpointSlice("a", "h-1");
  st.Flush();
  EXPECT_FALSE(Has(st, "h.a.svc.cluster.local", 0));
}

// Small changes are published as deltas over the last full zone; answers
// must be exactly those of a full rebuild, including names that disappear,
// non-terminals that stay because something else is below them, and names
// shared by two Services (a PTR of the same IP).
TEST(ClusterState, DeltasMatchFullRebuilds) {
  ClusterConfig cfg;
  cfg.reverse_cidrs = {"10.0.0.0/16"};
  ClusterState st(cfg);
  std::vector<Service> base;
  for (int i = 0; i < 50; ++i) {
    base.push_back({.ns = "n" + std::to_string(i % 5),
                    .name = "s" + std::to_string(i),
                    .cluster_ips = {"10.0.1." + std::to_string(i)},
                    .ports = {{"http", "TCP", 80}}});
  }
  ASSERT_TRUE(st.ReplaceAll(base, {}, {}).ok());
  st.Flush();
  // Changes after the full build become deltas.
  ASSERT_TRUE(st.UpsertService({.ns = "n1", .name = "s1", .cluster_ips = {"10.0.9.9"}}).ok());
  ASSERT_TRUE(st.UpsertService({.ns = "n9", .name = "lonely", .cluster_ips = {"10.0.1.2"}}).ok());
  st.DeleteService("n0", "s0");
  st.Flush();
  auto reader = st.snapshots().NewReader();
  const Zone* z = reader->Enter();
  EXPECT_NE(z->base(), nullptr);  // a delta on top of the full zone
  reader->Exit();
  EXPECT_TRUE(Has(st, "s1.n1.svc.cluster.local", type::kA));
  EXPECT_FALSE(Has(st, "_http._tcp.s1.n1.svc.cluster.local", 0));  // port removed
  EXPECT_FALSE(Has(st, "_tcp.s1.n1.svc.cluster.local", 0));
  EXPECT_TRUE(Has(st, "9.9.0.10.in-addr.arpa", type::kPTR));
  EXPECT_FALSE(Has(st, "1.1.0.10.in-addr.arpa", 0));  // s1's old PTR
  EXPECT_FALSE(Has(st, "s0.n0.svc.cluster.local", 0));
  EXPECT_FALSE(Has(st, "0.1.0.10.in-addr.arpa", 0));
  EXPECT_TRUE(Has(st, "n0.svc.cluster.local", 0));  // s5, s10, ... remain in n0
  EXPECT_TRUE(Has(st, "lonely.n9.svc.cluster.local", type::kA));
  EXPECT_TRUE(Has(st, "n9.svc.cluster.local", 0));
  EXPECT_TRUE(Has(st, "2.1.0.10.in-addr.arpa", type::kPTR));  // shared by s2 and lonely
  st.DeleteService("n9", "lonely");
  st.Flush();
  EXPECT_FALSE(Has(st, "n9.svc.cluster.local", 0));
  EXPECT_TRUE(Has(st, "2.1.0.10.in-addr.arpa", type::kPTR));  // s2 still owns it
  EXPECT_TRUE(Has(st, "cluster.local", type::kSOA));
  EXPECT_TRUE(Has(st, "cluster.local", type::kNS));
  EXPECT_TRUE(Has(st, "dns-version.cluster.local", type::kTXT));
  // Consolidation folds the delta away without changing any answer.
  for (int i = 0; i < 200 &&
                  [&] {
                    auto r = st.snapshots().NewReader();
                    bool layered = r->Enter()->base() != nullptr;
                    r->Exit();
                    return layered;
                  }();
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    auto r = st.snapshots().NewReader();
    EXPECT_EQ(r->Enter()->base(), nullptr);
    r->Exit();
  }
  EXPECT_TRUE(Has(st, "s1.n1.svc.cluster.local", type::kA));
  EXPECT_FALSE(Has(st, "s0.n0.svc.cluster.local", 0));
  EXPECT_FALSE(Has(st, "n9.svc.cluster.local", 0));
  EXPECT_TRUE(Has(st, "2.1.0.10.in-addr.arpa", type::kPTR));
}

TEST(ClusterState, InvalidObjectsAreRejectedWhole) {
  ClusterState st(ClusterConfig{});
  Status s = st.UpsertService({.ns = "a", .name = "s", .cluster_ips = {"10.0.0.1", "10.0.0.300"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("clusterIPs[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("a/s"), std::string::npos);
  st.Flush();
  EXPECT_FALSE(Has(st, "s.a.svc.cluster.local", 0));
  Status e = st.UpsertEndpointSlice({.ns = "a",
                                     .name = "x",
                                     .service = "s",
                                     .address_type = AddressType::kIPv6,
                                     .endpoints = {{.addresses = {"10.0.0.1"}}}});
  EXPECT_NE(e.message().find("endpoints[0].addresses[0]"), std::string::npos) << e.message();
  Status p = st.UpsertService({.ns = "a", .name = "s", .ports = {{"http", "ICMP", 80}}});
  EXPECT_NE(p.message().find("ports[0].protocol"), std::string::npos) << p.message();
  Status r = st.ReplaceAll({{.ns = "a", .name = "ok"}, {.ns = "Bad Name", .name = "x"}}, {}, {});
  EXPECT_FALSE(r.ok());
  st.Flush();
  EXPECT_FALSE(Has(st, "ok.a.svc.cluster.local", 0));
}

TEST(ClusterState, VerifiedPodRecords) {
  ClusterConfig cfg;
  cfg.pod_mode = PodMode::kVerified;
  ClusterState st(cfg);
  ASSERT_TRUE(st.UpsertPod({.ns = "a", .name = "p", .ips = {"10.2.0.5", "fd00::5"}}).ok());
  st.Flush();
  EXPECT_TRUE(Has(st, "10-2-0-5.a.pod.cluster.local", type::kA));
  EXPECT_TRUE(Has(st, "fd00--5.a.pod.cluster.local", type::kAAAA));
  st.DeletePod("a", "p");
  st.Flush();
  EXPECT_FALSE(Has(st, "10-2-0-5.a.pod.cluster.local", 0));
}

TEST(ClusterState, ReverseZonesSplitOnLabelBoundaries) {
  ClusterConfig cfg;
  cfg.reverse_cidrs = {"10.96.0.0/12", "fd00::/106", "192.168.1.0/24"};
  auto apexes = MakeApexes(cfg);
  ASSERT_TRUE(apexes.ok());
  std::vector<std::string> names;
  for (const auto& a : *apexes)
    names.push_back(WireToDotted(a.name));
  EXPECT_EQ(std::count(names.begin(), names.end(), "96.10.in-addr.arpa"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "111.10.in-addr.arpa"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "1.168.192.in-addr.arpa"), 1);
  EXPECT_EQ(names.size(), 1 + 16 + 4 + 1 + 2u);
  cfg.reverse_cidrs = {"10.0.0.0/33"};
  EXPECT_FALSE(MakeApexes(cfg).ok());
  cfg.reverse_cidrs = {"banana/8"};
  EXPECT_NE(MakeApexes(cfg).status().message().find("banana"), std::string::npos);
}

TEST(ClusterState, ReadersNeverSeeFreedSnapshots) {
  ClusterState st(ClusterConfig{});
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    auto r = st.snapshots().NewReader();
    while (!stop.load()) {
      const Zone* z = r->Enter();
      volatile size_t n = z->node_count();
      (void)n;
      r->Exit();
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        st.UpsertService({.ns = "a", .name = "s" + std::to_string(i), .cluster_ips = {"10.0.0.1"}})
            .ok());
    if (i % 20 == 0) st.Flush();
  }
  st.Flush();
  stop = true;
  reader.join();
  EXPECT_TRUE(Has(st, "s199.a.svc.cluster.local", type::kA));
}

}  // namespace
}  // namespace skiff::dns
