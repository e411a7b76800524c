// One conformance suite for every Store implementation: the etcd v3 model's
// revisions, ranges, transactions, watches and compaction. Each test works
// under its own key prefix and reasons only about revisions it observed, so
// the etcd backend can share one etcd process across tests.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "controlplane/store/store.h"
#include "controlplane/store/store_test_fixture.h"

namespace skiff::store {
namespace {

using testing::EventCollector;
using testing::StoreBackend;

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    sqlite_ = testing::NewSqliteBackend().release();
    std::string why;
    etcd_ = testing::NewEtcdBackend(&why).release();
    if (!etcd_) etcd_skip_reason_ = new std::string(why);
  }
  static void TearDownTestSuite() {
    delete sqlite_;
    delete etcd_;
    sqlite_ = etcd_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "etcd") {
      if (!etcd_ && etcd_skip_reason_->find("not installed") != std::string::npos) {
        GTEST_SKIP() << *etcd_skip_reason_;
      }
      ASSERT_NE(etcd_, nullptr) << "etcd backend failed: " << *etcd_skip_reason_;
      backend_ = etcd_;
    } else {
      backend_ = sqlite_;
    }
    auto s = backend_->Open();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("/t/") + info->name() + "/";
    for (char& c : prefix_) {
      if (c == '\0') c = '_';
    }
  }

  std::string K(const std::string& k) const { return prefix_ + k; }

  int64_t PutOk(const std::string& key, const std::string& value) {
    auto r = Put(*store_, K(key), value);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->revision : -1;
  }

  RangeResponse RangeOk(RangeRequest req) {
    auto r = store_->Range(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RangeResponse{};
  }

  RangeRequest PrefixRange(int64_t revision = 0) {
    RangeRequest req;
    req.key = prefix_;
    req.range_end = PrefixEnd(prefix_);
    req.revision = revision;
    return req;
  }

  static StoreBackend* sqlite_;
  static StoreBackend* etcd_;
  static std::string* etcd_skip_reason_;
  StoreBackend* backend_ = nullptr;
  std::unique_ptr<Store> store_;
  std::string prefix_;
};

StoreBackend* StoreConformance::sqlite_ = nullptr;
StoreBackend* StoreConformance::etcd_ = nullptr;
std::string* StoreConformance::etcd_skip_reason_ = nullptr;

TEST_P(StoreConformance, PutAssignsRevisionsAndVersions) {
  int64_t r1 = PutOk("a", "1");
  int64_t r2 = PutOk("a", "2");
  EXPECT_EQ(r2, r1 + 1);
  auto kv = Get(*store_, K("a"));
  ASSERT_TRUE(kv.ok());
  ASSERT_TRUE(kv->has_value());
  EXPECT_EQ((*kv)->value, "2");
  EXPECT_EQ((*kv)->create_revision, r1);
  EXPECT_EQ((*kv)->mod_revision, r2);
  EXPECT_EQ((*kv)->version, 2);
  auto rev = store_->CurrentRevision();
  ASSERT_TRUE(rev.ok());
  EXPECT_GE(*rev, r2);
}

TEST_P(StoreConformance, RangeIsSortedAndHonoursLimitAndCount) {
  for (const char* k : {"c", "a", "b", "d"})
    PutOk(k, k);
  auto all = RangeOk(PrefixRange());
  ASSERT_EQ(all.kvs.size(), 4u);
  EXPECT_EQ(all.kvs[0].key, K("a"));
  EXPECT_EQ(all.kvs[3].key, K("d"));
  EXPECT_EQ(all.count, 4);
  EXPECT_FALSE(all.more);

  RangeRequest limited = PrefixRange();
  limited.limit = 2;
  auto two = RangeOk(limited);
  ASSERT_EQ(two.kvs.size(), 2u);
  EXPECT_EQ(two.kvs[1].key, K("b"));
  EXPECT_EQ(two.count, 4);
  EXPECT_TRUE(two.more);

  RangeRequest from_b;
  from_b.key = K("b");
  from_b.range_end = K("d");
  EXPECT_EQ(RangeOk(from_b).kvs.size(), 2u);  // b, c: end is exclusive

  RangeRequest counted = PrefixRange();
  counted.count_only = true;
  auto c = RangeOk(counted);
  EXPECT_EQ(c.count, 4);
  EXPECT_TRUE(c.kvs.empty());

  RangeRequest missing;
  missing.key = K("zzz");
  EXPECT_TRUE(RangeOk(missing).kvs.empty());
}

