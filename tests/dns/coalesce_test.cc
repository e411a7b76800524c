// skiff-dns in process under bursts: with receive coalescing forced on (a
// minimum rate of 1 query/s), queries sent in bursts larger than one
// recvmmsg batch are all answered, each with its own ID and the right
// record, and the server keeps answering single queries after the burst.
// While bursts keep UDP in hot mode (out of epoll), TCP is still served, and
// after an idle gap UDP is answered again from epoll.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
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

class CoalesceTest : public ::testing::Test {
 protected:
  CoalesceTest() : state_(ClusterConfig{}), responder_(MakeResponderConfig()), stats_(2) {}
  static ResponderConfig MakeResponderConfig() {
    ResponderConfig rc;
    rc.zone = DottedToWire("cluster.local");
    return rc;
  }
  void SetUp() override {
    for (int i = 0; i < 50; ++i) {
      Service s;
      s.ns = "default";
      s.name = "svc-" + std::to_string(i);
      s.cluster_ips = {"10.96.0." + std::to_string(i + 1)};
      ASSERT_TRUE(state_.UpsertService(s).ok());
    }
    state_.MarkSynced();
    state_.Flush();
    ServerConfig sc;
    sc.listen = "127.0.0.1:0";
    sc.workers = 1;
    sc.udp_coalesce = std::chrono::microseconds(200);
    sc.udp_coalesce_min_qps = 1;
    server_ = std::make_unique<Server>(sc, responder_, state_, nullptr, nullptr, stats_);
    ASSERT_TRUE(server_->Start().ok());
    fd_ = testing::ConnectLoopback(SOCK_DGRAM, server_->port());
    ASSERT_GE(fd_, 0);
    int buf = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    server_.reset();
  }

  void Send(uint16_t id) {
    testing::QueryOptions o;
    o.id = id;
    auto q = MakeQuery("svc-" + std::to_string(id % 50) + ".default.svc.cluster.local", 1, o);
    ASSERT_EQ(send(fd_, q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
  }
  // Reads answers until `want` distinct IDs arrived or 10 s passed; checks each.
  size_t Receive(size_t want) {
    std::map<uint16_t, bool> seen;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    uint8_t buf[1500];
    while (seen.size() < want && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      auto r = Decode(buf, static_cast<size_t>(n));
      EXPECT_TRUE(r.ok);
      EXPECT_EQ(r.rcode, 0) << r.id;
      EXPECT_EQ(r.AnswerStrings(),
                std::vector<std::string>{"A 10.96.0." + std::to_string(r.id % 50 + 1)})
          << r.id;
      EXPECT_FALSE(seen[r.id]) << "answered twice: " << r.id;
      seen[r.id] = true;
    }
    return seen.size();
  }

  // One query over a fresh TCP connection; returns the decoded reply.
  testing::Response TcpQuery(const std::string& name) {
    int fd = testing::ConnectLoopback(SOCK_STREAM, server_->port());
    EXPECT_GE(fd, 0);
    auto q = MakeQuery(name, 1);
    std::vector<uint8_t> framed{static_cast<uint8_t>(q.size() >> 8),
                                static_cast<uint8_t>(q.size() & 0xff)};
    framed.insert(framed.end(), q.begin(), q.end());
    EXPECT_EQ(send(fd, framed.data(), framed.size(), 0), static_cast<ssize_t>(framed.size()));
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::vector<uint8_t> in;
    uint8_t buf[1024];
    for (ssize_t n; (in.size() < 2 || in.size() < 2u + Get16(in.data())) &&
                    (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      in.insert(in.end(), buf, buf + n);
    close(fd);
    if (in.size() < 2) return {};
    return Decode(in.data() + 2, in.size() - 2);
  }

  ClusterState state_;
  Responder responder_;
  Stats stats_;
  std::unique_ptr<Server> server_;
  int fd_ = -1;
};

TEST_F(CoalesceTest, BurstsLargerThanABatchAreAllAnswered) {
  uint16_t id = 1;
  for (int burst = 0; burst < 10; ++burst) {
    for (int i = 0; i < 100; ++i)
      Send(id++);
    ASSERT_EQ(Receive(100), 100u) << "burst " << burst;
  }
  // Single queries after the bursts are still answered.
  for (int i = 0; i < 5; ++i) {
    Send(id++);
    ASSERT_EQ(Receive(1), 1u);
  }
}

TEST_F(CoalesceTest, TcpIsServedWhileUdpIsHotAndUdpRecoversAfterIdle) {
  uint16_t id = 1;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i)
      Send(id++);
    auto r = TcpQuery("svc-7.default.svc.cluster.local");
    ASSERT_TRUE(r.ok) << "round " << round;
    EXPECT_EQ(r.AnswerStrings(), std::vector<std::string>{"A 10.96.0.8"});
    ASSERT_EQ(Receive(100), 100u) << "round " << round;
    // Idle for many rate windows: the worker goes back to waiting in epoll,
    // and a single query must wake it.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    Send(id++);
    ASSERT_EQ(Receive(1), 1u) << "round " << round;
  }
}

}  // namespace
}  // namespace skiff::dns::e2e
