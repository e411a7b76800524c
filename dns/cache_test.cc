#include "dns/cache.h"

#include <gtest/gtest.h>

#include "dns/test_util.h"
#include "dns/upstream_answer.h"
#include "dns/wire.h"

namespace skiff::dns {
namespace {

using Clock = std::chrono::steady_clock;

// An upstream reply to www.example.com A: `count` A records with `ttl`, an
// OPT, and for NXDOMAIN an SOA (ttl 60, minimum 30) instead.
std::vector<uint8_t> UpstreamReply(int count, uint32_t ttl, bool nx = false) {
  auto m = testing::MakeQuery("www.example.com", type::kA, {.id = 9});
  m[2] |= 0x80;  // QR
  if (nx) m[3] |= rcode::kNXDomain;
  for (int i = 0; i < count; ++i) {
    const uint8_t rr[] = {0xC0, 12, 0, 1, 0,   1, 0, 0,
                          0,    0,  0, 4, 192, 0, 2, static_cast<uint8_t>(i)};
    m.insert(m.end(), rr, rr + sizeof rr);
    Put32(m.data() + m.size() - 10, ttl);
  }
  Put16(m.data() + 6, static_cast<uint16_t>(count));
  if (nx) {
    std::string soa_rd = DottedToWire("ns.example.com") + DottedToWire("h.example.com");
    const uint8_t head[] = {0xC0, 16, 0, 6, 0, 1, 0, 0, 0, 60};  // owner example.com
    m.insert(m.end(), head, head + sizeof head);
    uint8_t len[2];
    Put16(len, static_cast<uint16_t>(soa_rd.size() + 20));
    m.insert(m.end(), len, len + 2);
    m.insert(m.end(), soa_rd.begin(), soa_rd.end());
    uint8_t nums[20] = {};
    Put32(nums + 16, 30);
    m.insert(m.end(), nums, nums + 20);
    Put16(m.data() + 8, 1);
  }
  const uint8_t opt[] = {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0};
  m.insert(m.end(), opt, opt + sizeof opt);
  Put16(m.data() + 10, 1);
  return m;
}

const std::string kName = DottedToWire("www.example.com");
const std::string kQuestion("\3WWW\7Example\3com\0\0\1\0\1", 21);

TEST(UpstreamAnswer, CachesForTheSmallestTtlAndAgesServedCopies) {
  auto now = Clock::now();
  auto m = UpstreamReply(2, 120);
  Put32(m.data() + m.size() - 11 - 16 + 6, 40);  // second record: TTL 40
  auto a = ParseUpstream(m.data(), m.size(), kName, type::kA, CachePolicy{}, now);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->cache_ttl, 40u);
  EXPECT_FALSE(a->negative);
  ClientView c;
  c.id = 77;
  c.question = std::string_view(reinterpret_cast<const char*>(kQuestion.data()), kQuestion.size());
  std::vector<uint8_t> out(kMaxTcpMessage);
  size_t n = BuildForwardedReply(*a, c, now + std::chrono::seconds(10), {}, 0, out.data());
  auto r = testing::Decode(out.data(), n);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.id, 77);
  EXPECT_EQ(r.qname, "WWW.Example.com");  // the client's case
  EXPECT_FALSE(r.has_opt);                // client sent no OPT
  ASSERT_EQ(r.answer.size(), 2u);
  EXPECT_EQ(r.answer[0].ttl, 110u);
  EXPECT_EQ(r.answer[1].ttl, 30u);
  c.has_edns = true;
  n = BuildForwardedReply(*a, c, now, {}, 0, out.data());
  r = testing::Decode(out.data(), n);
  EXPECT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 1232);
}

TEST(UpstreamAnswer, NegativeTtlFromSoaAndTruncation) {
  auto now = Clock::now();
  auto nx = UpstreamReply(0, 0, true);
  auto a = ParseUpstream(nx.data(), nx.size(), kName, type::kA, CachePolicy{}, now);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->negative);
  EXPECT_EQ(a->cache_ttl, 30u);  // min(SOA TTL 60, minimum 30)
  auto big = UpstreamReply(40, 300);
  auto b = ParseUpstream(big.data(), big.size(), kName, type::kA, CachePolicy{}, now);
  ASSERT_TRUE(b.ok());
  ClientView c;
  c.question = std::string_view(reinterpret_cast<const char*>(kQuestion.data()), kQuestion.size());
  std::vector<uint8_t> out(kMaxTcpMessage);
  size_t n = BuildForwardedReply(*b, c, now, {}, 0, out.data());
  auto r = testing::Decode(out.data(), n);
  EXPECT_TRUE(r.tc());
  EXPECT_LE(n, 512u);
  c.limit = kMaxTcpMessage;
  n = BuildForwardedReply(*b, c, now, {}, 0, out.data());
  EXPECT_EQ(testing::Decode(out.data(), n).answer.size(), 40u);
  // Not a reply to our question.
  EXPECT_FALSE(ParseUpstream(big.data(), big.size(), DottedToWire("other.example"), type::kA,
                             CachePolicy{}, now)
                   .ok());
}

TEST(ResponseCache, ExpiresAndEvicts) {
  ResponseCache cache(4, 1);
  auto now = Clock::now();
  auto entry = [&](uint32_t ttl, Clock::time_point fetched) {
    auto a = std::make_shared<UpstreamAnswer>();
    a->cache_ttl = ttl;
    a->fetched = fetched;
    return std::shared_ptr<const UpstreamAnswer>(a);
  };
  cache.Put("a", entry(10, now));
  EXPECT_NE(cache.Get("a", now + std::chrono::seconds(9)), nullptr);
  EXPECT_EQ(cache.Get("a", now + std::chrono::seconds(10)), nullptr);  // expired, dropped
  EXPECT_EQ(cache.size(), 0u);
  cache.Put("zero", entry(0, now));  // uncacheable
  EXPECT_EQ(cache.Get("zero", now), nullptr);
  for (const char* k : {"1", "2", "3", "4"})
    cache.Put(k, entry(100, now));
  EXPECT_NE(cache.Get("1", now), nullptr);  // 1 is now the most recently used
  cache.Put("5", entry(100, now));          // evicts 2, the least recently used
  EXPECT_EQ(cache.Get("2", now), nullptr);
  EXPECT_NE(cache.Get("1", now), nullptr);
  EXPECT_NE(cache.Get("5", now), nullptr);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.evictions(), 1u);
  ResponseCache off(0);
  off.Put("a", entry(10, now));
  EXPECT_EQ(off.Get("a", now), nullptr);
}

}  // namespace
}  // namespace skiff::dns