TEST_P(StoreConformance, RangeAtPastRevisionSeesOldState) {
  int64_t r1 = PutOk("k", "v1");
  int64_t r2 = PutOk("k", "v2");
  auto del = Delete(*store_, K("k"));
  ASSERT_TRUE(del.ok());
  int64_t r3 = del->revision;
  EXPECT_EQ(r3, r2 + 1);

  auto at1 = RangeOk(PrefixRange(r1));
  ASSERT_EQ(at1.kvs.size(), 1u);
  EXPECT_EQ(at1.kvs[0].value, "v1");
  auto at2 = RangeOk(PrefixRange(r2));
  ASSERT_EQ(at2.kvs.size(), 1u);
  EXPECT_EQ(at2.kvs[0].value, "v2");
  EXPECT_EQ(at2.kvs[0].version, 2);
  EXPECT_TRUE(RangeOk(PrefixRange(r3)).kvs.empty());
  EXPECT_TRUE(RangeOk(PrefixRange()).kvs.empty());

  auto future = store_->Range(PrefixRange(r3 + 1000));
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.status().code(), StatusCode::kOutOfRange);
}

TEST_P(StoreConformance, TxnCompareAndSwapOnModRevision) {
  int64_t r1 = PutOk("obj", "v1");
  TxnRequest cas;
  cas.compare.push_back({K("obj"), Compare::Target::kModRevision, Compare::Result::kEqual, r1, ""});
  cas.success.push_back({Op::Type::kPut, K("obj"), "", "v2", true, 0});
  cas.failure.push_back({Op::Type::kRange, K("obj"), "", "", false, 0});
  auto ok = store_->Txn(cas);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->succeeded);
  ASSERT_EQ(ok->results.size(), 1u);
  ASSERT_TRUE(ok->results[0].prev_kv.has_value());
  EXPECT_EQ(ok->results[0].prev_kv->value, "v1");

  // The same compare is now stale: the failure branch runs and reads.
  auto stale = store_->Txn(cas);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->succeeded);
  ASSERT_EQ(stale->results.size(), 1u);
  ASSERT_EQ(stale->results[0].range.kvs.size(), 1u);
  EXPECT_EQ(stale->results[0].range.kvs[0].value, "v2");
  EXPECT_EQ(stale->revision, ok->revision);  // nothing written
}

TEST_P(StoreConformance, TxnCreateOnlyIfAbsent) {
  TxnRequest create;
  create.compare.push_back(
      {K("new"), Compare::Target::kCreateRevision, Compare::Result::kEqual, 0, ""});
  create.success.push_back({Op::Type::kPut, K("new"), "", "first", false, 0});
  auto a = store_->Txn(create);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->succeeded);
  create.success[0].value = "second";
  auto b = store_->Txn(create);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->succeeded);
  EXPECT_EQ((*Get(*store_, K("new")))->value, "first");
}

TEST_P(StoreConformance, TxnCompareOnValueAndVersion) {
  PutOk("x", "hello");
  TxnRequest t;
  t.compare.push_back({K("x"), Compare::Target::kValue, Compare::Result::kEqual, 0, "hello"});
  t.compare.push_back({K("x"), Compare::Target::kVersion, Compare::Result::kLess, 2, ""});
  t.compare.push_back({K("x"), Compare::Target::kVersion, Compare::Result::kGreater, 0, ""});
  t.success.push_back({Op::Type::kPut, K("x"), "", "bye", false, 0});
  auto r = store_->Txn(t);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->succeeded);
  auto again = store_->Txn(t);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->succeeded);
}

TEST_P(StoreConformance, ValueCompareOnMissingKeyFails) {
  TxnRequest t;
  t.compare.push_back({K("absent"), Compare::Target::kValue, Compare::Result::kNotEqual, 0, "x"});
  t.success.push_back({Op::Type::kPut, K("absent"), "", "written", false, 0});
  auto r = store_->Txn(t);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->succeeded);
  EXPECT_FALSE((*Get(*store_, K("absent"))).has_value());
}

