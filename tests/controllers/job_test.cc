// The Job controller against a real in-process server. No node agent runs: the tests
// finish pods themselves by writing pod status (phase, restarts), which is exactly
// what the controller reacts to. The garbage collector runs for the TTL cascade.
#include <algorithm>
#include <set>

#include "api/batch.h"
#include "controlplane/controllers/garbage_collector.h"
#include "controlplane/controllers/job_controller.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;

class JobControllerTest : public ApiServerTest {
 protected:
  void Customize(server::ServerOptions& o) override {
    o.run_controllers = false;  // only the controllers under test, with test options
    o.run_scheduler = false;    // pods stay unbound: deletes are immediate
  }
  void SetUp() override {
    ApiServerTest::SetUp();
    controllers::JobControllerOptions opts;
    opts.backoff_base = std::chrono::milliseconds(50);
    opts.backoff_max = std::chrono::milliseconds(200);
    jobs_ = std::make_unique<controllers::JobController>(*client_, opts);
    jobs_->Start();
    gc_ = std::make_unique<controllers::GarbageCollector>(*client_);
    gc_->Start();
  }
  void TearDown() override {
    jobs_.reset();
    gc_.reset();
    ApiServerTest::TearDown();
  }

  static api::Job MakeJob(const std::string& name, int completions, int parallelism,
                          const std::string& restart = "Never") {
    api::Job j;
    j.mutable_metadata()->set_name(name);
    j.mutable_metadata()->set_namespace_("default");
    if (completions >= 0) j.mutable_spec()->set_completions(completions);
    j.mutable_spec()->set_parallelism(parallelism);
    auto* spec = j.mutable_spec()->mutable_template_()->mutable_spec();
    spec->set_restart_policy(restart);
    auto* c = spec->add_containers();
    c->set_name("main");
    c->set_image("busybox");
    return j;
  }

  std::vector<api::Pod> Pods(const std::string& job) {
    auto pods = api::ListObjects<api::Pod>(*client_, "default",
                                           std::string(api::kJobNameLabel) + "=" + job);
    return pods.ok() ? *pods : std::vector<api::Pod>{};
  }
  std::vector<api::Pod> Active(const std::string& job) {
    std::vector<api::Pod> out;
    for (auto& p : Pods(job)) {
      if (p.status().phase() != "Succeeded" && p.status().phase() != "Failed" &&
          !p.metadata().has_deletion_timestamp()) {
        out.push_back(p);
      }
    }
    return out;
  }
  api::Job GetJob(const std::string& name) {
    auto j = api::GetObject<api::Job>(*client_, "default", name);
    return j.ok() ? *j : api::Job();
  }
  bool Finish(const api::Pod& p, const std::string& phase) {
    return Mutate<api::Pod>(
               "default", p.metadata().name(),
               [&](api::Pod& pod) { pod.mutable_status()->set_phase(phase); }, true)
        .ok();
  }
  static bool HasCondition(const api::Job& j, const std::string& type, const std::string& reason) {
    for (const auto& c : j.status().conditions()) {
      if (c.type() == type && c.status() == "True" && c.reason() == reason) return true;
    }
    return false;
  }

  std::unique_ptr<controllers::JobController> jobs_;
  std::unique_ptr<controllers::GarbageCollector> gc_;
};

TEST_F(JobControllerTest, RunsCompletionsWithinParallelismAndKeepsFinishedPods) {
  auto created = api::CreateObject(*client_, MakeJob("calc", 3, 2));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(Eventually([&] { return Active("calc").size() == 2; }));
  for (const auto& p : Pods("calc")) {
    ASSERT_EQ(p.metadata().owner_references_size(), 1);
    const auto& ref = p.metadata().owner_references(0);
    EXPECT_EQ(ref.kind(), "Job");
    EXPECT_EQ(ref.uid(), created->metadata().uid());
    EXPECT_TRUE(ref.controller());
    EXPECT_TRUE(ref.block_owner_deletion());
    EXPECT_EQ(p.metadata().labels().at(api::kJobControllerUidLabel), created->metadata().uid());
  }
  ASSERT_TRUE(Eventually([&] { return GetJob("calc").status().active() == 2; }));
  EXPECT_TRUE(GetJob("calc").status().has_start_time());

  // One succeeds: the last completion's pod starts; never more than 2 active.
  ASSERT_TRUE(Finish(Active("calc")[0], "Succeeded"));
  ASSERT_TRUE(Eventually([&] { return Pods("calc").size() == 3 && Active("calc").size() == 2; }));
  ASSERT_TRUE(Eventually([&] { return GetJob("calc").status().succeeded() == 1; }));
  for (const auto& p : Active("calc"))
    ASSERT_TRUE(Finish(p, "Succeeded"));
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("calc"), "Complete", "CompletionsReached"); }));
  api::Job done = GetJob("calc");
  EXPECT_TRUE(HasCondition(done, "SuccessCriteriaMet", "CompletionsReached"));
  EXPECT_EQ(done.status().succeeded(), 3);
  EXPECT_EQ(done.status().active(), 0);
  EXPECT_EQ(done.status().failed(), 0);
  EXPECT_TRUE(done.status().has_completion_time());
  // Finished pods stay (for logs); no fourth pod.
  auto pods = Pods("calc");
  EXPECT_EQ(pods.size(), 3u);
  for (const auto& p : pods)
    EXPECT_EQ(p.status().phase(), "Succeeded");
}

