// Scale properties: concurrent ADDs on one node get distinct addresses, and
// many ADD/DEL cycles leave nothing behind.
#include <atomic>
#include <set>
#include <thread>

#include "tests/cni/fixture.h"

namespace skiff::cni::testing {
namespace {

class Scale : public CniTest {};

TEST_F(Scale, HundredConcurrentAddsGetDistinctAddresses) {
  constexpr int kPods = 100;
  std::vector<std::unique_ptr<TestNetns>> pods;
  for (int i = 0; i < kPods; ++i) {
    pods.push_back(std::make_unique<TestNetns>("c"));
    ASSERT_TRUE(pods.back()->ok());
  }
  std::vector<PluginResult> results(kPods);
  auto run_all = [&](const std::string& command) {
    std::vector<std::thread> threads;
    for (int i = 0; i < kPods; ++i) {
      threads.emplace_back([&, i]() {
        results[i] = Call(command, "conc-" + std::to_string(i), pods[i]->path(), BaseConf());
      });
    }
    for (auto& t : threads)
      t.join();
  };
  run_all("ADD");
  std::set<std::string> v4, v6, veths;
  for (int i = 0; i < kPods; ++i) {
    ASSERT_EQ(results[i].exit_code, 0) << i << ": " << results[i].out;
    const auto& ips = results[i].json.Find("ips")->as_array();
    ASSERT_EQ(ips.size(), 2u);
    v4.insert(ips[0].Find("address")->as_string());
    v6.insert(ips[1].Find("address")->as_string());
    veths.insert(results[i].json.Find("interfaces")->as_array()[0].Find("name")->as_string());
  }
  EXPECT_EQ(v4.size(), static_cast<size_t>(kPods));
  EXPECT_EQ(v6.size(), static_cast<size_t>(kPods));
  EXPECT_EQ(veths.size(), static_cast<size_t>(kPods));
  EXPECT_EQ(Reservations().size(), 2u * kPods);
  EXPECT_EQ(HostVeths().size(), static_cast<size_t>(kPods));
  EXPECT_EQ(HostRoutes(4, "10.77.").size(), static_cast<size_t>(kPods));

  run_all("DEL");
  for (int i = 0; i < kPods; ++i)
    EXPECT_EQ(results[i].exit_code, 0) << results[i].out;
  ExpectNothingLeft();
  for (const auto& p : pods)
    EXPECT_TRUE(Links(p->path()).empty());
}

TEST_F(Scale, ThousandAddDelCyclesLeaveNothing) {
  constexpr int kCycles = 1000;
  // A few pod namespaces reused round-robin (namespace creation is not what
  // this test measures; leftovers in them are checked at the end).
  std::vector<std::unique_ptr<TestNetns>> pods;
  for (int i = 0; i < 4; ++i)
    pods.push_back(std::make_unique<TestNetns>("y"));
  json::Value conf = BaseConf();
  int failures = 0;
  for (int i = 0; i < kCycles && failures < 5; ++i) {
    const TestNetns& pod = *pods[i % pods.size()];
    std::string id = "cycle-" + std::to_string(i);
    PluginResult add = Add(id, pod, conf);
    if (add.exit_code != 0) {
      ADD_FAILURE() << "ADD " << i << ": " << add.out;
      ++failures;
    }
    PluginResult del = Del(id, pod.path(), conf);
    if (del.exit_code != 0) {
      ADD_FAILURE() << "DEL " << i << ": " << del.out;
      ++failures;
    }
  }
  ExpectNothingLeft();
  for (const auto& p : pods) {
    EXPECT_TRUE(Links(p->path()).empty());
    EXPECT_EQ(Sh(p->path(), "ip -o addr show | grep -v ' lo '").out, "");
  }
  // The host namespace keeps no neighbour entries for deleted pods either.
  EXPECT_EQ(Sh(host_->path(), "ip neigh show | grep -c 10.77. || true").out, "0\n");
}

}  // namespace
}  // namespace skiff::cni::testing
