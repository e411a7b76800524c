#include "dataplane/core/maglev.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace skiff::dataplane {
namespace {

MaglevBackend B(uint32_t id, const char* ip, uint16_t weight = 1) {
  return MaglevBackend{id, IpAddr::Parse(ip).value(), 8080, Protocol::kTCP, weight};
}

std::map<uint32_t, int> Shares(const std::vector<uint32_t>& t) {
  std::map<uint32_t, int> m;
  for (uint32_t id : t)
    m[id]++;
  return m;
}

TEST(Maglev, Primes) {
  EXPECT_TRUE(IsPrime(16381));
  EXPECT_TRUE(IsPrime(251));
  EXPECT_FALSE(IsPrime(16383));
  EXPECT_FALSE(IsPrime(1));
  EXPECT_FALSE(IsPrime(65536));
}

TEST(Maglev, FillsEveryslotEvenly) {
  std::vector<MaglevBackend> bs = {B(1, "10.0.0.1"), B(2, "10.0.0.2"), B(3, "10.0.0.3")};
  auto t = BuildMaglevTable(bs, 16381);
  ASSERT_EQ(t.size(), 16381u);
  auto s = Shares(t);
  ASSERT_EQ(s.size(), 3u);  // no empty (0) slot
  for (auto [id, n] : s)
    EXPECT_NEAR(n, 16381 / 3, 2) << "backend " << id;
}

TEST(Maglev, WeightsShapeShares) {
  std::vector<MaglevBackend> bs = {B(1, "10.0.0.1", 1), B(2, "10.0.0.2", 3)};
  auto s = Shares(BuildMaglevTable(bs, 16381));
  EXPECT_NEAR(static_cast<double>(s[2]) / s[1], 3.0, 0.05);
}

TEST(Maglev, ZeroWeightAndEmpty) {
  std::vector<MaglevBackend> bs = {B(1, "10.0.0.1", 0), B(2, "10.0.0.2", 1)};
  auto s = Shares(BuildMaglevTable(bs, 251));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s[2], 251);
  auto empty = BuildMaglevTable({}, 251);
  EXPECT_TRUE(std::all_of(empty.begin(), empty.end(), [](uint32_t v) { return v == 0; }));
}

TEST(Maglev, IndependentOfInputOrderAndIds) {
  std::vector<MaglevBackend> a = {B(1, "10.0.0.1"), B(2, "10.0.0.2"), B(3, "10.0.0.3")};
  std::vector<MaglevBackend> b = {a[2], a[0], a[1]};
  EXPECT_EQ(BuildMaglevTable(a, 4093), BuildMaglevTable(b, 4093));
}

TEST(Maglev, RemovingOneBackendMovesFewOthers) {
  std::vector<MaglevBackend> bs;
  char ip[32];
  for (uint32_t i = 1; i <= 10; ++i) {
    snprintf(ip, sizeof(ip), "10.0.1.%u", i);
    bs.push_back(B(i, ip));
  }
  auto before = BuildMaglevTable(bs, 16381);
  bs.erase(bs.begin() + 4);  // id 5
  auto after = BuildMaglevTable(bs, 16381);
  int moved = 0;
  for (size_t i = 0; i < before.size(); ++i)
    if (before[i] != 5 && before[i] != after[i]) ++moved;
  // Slots of surviving backends that changed owner: Maglev keeps this small.
  EXPECT_LT(moved, static_cast<int>(before.size() / 10));
}

TEST(FlowHash, DependsOnEveryField) {
  FlowTuple t{IpAddr::Parse("10.0.0.1").value(), IpAddr::Parse("10.96.0.1").value(), 1234, 80,
              Protocol::kTCP};
  uint32_t h = FlowHash(t);
  EXPECT_EQ(h, FlowHash(t));
  auto u = t;
  u.sport_be = 1235;
  EXPECT_NE(h, FlowHash(u));
  u = t;
  u.proto = Protocol::kUDP;
  EXPECT_NE(h, FlowHash(u));
  u = t;
  u.daddr = IpAddr::Parse("10.96.0.2").value();
  EXPECT_NE(h, FlowHash(u));
}

TEST(FlowHash, SpreadsAcrossSlots) {
  std::map<uint32_t, int> slots;
  FlowTuple t{IpAddr::Parse("10.0.0.1").value(), IpAddr::Parse("10.96.0.1").value(), 0, 80,
              Protocol::kTCP};
  for (int p = 0; p < 3000; ++p) {
    t.sport_be = static_cast<uint16_t>(20000 + p);
    slots[MaglevSlot(t, 3)]++;
  }
  for (auto [s, n] : slots)
    EXPECT_NEAR(n, 1000, 150) << "slot " << s;
}

}  // namespace
}  // namespace skiff::dataplane