TEST_F(JobControllerTest, FailedPodsAreReplacedUntilTheBackoffLimit) {
  api::Job j = MakeJob("flaky", 1, 1);
  j.mutable_spec()->set_backoff_limit(1);
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(Eventually([&] { return Active("flaky").size() == 1; }));
  ASSERT_TRUE(Finish(Active("flaky")[0], "Failed"));
  // Replaced after the back-off.
  ASSERT_TRUE(Eventually([&] { return Pods("flaky").size() == 2 && Active("flaky").size() == 1; }));
  ASSERT_TRUE(Finish(Active("flaky")[0], "Failed"));
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("flaky"), "Failed", "BackoffLimitExceeded"); }));
  api::Job failed = GetJob("flaky");
  EXPECT_TRUE(HasCondition(failed, "FailureTarget", "BackoffLimitExceeded"));
  EXPECT_EQ(failed.status().failed(), 2);
  EXPECT_FALSE(failed.status().has_completion_time());
  EXPECT_EQ(Pods("flaky").size(), 2u);  // no third try
}

TEST_F(JobControllerTest, OnFailureRestartsCountAgainstTheBackoffLimit) {
  api::Job j = MakeJob("restarts", 1, 1, "OnFailure");
  j.mutable_spec()->set_backoff_limit(2);
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(Eventually([&] { return Active("restarts").size() == 1; }));
  std::string pod = Active("restarts")[0].metadata().name();
  ASSERT_TRUE(Mutate<api::Pod>(
                  "default", pod,
                  [](api::Pod& p) {
                    p.mutable_status()->set_phase("Running");
                    auto* c = p.mutable_status()->add_container_statuses();
                    c->set_name("main");
                    c->set_restart_count(2);
                  },
                  true)
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] { return HasCondition(GetJob("restarts"), "Failed", "BackoffLimitExceeded"); }));
  // The running pod was stopped.
  EXPECT_TRUE(Eventually([&] { return Active("restarts").empty(); }))
      << GetJob("restarts").DebugString() << Active("restarts")[0].DebugString();
}

TEST_F(JobControllerTest, ActiveDeadlineFailsTheJobAndStopsItsPods) {
  api::Job j = MakeJob("slow", 2, 2);
  j.mutable_spec()->set_active_deadline_seconds(1);
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("slow"), "Failed", "DeadlineExceeded"); },
                         std::chrono::seconds(15)));
  EXPECT_TRUE(HasCondition(GetJob("slow"), "FailureTarget", "DeadlineExceeded"));
  ASSERT_TRUE(Eventually([&] { return Active("slow").empty(); }));
  EXPECT_EQ(GetJob("slow").status().active(), 0);
}

TEST_F(JobControllerTest, SuspendDeletesActivePodsAndResumeStartsAgain) {
  api::Job j = MakeJob("paused", 4, 2);
  j.mutable_spec()->set_suspend(true);
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("paused"), "Suspended", "JobSuspended"); }));
  EXPECT_TRUE(Pods("paused").empty());
  ASSERT_TRUE(Mutate<api::Job>("default", "paused", [](api::Job& x) {
                x.mutable_spec()->set_suspend(false);
              }).ok());
  ASSERT_TRUE(Eventually([&] { return Active("paused").size() == 2; }));
  ASSERT_TRUE(Eventually([&] {
    api::Job now = GetJob("paused");
    return now.status().has_start_time() && !HasCondition(now, "Suspended", "JobSuspended");
  }));
  ASSERT_TRUE(Mutate<api::Job>("default", "paused", [](api::Job& x) {
                x.mutable_spec()->set_suspend(true);
              }).ok());
  ASSERT_TRUE(Eventually([&] { return Active("paused").empty(); }));
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("paused"), "Suspended", "JobSuspended"); }));
  EXPECT_FALSE(HasCondition(GetJob("paused"), "Failed", "BackoffLimitExceeded"));
}

