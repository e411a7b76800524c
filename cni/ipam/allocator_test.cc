#include "cni/ipam/allocator.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace skiff::cni::ipam {
namespace {

class AllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-cni-ipam-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Config MakeConfig(const char* ipam) {
    auto v = json::Parse(ipam);
    EXPECT_TRUE(v.ok());
    auto c = ParseConfig(*v, nullptr, nullptr, CniArgs{});
    EXPECT_TRUE(c.ok()) << c.error().msg();
    Config cfg = *c;
    cfg.data_dir = dir_;
    return cfg;
  }

  Store Open() {
    auto s = Store::Open(dir_, "net1");
    EXPECT_TRUE(s.ok()) << s.error().msg();
    return std::move(*s);
  }

  std::string dir_;
};

TEST_F(AllocatorTest, RoundRobinSkipsGatewayAndDoesNotReuseImmediately) {
  Config cfg = MakeConfig(R"({"subnet": "10.9.0.0/29"})");  // usable .2-.6 (gw .1)
  Store store = Open();
  ASSERT_TRUE(store.Lock().ok());
  auto a = Allocate(store, cfg, "c1", "eth0");
  ASSERT_TRUE(a.ok()) << a.error().msg();
  EXPECT_EQ((*a)[0].address.ToString(), "10.9.0.2/29");
  EXPECT_EQ((*a)[0].gateway.ToString(), "10.9.0.1");
  auto b = Allocate(store, cfg, "c2", "eth0");
  EXPECT_EQ((*b)[0].address.addr.ToString(), "10.9.0.3");
  // Releasing c1 does not make .2 the next address: round-robin continues.
  auto rel = store.ReleaseAttachment("c1", "eth0");
  ASSERT_TRUE(rel.ok());
  ASSERT_EQ(rel->size(), 1u);
  EXPECT_EQ(Allocate(store, cfg, "c3", "eth0")->at(0).address.addr.ToString(), "10.9.0.4");
  EXPECT_EQ(Allocate(store, cfg, "c4", "eth0")->at(0).address.addr.ToString(), "10.9.0.5");
  EXPECT_EQ(Allocate(store, cfg, "c5", "eth0")->at(0).address.addr.ToString(), "10.9.0.6");
  // Wraps around to the freed .2.
  EXPECT_EQ(Allocate(store, cfg, "c6", "eth0")->at(0).address.addr.ToString(), "10.9.0.2");
  // Now exhausted.
  auto full = Allocate(store, cfg, "c7", "eth0");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), kTryAgainLater);
  EXPECT_NE(full.error().msg().find("10.9.0.1-10.9.0.6"), std::string::npos) << full.error().msg();
  EXPECT_FALSE(*HasFreeAddresses(store, cfg));
  EXPECT_EQ(store.List()->size(), 5u);
}

TEST_F(AllocatorTest, DualStackAndRollbackOnFailure) {
  Config cfg =
      MakeConfig(R"({"ranges": [[{"subnet": "10.9.0.0/30"}], [{"subnet": "fd09::/64"}]]})");
  Store store = Open();
  ASSERT_TRUE(store.Lock().ok());
  auto a = Allocate(store, cfg, "c1", "eth0");
  ASSERT_TRUE(a.ok()) << a.error().msg();
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].address.ToString(), "10.9.0.2/30");
  EXPECT_EQ((*a)[1].address.ToString(), "fd09::2/64");
  // IPv4 is exhausted (.2 only): the IPv6 part must not stay reserved either.
  cfg.range_sets = {cfg.range_sets[1], cfg.range_sets[0]};  // v6 first, then the full v4
  auto b = Allocate(store, cfg, "c2", "eth0");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(store.List()->size(), 2u);  // only c1's two addresses
}

TEST_F(AllocatorTest, RequestedAddress) {
  Config cfg = MakeConfig(R"({"subnet": "10.9.0.0/24"})");
  Store store = Open();
  ASSERT_TRUE(store.Lock().ok());
  cfg.requested = {*ParseIp("10.9.0.77")};
  auto a = Allocate(store, cfg, "c1", "eth0");
  ASSERT_TRUE(a.ok()) << a.error().msg();
  EXPECT_EQ((*a)[0].address.addr.ToString(), "10.9.0.77");
  auto dup = Allocate(store, cfg, "c2", "eth0");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().msg().find("reserved by container c1"), std::string::npos);
  cfg.requested = {*ParseIp("10.9.0.1")};
  EXPECT_NE(Allocate(store, cfg, "c3", "eth0").error().msg().find("gateway"), std::string::npos);
  cfg.requested = {*ParseIp("10.10.0.1")};
  EXPECT_NE(Allocate(store, cfg, "c3", "eth0").error().msg().find("outside"), std::string::npos);
}

TEST_F(AllocatorTest, HostLocalFileFormat) {
  Config cfg = MakeConfig(R"({"subnet": "10.9.0.0/24"})");
  Store store = Open();
  ASSERT_TRUE(store.Lock().ok());
  ASSERT_TRUE(Allocate(store, cfg, "abc", "eth1").ok());
  FILE* f = fopen((dir_ + "/net1/10.9.0.2").c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[64] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  EXPECT_EQ(std::string(buf, n), "abc\r\neth1");
  auto r = store.Get(*ParseIp("10.9.0.2"));
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->ifname, "eth1");
}

TEST_F(AllocatorTest, LastReservedShrinksCorrectly) {
  Store store = Open();
  ASSERT_TRUE(store.SetLastReserved(0, *ParseIp("fd00::1234:5678")).ok());
  ASSERT_TRUE(store.SetLastReserved(0, *ParseIp("10.9.0.100")).ok());
  ASSERT_TRUE(store.SetLastReserved(0, *ParseIp("10.9.0.99")).ok());
  EXPECT_EQ(store.LastReserved(0)->ToString(), "10.9.0.99");
  EXPECT_FALSE(store.LastReserved(1).has_value());
}

TEST_F(AllocatorTest, LockTimesOutWithTryAgain) {
  Store holder = Open();
  ASSERT_TRUE(holder.Lock().ok());
  Store other = Open();
  Error e = other.Lock(std::chrono::milliseconds(50));
  EXPECT_EQ(e.code(), kTryAgainLater);
  holder.Unlock();
  EXPECT_TRUE(other.Lock(std::chrono::milliseconds(50)).ok());
}

TEST_F(AllocatorTest, ConcurrentProcessesGetDistinctAddresses) {
  Config cfg = MakeConfig(R"({"subnet": "10.9.0.0/24"})");
  constexpr int kProcs = 20;
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = Store::Open(dir_, "net1");
      if (!s.ok() || !s->Lock().ok()) _exit(2);
      auto a = Allocate(*s, cfg, "c" + std::to_string(i), "eth0");
      _exit(a.ok() ? 0 : 1);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Store store = Open();
  auto all = store.List();
  ASSERT_TRUE(all.ok());
  std::set<std::string> ips, ids;
  for (const Reservation& r : *all) {
    ips.insert(r.ip.ToString());
    ids.insert(r.container_id);
  }
  EXPECT_EQ(ips.size(), static_cast<size_t>(kProcs));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kProcs));
}

TEST_F(AllocatorTest, OpenFailsWithIoError) {
  auto s = Store::Open("/dev/null/nope", "net1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), kIoFailure);
  EXPECT_NE(s.error().msg().find("/dev/null/nope/net1"), std::string::npos);
}

}  // namespace
}  // namespace skiff::cni::ipam