TEST_P(StoreConformance, TxnWritesManyKeysAtOneRevision) {
  TxnRequest t;
  t.success.push_back({Op::Type::kPut, K("m1"), "", "1", false, 0});
  t.success.push_back({Op::Type::kPut, K("m2"), "", "2", false, 0});
  t.success.push_back({Op::Type::kPut, K("m3"), "", "3", false, 0});
  auto r = store_->Txn(t);
  ASSERT_TRUE(r.ok());
  auto all = RangeOk(PrefixRange());
  ASSERT_EQ(all.kvs.size(), 3u);
  for (const auto& kv : all.kvs)
    EXPECT_EQ(kv.mod_revision, r->revision);
}

TEST_P(StoreConformance, TxnRejectsDuplicatePutKeys) {
  TxnRequest t;
  t.success.push_back({Op::Type::kPut, K("d"), "", "1", false, 0});
  t.success.push_back({Op::Type::kPut, K("d"), "", "2", false, 0});
  auto r = store_->Txn(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE((*Get(*store_, K("d"))).has_value());
}

TEST_P(StoreConformance, DeleteRangeReturnsPrevKvsAndCount) {
  PutOk("p/1", "a");
  PutOk("p/2", "b");
  PutOk("q", "c");
  TxnRequest t;
  t.success.push_back({Op::Type::kDelete, K("p/"), PrefixEnd(K("p/")), "", true, 0});
  auto r = store_->Txn(t);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->results[0].deleted, 2);
  ASSERT_EQ(r->results[0].prev_kvs.size(), 2u);
  EXPECT_EQ(r->results[0].prev_kvs[1].value, "b");
  EXPECT_EQ(RangeOk(PrefixRange()).kvs.size(), 1u);

  // Deleting nothing writes nothing.
  auto before = store_->CurrentRevision();
  auto none = Delete(*store_, K("nothing"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*store_->CurrentRevision(), *before);
}

TEST_P(StoreConformance, RecreatedKeyStartsANewLife) {
  PutOk("r", "1");
  PutOk("r", "2");
  ASSERT_TRUE(Delete(*store_, K("r")).ok());
  int64_t created = PutOk("r", "3");
  auto kv = *Get(*store_, K("r"));
  EXPECT_EQ(kv->create_revision, created);
  EXPECT_EQ(kv->version, 1);
}

TEST_P(StoreConformance, WatchDeliversPutsAndDeletesWithPrevKv) {
  EventCollector events;
  WatchRequest req;
  req.key = prefix_;
  req.range_end = PrefixEnd(prefix_);
  req.prev_kv = true;
  auto w = store_->Watch(req, events.Handler());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  int64_t r1 = PutOk("w", "1");
  int64_t r2 = PutOk("w", "2");
  ASSERT_TRUE(Delete(*store_, K("w")).ok());
  ASSERT_TRUE(Put(*store_, "/outside" + prefix_, "x").ok());  // not in the watched range

  auto got = events.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, Event::Type::kPut);
  EXPECT_EQ(got[0].kv.mod_revision, r1);
  EXPECT_FALSE(got[0].prev_kv.has_value());
  EXPECT_EQ(got[1].kv.value, "2");
  ASSERT_TRUE(got[1].prev_kv.has_value());
  EXPECT_EQ(got[1].prev_kv->value, "1");
  EXPECT_EQ(got[2].type, Event::Type::kDelete);
  EXPECT_EQ(got[2].kv.key, K("w"));
  EXPECT_EQ(got[2].kv.mod_revision, r2 + 1);
  ASSERT_TRUE(got[2].prev_kv.has_value());
  EXPECT_EQ(got[2].prev_kv->value, "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(events.events().size(), 3u);
}

TEST_P(StoreConformance, WatchFromPastRevisionCatchesUpWithoutGaps) {
  int64_t start = PutOk("h", "0");
  for (int i = 1; i < 20; ++i)
    PutOk("h", std::to_string(i));
  EventCollector events;
  WatchRequest req;
  req.key = K("h");
  req.start_revision = start;
  auto w = store_->Watch(req, events.Handler());
  ASSERT_TRUE(w.ok());
  std::thread writer([&] {
    for (int i = 20; i < 40; ++i)
      PutOk("h", std::to_string(i));
  });
  writer.join();
  auto got = events.WaitFor(40);
  ASSERT_EQ(got.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(got[i].kv.value, std::to_string(i));
    EXPECT_EQ(got[i].kv.version, i + 1);
  }
}

TEST_P(StoreConformance, CancelledWatchGetsNothingMore) {
  EventCollector events;
  WatchRequest req;
  req.key = K("c");
  auto w = store_->Watch(req, events.Handler());
  ASSERT_TRUE(w.ok());
  PutOk("c", "1");
  ASSERT_EQ(events.WaitFor(1).size(), 1u);
  w->reset();
  PutOk("c", "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(events.events().size(), 1u);
}

TEST_P(StoreConformance, CompactionDiscardsHistory) {
  int64_t r1 = PutOk("old", "1");
  int64_t r2 = PutOk("old", "2");
  int64_t r3 = PutOk("old", "3");
  auto compacted_before = store_->CompactedRevision();
  ASSERT_TRUE(compacted_before.ok());
  ASSERT_TRUE(store_->Compact(r2).ok());
  EXPECT_EQ(*store_->CompactedRevision(), r2);

  auto gone = store_->Range(PrefixRange(r1));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kOutOfRange);
  auto at_compact = RangeOk(PrefixRange(r2));
  ASSERT_EQ(at_compact.kvs.size(), 1u);
  EXPECT_EQ(at_compact.kvs[0].value, "2");
  EXPECT_EQ(RangeOk(PrefixRange(r3)).kvs[0].value, "3");

  WatchRequest req;
  req.key = K("old");
  req.start_revision = r1;
  EventCollector events;
  auto w = store_->Watch(req, events.Handler());
  if (w.ok()) {  // etcd reports compaction on the stream rather than at once
    EXPECT_EQ(events.WaitError().code(), StatusCode::kOutOfRange);
  } else {
    EXPECT_EQ(w.status().code(), StatusCode::kOutOfRange);
  }
  req.start_revision = r2 + 1;
  EventCollector ok_events;
  auto w2 = store_->Watch(req, ok_events.Handler());
  ASSERT_TRUE(w2.ok());
  auto got = ok_events.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kv.value, "3");

  Status again = store_->Compact(r2);
  EXPECT_EQ(again.code(), StatusCode::kOutOfRange);
}

