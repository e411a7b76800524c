// Both engines pick the same backend for the same 5-tuple and backend set:
// the same Services go into the eBPF engine (its TC program, run with
// BPF_PROG_TEST_RUN) and into the DPDK pipeline (synthetic mbufs), and for
// each of many flows the backend each one translates to is compared, with
// each other and with dataplane/core's Maglev + flow hash.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "dataplane/dpdk/testing/harness.h"
#include "dataplane/ebpf/testing/fixture.h"
#include "dataplane/ebpf/testing/packet.h"

namespace skiff::dataplane {
namespace {

using testing::BuildPacket;
using testing::PacketSpec;
using testing::ParsePacket;

Service Web() {
  Service s;
  s.ns = "default";
  s.name = "web";
  s.cluster_ips = {"10.96.0.10", "fd00:96::10"};
  s.ports = {{"http", Protocol::kTCP, 80, 0, {8080, ""}},
             {"dns", Protocol::kUDP, 53, 0, {5353, ""}}};
  return s;
}

EndpointSlice Slice(const std::string& name, AddressType type, std::vector<std::string> ips,
                    std::vector<uint16_t> weights = {}) {
  EndpointSlice sl;
  sl.ns = "default";
  sl.name = name;
  sl.service_name = "web";
  sl.address_type = type;
  for (size_t i = 0; i < ips.size(); ++i) {
    Endpoint e;
    e.addresses = {ips[i]};
    if (i < weights.size()) e.weight = weights[i];
    sl.endpoints.push_back(e);
  }
  sl.ports = {{"http", Protocol::kTCP, 8080}, {"dns", Protocol::kUDP, 5353}};
  return sl;
}

class EnginesAgreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
    auto f = testing::LbFixture::Create(16381, "node-a", 4096);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    bpf_ = std::move(f).value();
    dpdk::testing::Harness::Options o;
    o.mode = dpdk::ForwardingMode::kNat;
    dpdk::testing::HarnessPort port;
    port.addrs = {"10.0.0.1/16", "fd00::1/64"};
    o.ports = {port};
    o.flows = 65536;
    auto h = dpdk::testing::Harness::Create(o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    dp_ = std::move(h).value();
  }

  void Install(const Service& s, const std::vector<EndpointSlice>& slices) {
    ASSERT_TRUE(bpf_->Upsert(s).ok());
    ASSERT_TRUE(dp_->Upsert(s).ok());
    for (const auto& sl : slices) {
      ASSERT_TRUE(bpf_->Upsert(sl).ok());
      ASSERT_TRUE(dp_->Upsert(sl).ok());
      for (const auto& e : sl.endpoints) {
        uint8_t mac[6] = {0x0a, 0, 0, 0, 0, 1};
        dp_->SetNeighbor(0, e.addresses[0], mac);
      }
    }
  }

  // Sends `n` flows to vip:port through both engines; returns how many
  // agreed (all must).
  void Compare(const char* client, const char* vip, uint16_t port, Protocol proto, int n) {
    std::map<std::string, int> spread;
    for (int i = 0; i < n; ++i) {
      PacketSpec p;
      p.src = IpAddr::Parse(client).value();
      p.src.bytes[p.src.is_v4() ? 3 : 15] = static_cast<uint8_t>(i * 7);
      p.dst = IpAddr::Parse(vip).value();
      p.sport = static_cast<uint16_t>(20000 + i * 13);
      p.dport = port;
      p.proto = proto;
      p.payload = proto == Protocol::kUDP ? "q" : "";
      auto frame = BuildPacket(p);
      auto tc = bpf_->RunTc(frame);
      ASSERT_TRUE(tc.ok()) << tc.status().ToString();
      auto from_bpf = ParsePacket(tc->out);
      ASSERT_TRUE(from_bpf.ok());
      auto out = dp_->Run(frame);
      ASSERT_EQ(out.where, dpdk::testing::Outcome::Where::kTx);
      auto from_dpdk = ParsePacket(out.frame);
      ASSERT_TRUE(from_dpdk.ok());
      FlowTuple t{p.src, p.dst, htons(p.sport), htons(p.dport), proto};
      auto want = dp_->ExpectedBackend(FrontendKey{p.dst, port, proto}, t);
      ASSERT_TRUE(want.ok());
      ASSERT_EQ(from_bpf->dst, want->addr) << "eBPF, flow " << i;
      ASSERT_EQ(from_dpdk->dst, want->addr) << "DPDK, flow " << i;
      ASSERT_EQ(from_bpf->dport, from_dpdk->dport);
      spread[from_dpdk->dst.ToString()]++;
    }
    EXPECT_GT(spread.size(), 1u);
  }

  std::unique_ptr<testing::LbFixture> bpf_;
  std::unique_ptr<dpdk::testing::Harness> dp_;
};

TEST_F(EnginesAgreeTest, SameBackendForTheSameFlowAndSet) {
  Install(Web(), {Slice("web-4", AddressType::kIPv4, {"10.0.1.1", "10.0.1.2", "10.0.1.3"}),
                  Slice("web-6", AddressType::kIPv6, {"fd00::a1", "fd00::a2"})});
  Compare("192.168.5.0", "10.96.0.10", 80, Protocol::kTCP, 400);
  Compare("192.168.6.0", "10.96.0.10", 53, Protocol::kUDP, 200);
  Compare("2001:db8::", "fd00:96::10", 80, Protocol::kTCP, 200);
}

TEST_F(EnginesAgreeTest, SameBackendWithWeightsAndAfterChanges) {
  Install(Web(), {Slice("web-4", AddressType::kIPv4,
                        {"10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"}, {1, 3, 2, 0})});
  Compare("192.168.5.0", "10.96.0.10", 80, Protocol::kTCP, 300);
  // A changed set: both engines rebuild the same table.
  Install(Web(), {Slice("web-4", AddressType::kIPv4, {"10.0.1.2", "10.0.1.5", "10.0.1.6"})});
  Compare("192.168.7.0", "10.96.0.10", 80, Protocol::kTCP, 300);
}

}  // namespace
}  // namespace skiff::dataplane