TEST_F(JobControllerTest, IndexedPodsCarryTheirIndex) {
  api::Job j = MakeJob("idx", 3, 3);
  j.mutable_spec()->set_completion_mode("Indexed");
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(Eventually([&] { return Active("idx").size() == 3; }));
  std::set<std::string> seen;
  for (const auto& p : Active("idx")) {
    std::string index = p.metadata().annotations().at(api::kJobCompletionIndex);
    seen.insert(index);
    EXPECT_EQ(p.metadata().labels().at(api::kJobCompletionIndex), index);
    EXPECT_EQ(p.spec().hostname(), "idx-" + index);
    EXPECT_EQ(p.metadata().name().rfind("idx-" + index + "-", 0), 0u) << p.metadata().name();
    bool env = false;
    for (const auto& e : p.spec().containers(0).env())
      env |= e.name() == "JOB_COMPLETION_INDEX" && e.value() == index;
    EXPECT_TRUE(env);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"0", "1", "2"}));

  auto by_index = [&](const std::string& index) {
    for (const auto& p : Active("idx")) {
      if (p.metadata().annotations().at(api::kJobCompletionIndex) == index) return p;
    }
    return api::Pod();
  };
  ASSERT_TRUE(Finish(by_index("1"), "Succeeded"));
  ASSERT_TRUE(Finish(by_index("2"), "Succeeded"));
  ASSERT_TRUE(Eventually([&] { return GetJob("idx").status().completed_indexes() == "1-2"; }));
  // A failed index is retried under the same index.
  ASSERT_TRUE(Finish(by_index("0"), "Failed"));
  ASSERT_TRUE(Eventually([&] { return !by_index("0").metadata().name().empty(); }));
  ASSERT_TRUE(Finish(by_index("0"), "Succeeded"));
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("idx"), "Complete", "CompletionsReached"); }));
  EXPECT_EQ(GetJob("idx").status().completed_indexes(), "0-2");
  EXPECT_EQ(GetJob("idx").status().succeeded(), 3);
  EXPECT_EQ(GetJob("idx").status().failed(), 1);
}

TEST_F(JobControllerTest, WorkQueueCompletesWhenOneSucceededAndNoneRun) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeJob("queue", -1, 2)).ok());
  ASSERT_TRUE(Eventually([&] { return Active("queue").size() == 2; }));
  auto pods = Active("queue");
  ASSERT_TRUE(Finish(pods[0], "Succeeded"));
  ASSERT_TRUE(Eventually([&] { return GetJob("queue").status().succeeded() == 1; }));
  EXPECT_EQ(Pods("queue").size(), 2u);  // no new worker after a success
  EXPECT_FALSE(HasCondition(GetJob("queue"), "Complete", "CompletionsReached"));
  ASSERT_TRUE(Finish(pods[1], "Succeeded"));
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("queue"), "Complete", "CompletionsReached"); }));
}

TEST_F(JobControllerTest, LoweringParallelismDeletesSurplusPods) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeJob("wide", 10, 3)).ok());
  ASSERT_TRUE(Eventually([&] { return Active("wide").size() == 3; }));
  ASSERT_TRUE(Mutate<api::Job>("default", "wide", [](api::Job& x) {
                x.mutable_spec()->set_parallelism(1);
              }).ok());
  ASSERT_TRUE(Eventually([&] { return Active("wide").size() == 1; }));
}

TEST_F(JobControllerTest, TtlAfterFinishedDeletesJobAndPods) {
  api::Job j = MakeJob("brief", 1, 1);
  j.mutable_spec()->set_ttl_seconds_after_finished(0);
  ASSERT_TRUE(api::CreateObject(*client_, j).ok());
  ASSERT_TRUE(Eventually([&] { return Active("brief").size() == 1; }));
  ASSERT_TRUE(Finish(Active("brief")[0], "Succeeded"));
  ASSERT_TRUE(Eventually([&] {
    return api::GetObject<api::Job>(*client_, "default", "brief").status().code() ==
           StatusCode::kNotFound;
  }));
  ASSERT_TRUE(Eventually([&] { return Pods("brief").empty(); }));
}

}  // namespace
}  // namespace skiff
