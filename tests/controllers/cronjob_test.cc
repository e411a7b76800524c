// The CronJob controller against a real in-process server with an injected clock: the
// tests move the clock to schedule times instead of waiting for them. Jobs are finished
// by writing their status (no Job controller runs here).
#include <atomic>

#include "api/batch.h"
#include "api/cron.h"
#include "controlplane/controllers/cronjob_controller.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff {
namespace {

using server::testing::ApiServerTest;
using TimePoint = std::chrono::system_clock::time_point;

class CronJobControllerTest : public ApiServerTest {
 protected:
  void Customize(server::ServerOptions& o) override {
    o.run_controllers = false;
    o.run_scheduler = false;
  }
  void SetUp() override {
    ApiServerTest::SetUp();
    now_ = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
    controllers::CronJobControllerOptions opts;
    opts.clock = [this] { return TimePoint(std::chrono::seconds(now_.load())); };
    controller_ = std::make_unique<controllers::CronJobController>(*client_, opts);
    controller_->Start();
  }
  void TearDown() override {
    controller_.reset();
    ApiServerTest::TearDown();
  }

  // Moves the clock to `t` (seconds) and has the controller look.
  void SetClock(int64_t t) {
    now_ = t;
    controller_->Resync();
  }

  static api::CronJob MakeCronJob(const std::string& name, const std::string& schedule,
                                  const std::string& policy = "Allow") {
    api::CronJob c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_namespace_("default");
    c.mutable_spec()->set_schedule(schedule);
    c.mutable_spec()->set_concurrency_policy(policy);
    (*c.mutable_spec()->mutable_job_template()->mutable_metadata()->mutable_labels())["team"] =
        "batch";
    auto* spec = c.mutable_spec()
                     ->mutable_job_template()
                     ->mutable_spec()
                     ->mutable_template_()
                     ->mutable_spec();
    spec->set_restart_policy("OnFailure");
    auto* ct = spec->add_containers();
    ct->set_name("main");
    ct->set_image("busybox");
    return c;
  }

  // Creates `c` and returns its creation time (seconds).
  int64_t Create(const api::CronJob& c) {
    auto r = api::CreateObject(*client_, c);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->metadata().creation_timestamp().seconds() : 0;
  }

  // The first schedule time of `schedule` after `after` (seconds).
  static int64_t NextRun(const std::string& schedule, int64_t after, const std::string& tz = "") {
    auto s = api::CronSchedule::Parse(schedule);
    auto t = s->Next(TimePoint(std::chrono::seconds(after)), tz);
    return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
  }

  std::vector<api::Job> Jobs() {
    auto jobs = api::ListObjects<api::Job>(*client_, "default");
    auto out = jobs.ok() ? *jobs : std::vector<api::Job>{};
    std::sort(out.begin(), out.end(), [](const api::Job& a, const api::Job& b) {
      return a.metadata().name() < b.metadata().name();
    });
    return out;
  }
  api::CronJob Get(const std::string& name) {
    auto c = api::GetObject<api::CronJob>(*client_, "default", name);
    return c.ok() ? *c : api::CronJob();
  }
  // Marks a Job finished (Complete, or Failed) as the Job controller would.
  bool FinishJob(const std::string& name, bool success, int64_t at) {
    return Mutate<api::Job>(
               "default", name,
               [&](api::Job& j) {
                 auto* c = j.mutable_status()->add_conditions();
                 c->set_type(success ? "Complete" : "Failed");
                 c->set_status("True");
                 c->mutable_last_transition_time()->set_seconds(at);
                 j.mutable_status()->mutable_start_time()->set_seconds(at - 1);
                 if (success) j.mutable_status()->mutable_completion_time()->set_seconds(at);
               },
               true)
        .ok();
  }
  static std::string JobName(const std::string& cj, int64_t scheduled) {
    return cj + "-" + std::to_string(scheduled / 60);
  }
  bool HasEvent(const std::string& reason) {
    auto events = api::ListObjects<api::Event>(*client_, "default");
    if (!events.ok()) return false;
    for (const auto& e : *events) {
      if (e.reason() == reason) return true;
    }
    return false;
  }

  std::atomic<int64_t> now_{0};
  std::unique_ptr<controllers::CronJobController> controller_;
};

TEST_F(CronJobControllerTest, CreatesAJobPerScheduleTime) {
  int64_t created = Create(MakeCronJob("tick", "*/5 * * * *"));
  int64_t first = NextRun("*/5 * * * *", created);
  SetClock(first - 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(Jobs().empty());  // not due yet
  SetClock(first + 3);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  api::Job job = Jobs()[0];
  EXPECT_EQ(job.metadata().name(), JobName("tick", first));
  EXPECT_EQ(job.metadata().labels().at("team"), "batch");
  EXPECT_EQ(job.metadata().annotations().count(api::kCronJobScheduledTimestamp), 1u);
  ASSERT_EQ(job.metadata().owner_references_size(), 1);
  EXPECT_EQ(job.metadata().owner_references(0).kind(), "CronJob");
  EXPECT_TRUE(job.metadata().owner_references(0).controller());
  // The Job got its own defaults and generated selector.
  EXPECT_EQ(job.spec().backoff_limit(), 6);
  EXPECT_TRUE(job.spec().has_selector());
  ASSERT_TRUE(Eventually([&] {
    api::CronJob c = Get("tick");
    return c.status().active_size() == 1 && c.status().last_schedule_time().seconds() == first;
  }));
  EXPECT_EQ(Get("tick").status().active(0).name(), job.metadata().name());

  // Finishing it moves it out of active and sets lastSuccessfulTime.
  ASSERT_TRUE(FinishJob(job.metadata().name(), true, first + 30));
  ASSERT_TRUE(Eventually([&] {
    api::CronJob c = Get("tick");
    return c.status().active_size() == 0 &&
           c.status().last_successful_time().seconds() == first + 30;
  }));
  // The next time makes the next Job.
  int64_t second = NextRun("*/5 * * * *", first);
  SetClock(second + 1);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 2; }));
  EXPECT_EQ(Jobs()[1].metadata().name(), JobName("tick", second));
}

