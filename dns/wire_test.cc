#include "dns/wire.h"

#include <gtest/gtest.h>

#include <vector>

#include "dns/test_util.h"

namespace skiff::dns {
namespace {

using testing::MakeQuery;

TEST(Wire, ParsesQueryAndLowercases) {
  auto m = MakeQuery("Web.Default.SVC.cluster.local", type::kA, {.id = 7, .edns_udp_size = 4096});
  Query q;
  ASSERT_EQ(ParseQuery(m.data(), m.size(), &q), ParseStatus::kOk);
  EXPECT_EQ(q.id, 7);
  EXPECT_EQ(q.qtype, type::kA);
  EXPECT_EQ(q.qclass, cls::kIN);
  EXPECT_EQ(q.label_count, 5);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(q.lower), q.qname_len),
            DottedToWire("web.default.svc.cluster.local"));
  EXPECT_EQ(q.qname[1], 'W');  // original case kept for the echo
  EXPECT_TRUE(q.has_edns);
  EXPECT_EQ(q.edns_udp_size, 4096);
  EXPECT_TRUE(q.IsLabelStart(0));
  EXPECT_TRUE(q.IsLabelStart(4));
  EXPECT_FALSE(q.IsLabelStart(1));
}

TEST(Wire, RejectsMalformedQueries) {
  Query q;
  auto good = MakeQuery("a.b", type::kA);
  // Too short for a header: dropped silently.
  EXPECT_EQ(ParseQuery(good.data(), 11, &q), ParseStatus::kDrop);
  // Truncated question.
  for (size_t n = kHeaderSize; n < good.size(); ++n) {
    EXPECT_EQ(ParseQuery(good.data(), n, &q), ParseStatus::kFormErr) << n;
  }
  // A response is never answered.
  auto resp = good;
  resp[2] |= 0x80;
  EXPECT_EQ(ParseQuery(resp.data(), resp.size(), &q), ParseStatus::kDrop);
  // Two questions.
  auto two = good;
  two[5] = 2;
  EXPECT_EQ(ParseQuery(two.data(), two.size(), &q), ParseStatus::kFormErr);
  auto none = good;
  none[5] = 0;
  EXPECT_EQ(ParseQuery(none.data(), none.size(), &q), ParseStatus::kFormErr);
  // Compression pointer in the question.
  auto ptr = good;
  ptr[12] = 0xC0;
  ptr[13] = 0x0C;
  EXPECT_EQ(ParseQuery(ptr.data(), ptr.size(), &q), ParseStatus::kFormErr);
  // Opcode other than QUERY.
  auto notify = good;
  notify[2] |= 4 << 3;
  EXPECT_EQ(ParseQuery(notify.data(), notify.size(), &q), ParseStatus::kNotImp);
  // Announced additional record missing.
  auto ar = good;
  ar[11] = 1;
  EXPECT_EQ(ParseQuery(ar.data(), ar.size(), &q), ParseStatus::kFormErr);
  // Two OPT records.
  auto opt = MakeQuery("a.b", type::kA, {.edns_udp_size = 1232});
  std::vector<uint8_t> two_opt = opt;
  two_opt.insert(two_opt.end(), opt.end() - 11, opt.end());
  two_opt[11] = 2;
  EXPECT_EQ(ParseQuery(two_opt.data(), two_opt.size(), &q), ParseStatus::kFormErr);
  // EDNS version 1.
  auto v1 = MakeQuery("a.b", type::kA, {.edns_udp_size = 1232, .edns_version = 1});
  EXPECT_EQ(ParseQuery(v1.data(), v1.size(), &q), ParseStatus::kBadVers);
}

TEST(Wire, NameTooLongIsFormErr) {
  std::string name;
  for (int i = 0; i < 50; ++i)
    name += "abcde.";
  auto m = MakeQuery(name, type::kA);
  Query q;
  EXPECT_EQ(ParseQuery(m.data(), m.size(), &q), ParseStatus::kFormErr);
}

TEST(Wire, ReadNameFollowsPointersButNotLoops) {
  // header(12) + "\3foo\0" at 12, then "\3bar" + ptr->12 at 17.
  std::vector<uint8_t> m(12, 0);
  const uint8_t body[] = {3, 'f', 'o', 'o', 0, 3, 'b', 'a', 'r', 0xC0, 12};
  m.insert(m.end(), body, body + sizeof body);
  uint8_t out[kMaxNameLen];
  size_t next = 0;
  size_t n = ReadName(m.data(), m.size(), 17, out, &next);
  ASSERT_EQ(n, 9u);
  EXPECT_EQ(next, m.size());
  EXPECT_EQ(WireToDotted(out, n), "bar.foo");
  // A pointer to itself, and a forward pointer: both rejected.
  std::vector<uint8_t> loop(12, 0);
  loop.push_back(0xC0);
  loop.push_back(12);
  EXPECT_EQ(ReadName(loop.data(), loop.size(), 12, out, &next), 0u);
  std::vector<uint8_t> fwd(12, 0);
  const uint8_t f[] = {0xC0, 14, 3, 'a', 'b', 'c', 0};
  fwd.insert(fwd.end(), f, f + sizeof f);
  EXPECT_EQ(ReadName(fwd.data(), fwd.size(), 12, out, &next), 0u);
}

TEST(Wire, TruncateReplyKeepsHeaderAndQuestionWithTc) {
  auto m = MakeQuery("web.default.svc.cluster.local", type::kSRV, {.id = 9, .edns_udp_size = 4096});
  m[2] |= 0x80;  // QR: make it a reply
  const size_t question_end =
      kHeaderSize + DottedToWire("web.default.svc.cluster.local").size() + 4;
  ASSERT_GT(m.size(), question_end);  // the OPT record follows
  ASSERT_EQ(TruncateReply(m.data(), m.size()), question_end);
  auto r = testing::Decode(m.data(), question_end);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.id, 9);
  EXPECT_TRUE(r.tc());
  EXPECT_EQ(r.qname, "web.default.svc.cluster.local");
  EXPECT_EQ(r.qdcount, 1);
  EXPECT_TRUE(r.answer.empty() && r.authority.empty() && r.additional.empty());

  auto cut = MakeQuery("a.b", type::kA);
  EXPECT_EQ(TruncateReply(cut.data(), cut.size() - 1), 0u);  // question runs past the end
  EXPECT_EQ(TruncateReply(cut.data(), kHeaderSize - 1), 0u);
  cut[5] = 0;  // QDCOUNT 0: nothing to keep
  EXPECT_EQ(TruncateReply(cut.data(), cut.size()), 0u);
}

TEST(Wire, DottedToWire) {
  EXPECT_EQ(DottedToWire("A.b."), std::string("\1a\1b\0", 5));
  EXPECT_EQ(DottedToWire("."), std::string(1, '\0'));
  EXPECT_EQ(DottedToWire("a..b"), "");
  EXPECT_EQ(DottedToWire(std::string(64, 'x')), "");
  EXPECT_EQ(WireToDotted(DottedToWire("web.default")), "web.default");
}

}  // namespace
}  // namespace skiff::dns