TEST_P(StoreConformance, ConcurrentCompareAndSwapLosesNoUpdate) {
  PutOk("counter", "0");
  constexpr int kThreads = 4, kIncrements = 25;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        auto cur = *Get(*store_, K("counter"));
        int n = std::stoi((*cur).value);
        TxnRequest cas;
        cas.compare.push_back({K("counter"), Compare::Target::kModRevision, Compare::Result::kEqual,
                               cur->mod_revision, ""});
        cas.success.push_back({Op::Type::kPut, K("counter"), "", std::to_string(n + 1), false, 0});
        auto r = store_->Txn(cas);
        if (r.ok() && r->succeeded) {
          ++i;
        } else {
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ((*Get(*store_, K("counter")))->value, std::to_string(kThreads * kIncrements));
}

TEST_P(StoreConformance, ConcurrentWritersGetDistinctRevisions) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::vector<int64_t>> revs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        revs[t].push_back(PutOk("t" + std::to_string(t) + "/" + std::to_string(i), "v"));
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<int64_t> all;
  for (auto& v : revs)
    all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(RangeOk(PrefixRange()).count, kThreads * kEach);
}

TEST_P(StoreConformance, ReopenedStoreKeepsDataAndRevision) {
  int64_t r = PutOk("durable", "yes");
  store_.reset();
  auto reopened = backend_->Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(*reopened);
  auto kv = *Get(*store_, K("durable"));
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->value, "yes");
  EXPECT_EQ(kv->mod_revision, r);
  EXPECT_GE(*store_->CurrentRevision(), r);
  EXPECT_GT(PutOk("durable", "again"), r);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("sqlite", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skiff::store
