// skiff-dns in process, in a network namespace of its own whose loopback
// MTU is 1280: a UDP reply that fits the client's EDNS size but not the
// interface (DF is set, IP_PMTUDISC_PROBE) goes out as header + question with
// TC=1 instead of being lost; a reply that fits the MTU goes out whole.
// Needs root (unshare(CLONE_NEWNET)); skipped otherwise.
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dns/cluster_state.h"
#include "dns/responder.h"
#include "dns/server.h"
#include "dns/stats.h"
#include "dns/test_util.h"
#include "dns/wire.h"

namespace skiff::dns::e2e {
namespace {

using testing::Decode;
using testing::MakeQuery;

constexpr int kLoopbackMtu = 1280;

// Sets the calling thread's loopback MTU and brings it up.
bool SetUpLoopback(int mtu) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  ifr.ifr_mtu = mtu;
  bool ok = ioctl(s, SIOCSIFMTU, &ifr) == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP;
  ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  close(s);
  return ok;
}

class MtuTest : public ::testing::Test {
 protected:
  MtuTest() : state_(ClusterConfig{}), responder_(MakeResponderConfig()), stats_(1) {}
  static ResponderConfig MakeResponderConfig() {
    ResponderConfig rc;
    rc.zone = DottedToWire("cluster.local");
    rc.max_udp_size = 4096;
    return rc;
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
    home_ns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(home_ns_, 0);
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    ASSERT_TRUE(SetUpLoopback(kLoopbackMtu)) << std::strerror(errno);
    AddHeadless("fits", 50);    // ~0.9 KB of A records
    AddHeadless("large", 200);  // ~3.3 KB: within EDNS 4096, over the MTU
    state_.MarkSynced();
    state_.Flush();
    ServerConfig sc;
    sc.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(sc, responder_, state_, nullptr, nullptr, stats_);
    ASSERT_TRUE(server_->Start().ok());
    fd_ = testing::ConnectLoopback(SOCK_DGRAM, server_->port());
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    server_.reset();
    if (home_ns_ >= 0) {
      EXPECT_EQ(setns(home_ns_, CLONE_NEWNET), 0);
      close(home_ns_);
    }
  }

  void AddHeadless(const std::string& name, int endpoints) {
    Service s;
    s.ns = "default";
    s.name = name;
    s.cluster_ips = {"None"};
    ASSERT_TRUE(state_.UpsertService(s).ok());
    EndpointSlice es;
    es.ns = "default";
    es.name = name + "-1";
    es.service = name;
    for (int i = 0; i < endpoints; ++i) {
      Endpoint e;
      e.addresses = {"10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)};
      es.endpoints.push_back(e);
    }
    ASSERT_TRUE(state_.UpsertEndpointSlice(es).ok());
  }

  // One UDP query with EDNS 4096; returns the raw reply (empty on timeout).
  std::vector<uint8_t> Ask(const std::string& name, uint16_t id) {
    testing::QueryOptions o;
    o.id = id;
    o.edns_udp_size = 4096;
    auto q = MakeQuery(name, 1, o);
    EXPECT_EQ(send(fd_, q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return {};
    std::vector<uint8_t> buf(65536);
    ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return buf;
  }

  ClusterState state_;
  Responder responder_;
  Stats stats_;
  std::unique_ptr<Server> server_;
  int fd_ = -1, home_ns_ = -1;
};

TEST_F(MtuTest, ReplyOverTheInterfaceMtuGoesOutTruncated) {
  auto whole = Ask("fits.default.svc.cluster.local", 1);
  ASSERT_FALSE(whole.empty()) << "no reply to a query whose answer fits the MTU";
  auto r = Decode(whole);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.tc());
  EXPECT_EQ(r.answer.size(), 50u);

  auto cut = Ask("large.default.svc.cluster.local", 2);
  ASSERT_FALSE(cut.empty()) << "a reply over the MTU was lost instead of truncated";
  r = Decode(cut);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.id, 2);
  EXPECT_TRUE(r.tc());
  EXPECT_EQ(r.qname, "large.default.svc.cluster.local");
  EXPECT_TRUE(r.answer.empty());
  EXPECT_LE(cut.size(), static_cast<size_t>(kLoopbackMtu));

  // The server keeps answering after the failed send.
  auto again = Ask("fits.default.svc.cluster.local", 3);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(Decode(again).answer.size(), 50u);
}

}  // namespace
}  // namespace skiff::dns::e2e
