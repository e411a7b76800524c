// skiff-dns in process: answers stay consistent while Services change under
// a running server, and every change becomes visible.
#include <ares.h>
#include <arpa/nameser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dns/cache.h"
#include "dns/cluster_state.h"
#include "dns/forwarder.h"
#include "dns/responder.h"
#include "dns/server.h"
#include "dns/stats.h"
#include "tests/dns/harness.h"

namespace skiff::dns::e2e {
namespace {

class UpdateTest : public ::testing::TestWithParam<bool> {
 protected:
  UpdateTest() : state_(ClusterConfig{}), responder_(MakeResponderConfig()), stats_(3) {}
  static ResponderConfig MakeResponderConfig() {
    ResponderConfig rc;
    rc.zone = DottedToWire("cluster.local");
    return rc;
  }
  void SetUp() override {
    ServerConfig sc;
    sc.listen = "127.0.0.1:0";
    sc.workers = 2;
    server_ = std::make_unique<Server>(sc, responder_, state_, nullptr, nullptr, stats_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_.reset(); }

  ClusterState state_;
  Responder responder_;
  Stats stats_;
  std::unique_ptr<Server> server_;
};

Service Svc(const std::string& ip) {
  Service s;
  s.ns = "default";
  s.name = "flip";
  s.cluster_ips = {ip};
  return s;
}

TEST_P(UpdateTest, ServfailUntilSyncedThenConsistentAnswersWhileChanging) {
  CaresClient client(server_->port(), GetParam());
  const std::string name = "flip.default.svc.cluster.local";
  EXPECT_EQ(client.Query(name, ns_t_a).rcode(), 2);  // not synced yet
  ASSERT_TRUE(state_.UpsertService(Svc("10.0.0.1")).ok());
  state_.MarkSynced();
  EXPECT_EQ(CaresClient::Addresses(client.Query(name, ns_t_a), ns_t_a),
            std::vector<std::string>{"10.0.0.1"});

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 300 && !stop; ++i) {
      ASSERT_TRUE(state_.UpsertService(Svc(i % 2 ? "10.0.0.2" : "10.0.0.1")).ok());
      // Services coming and going around the one we query.
      Service other = Svc("10.0.1.1");
      other.name = "other" + std::to_string(i % 7);
      ASSERT_TRUE(state_.UpsertService(other).ok());
      if (i % 3 == 0) state_.DeleteService("default", "other" + std::to_string((i + 3) % 7));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  for (int i = 0; i < 300; ++i) {
    auto r = client.Query(name, ns_t_a);
    ASSERT_EQ(r.rcode(), 0);
    auto got = CaresClient::Addresses(r, ns_t_a);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0] == "10.0.0.1" || got[0] == "10.0.0.2") << got[0];
  }
  stop = true;
  writer.join();

  // The last write wins, and deletes become NXDOMAIN.
  ASSERT_TRUE(state_.UpsertService(Svc("10.0.0.3")).ok());
  state_.Flush();
  EXPECT_EQ(CaresClient::Addresses(client.Query(name, ns_t_a), ns_t_a),
            std::vector<std::string>{"10.0.0.3"});
  state_.DeleteService("default", "flip");
  state_.Flush();
  EXPECT_EQ(client.Query(name, ns_t_a).rcode(), 3);
  // Without a forwarder, names outside the zone are refused.
  EXPECT_EQ(client.Query("example.com", ns_t_a).rcode(), 5);
}

INSTANTIATE_TEST_SUITE_P(Transports, UpdateTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tcp" : "udp"; });

}  // namespace
}  // namespace skiff::dns::e2e