TEST_F(CronJobControllerTest, ForbidWaitsForTheActiveJob) {
  int64_t created = Create(MakeCronJob("solo", "* * * * *", "Forbid"));
  int64_t first = NextRun("* * * * *", created);
  SetClock(first + 1);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  SetClock(first + 61);
  ASSERT_TRUE(Eventually([&] { return HasEvent("JobAlreadyActive"); }));
  EXPECT_EQ(Jobs().size(), 1u);
  // Once it finished, the due run starts.
  ASSERT_TRUE(FinishJob(Jobs()[0].metadata().name(), true, first + 62));
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 2; }));
  EXPECT_EQ(Jobs()[1].metadata().name(), JobName("solo", first + 60));
}

TEST_F(CronJobControllerTest, ReplaceDeletesTheActiveJob) {
  int64_t created = Create(MakeCronJob("fresh", "* * * * *", "Replace"));
  int64_t first = NextRun("* * * * *", created);
  SetClock(first + 1);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  SetClock(first + 61);
  ASSERT_TRUE(Eventually([&] {
    auto jobs = Jobs();
    return jobs.size() == 1 && jobs[0].metadata().name() == JobName("fresh", first + 60);
  }));
  ASSERT_TRUE(Eventually([&] { return Get("fresh").status().active_size() == 1; }));
}

TEST_F(CronJobControllerTest, AllowRunsSideBySide) {
  int64_t created = Create(MakeCronJob("many", "* * * * *"));
  int64_t first = NextRun("* * * * *", created);
  SetClock(first + 1);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  SetClock(first + 61);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 2; }));
  ASSERT_TRUE(Eventually([&] { return Get("many").status().active_size() == 2; }));
}

TEST_F(CronJobControllerTest, SuspendStopsNewJobs) {
  api::CronJob c = MakeCronJob("held", "* * * * *");
  c.mutable_spec()->set_suspend(true);
  int64_t created = Create(c);
  SetClock(NextRun("* * * * *", created) + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(Jobs().empty());
  ASSERT_TRUE(Mutate<api::CronJob>("default", "held", [](api::CronJob& x) {
                x.mutable_spec()->set_suspend(false);
              }).ok());
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
}

TEST_F(CronJobControllerTest, HistoryLimitsKeepTheNewestFinishedJobs) {
  api::CronJob c = MakeCronJob("hist", "* * * * *");
  c.mutable_spec()->set_successful_jobs_history_limit(1);
  c.mutable_spec()->set_failed_jobs_history_limit(1);
  int64_t t = NextRun("* * * * *", Create(c));
  // Two successes, two failures, one minute apart.
  for (int i = 0; i < 4; ++i) {
    SetClock(t + 60 * i + 1);
    ASSERT_TRUE(
        Eventually([&] { return Jobs().size() >= 1 && Get("hist").status().active_size() == 1; }));
    std::string name = JobName("hist", t + 60 * i);
    ASSERT_TRUE(FinishJob(name, /*success=*/i < 2, t + 60 * i + 10));
    ASSERT_TRUE(Eventually([&] { return Get("hist").status().active_size() == 0; }));
  }
  ASSERT_TRUE(Eventually([&] {
    auto jobs = Jobs();
    return jobs.size() == 2 && jobs[0].metadata().name() == JobName("hist", t + 60) &&
           jobs[1].metadata().name() == JobName("hist", t + 180);
  }));
  EXPECT_EQ(Get("hist").status().last_successful_time().seconds(), t + 70);
}

TEST_F(CronJobControllerTest, StartingDeadlineSkipsLateRuns) {
  api::CronJob c = MakeCronJob("late", "*/10 * * * *");
  c.mutable_spec()->set_starting_deadline_seconds(30);
  int64_t due = NextRun("*/10 * * * *", Create(c));
  SetClock(due + 120);  // two minutes late: skipped
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(Jobs().empty());
  int64_t next = NextRun("*/10 * * * *", due);
  SetClock(next + 20);  // within the deadline
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  EXPECT_EQ(Jobs()[0].metadata().name(), JobName("late", next));
}

TEST_F(CronJobControllerTest, ManyMissedTimesStartOnlyTheMostRecent) {
  int64_t created = Create(MakeCronJob("behind", "* * * * *"));
  int64_t later = created + 1000 * 60 + 30;
  SetClock(later);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  EXPECT_EQ(Jobs()[0].metadata().name(), JobName("behind", later - later % 60));
  ASSERT_TRUE(Eventually([&] { return HasEvent("TooManyMissedTimes"); }));
}

TEST_F(CronJobControllerTest, TimeZoneDecidesTheWallClock) {
  api::CronJob c = MakeCronJob("tokyo", "0 9 * * *");
  c.mutable_spec()->set_time_zone("Asia/Tokyo");
  int64_t created = Create(c);
  int64_t due = NextRun("0 9 * * *", created, "Asia/Tokyo");
  EXPECT_EQ(due % 86400, 0);  // 09:00 in Tokyo (UTC+9) is 00:00 UTC
  SetClock(due + 5);
  ASSERT_TRUE(Eventually([&] { return Jobs().size() == 1; }));
  const std::string& stamp = Jobs()[0].metadata().annotations().at(api::kCronJobScheduledTimestamp);
  EXPECT_EQ(stamp.substr(stamp.size() - 15), "T09:00:00+09:00") << stamp;
}

}  // namespace
}  // namespace skiff
