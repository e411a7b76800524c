// ApiReporter against a fake API client whose status writes can be held:
// concurrency, FIFO turns, latest-wins, one write per pod in flight,
// statuses before Events, retries.
#include "node/agent/reporter.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace skiff::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Records every write; status writes block while held.
class FakeClient : public api::ApiClient {
 public:
  struct Write {
    std::string what;  // "status <pod name> <phase>" or "event <reason>"
  };

  Result<api::ObjectResponse> Create(const api::CreateRequest& request) override {
    api::Event e;
    e.ParseFromString(request.object());
    std::lock_guard lock(mu_);
    writes_.push_back("event " + e.reason());
    return api::ObjectResponse();
  }
  Result<api::ObjectResponse> Update(const api::UpdateRequest& request) override {
    api::Pod pod;
    pod.ParseFromString(request.object());
    std::unique_lock lock(mu_);
    if (request.kind() != "Pod") return api::ObjectResponse();
    const std::string& uid = pod.metadata().uid();
    if (in_flight_.count(uid)) concurrent_same_pod_ = true;
    in_flight_.insert(uid);
    max_in_flight_ = std::max(max_in_flight_, in_flight_.size());
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    in_flight_.erase(uid);
    writes_.push_back("status " + pod.metadata().name() + " " + pod.status().phase());
    if (fail_next_ > 0) {
      --fail_next_;
      return Status(StatusCode::kUnavailable, "fake: server unavailable");
    }
    return api::ObjectResponse();
  }
  Result<api::ObjectResponse> Get(const api::GetRequest&) override { return NotFound("fake"); }
  Result<api::ListResponse> List(const api::ListRequest&) override { return api::ListResponse(); }
  Result<api::ObjectResponse> Delete(const api::DeleteRequest&) override {
    return api::ObjectResponse();
  }
  Result<std::unique_ptr<api::WatchStream>> Watch(const api::WatchRequest&) override {
    return Status(StatusCode::kUnimplemented, "fake");
  }
  Result<api::VersionResponse> Version() override { return api::VersionResponse(); }

  void Hold(bool held) {
    std::lock_guard lock(mu_);
    held_ = held;
    cv_.notify_all();
  }
  // Waits until `n` status writes are blocked in Update.
  bool WaitInFlight(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(10), [&] { return in_flight_.size() >= n; });
  }
  void FailNext(int n) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
  }
  std::vector<std::string> writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }
  size_t max_in_flight() {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  bool concurrent_same_pod() {
    std::lock_guard lock(mu_);
    return concurrent_same_pod_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int fail_next_ = 0;
  std::set<std::string> in_flight_;
  size_t max_in_flight_ = 0;
  bool concurrent_same_pod_ = false;
  std::vector<std::string> writes_;
};

api::Pod MakePod(const std::string& name) {
  api::Pod p;
  p.mutable_metadata()->set_name(name);
  p.mutable_metadata()->set_namespace_("default");
  p.mutable_metadata()->set_uid("uid-" + name);
  return p;
}

api::PodStatus Phase(const std::string& phase) {
  api::PodStatus s;
  s.set_phase(phase);
  return s;
}

TEST(ApiReporterTest, WritesStatusesOfDifferentPodsConcurrently) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 4);
  client.Hold(true);
  for (int i = 0; i < 4; ++i)
    reporter.SetStatus(MakePod("p" + std::to_string(i)), Phase("Running"));
  EXPECT_TRUE(client.WaitInFlight(4));
  client.Hold(false);
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  EXPECT_EQ(client.max_in_flight(), 4u);
  EXPECT_EQ(client.writes().size(), 4u);
}

TEST(ApiReporterTest, FifoByFirstQueuedAndLatestWins) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 1);
  client.Hold(true);
  reporter.SetStatus(MakePod("blocker"), Phase("Pending"));
  ASSERT_TRUE(client.WaitInFlight(1));
  // c, a, b queue in that order; a's newer status keeps a's turn.
  reporter.SetStatus(MakePod("c"), Phase("Pending"));
  reporter.SetStatus(MakePod("a"), Phase("Pending"));
  reporter.SetStatus(MakePod("b"), Phase("Pending"));
  reporter.SetStatus(MakePod("a"), Phase("Running"));
  client.Hold(false);
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  std::vector<std::string> want = {"status blocker Pending", "status c Pending", "status a Running",
                                   "status b Pending"};
  EXPECT_EQ(client.writes(), want);
}

TEST(ApiReporterTest, OneWritePerPodInFlightAndNoReordering) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 4);
  client.Hold(true);
  reporter.SetStatus(MakePod("a"), Phase("Pending"));
  ASSERT_TRUE(client.WaitInFlight(1));
  // Queued while a's first write is in flight: must wait for it, not race it.
  reporter.SetStatus(MakePod("a"), Phase("Running"));
  reporter.SetStatus(MakePod("b"), Phase("Running"));
  ASSERT_TRUE(client.WaitInFlight(2));  // b goes ahead on another writer
  client.Hold(false);
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  EXPECT_FALSE(client.concurrent_same_pod());
  std::vector<std::string> a_writes;
  for (const auto& w : client.writes()) {
    if (w.rfind("status a ", 0) == 0) a_writes.push_back(w);
  }
  std::vector<std::string> want = {"status a Pending", "status a Running"};
  EXPECT_EQ(a_writes, want);
}

TEST(ApiReporterTest, StatusesBeforeEventsAndEventsInOrder) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 1);
  client.Hold(true);
  reporter.SetStatus(MakePod("blocker"), Phase("Pending"));
  ASSERT_TRUE(client.WaitInFlight(1));
  reporter.Event(MakePod("a"), "Normal", "Created", "Created container main");
  reporter.Event(MakePod("a"), "Normal", "Started", "Started container main");
  reporter.SetStatus(MakePod("a"), Phase("Running"));
  client.Hold(false);
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  std::vector<std::string> want = {"status blocker Pending", "status a Running", "event Created",
                                   "event Started"};
  EXPECT_EQ(client.writes(), want);
}

TEST(ApiReporterTest, RetriesAFailedStatusWrite) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 2);
  client.FailNext(1);
  reporter.SetStatus(MakePod("a"), Phase("Running"));
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  std::vector<std::string> want = {"status a Running", "status a Running"};
  EXPECT_EQ(client.writes(), want);
}

TEST(ApiReporterTest, ForgetDropsAPendingStatus) {
  FakeClient client;
  ApiReporter reporter(client, "node-a", 1);
  client.Hold(true);
  reporter.SetStatus(MakePod("blocker"), Phase("Pending"));
  ASSERT_TRUE(client.WaitInFlight(1));
  reporter.SetStatus(MakePod("gone"), Phase("Running"));
  reporter.Forget("uid-gone");
  client.Hold(false);
  ASSERT_TRUE(reporter.Flush(seconds(10)));
  std::vector<std::string> want = {"status blocker Pending"};
  EXPECT_EQ(client.writes(), want);
}

}  // namespace
}  // namespace skiff::node
