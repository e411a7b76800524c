// netctl with Jobs and CronJobs as users write them: apply, get (kubectl's columns),
// describe, and `create job --from=cronjob/NAME`. This server runs no controllers, so
// the status columns are written by the test where it needs them.
#include "api/client/typed.h"
#include "skiff/api/batch.pb.h"
#include "tests/netctl/netctl_fixture.h"
#include "tools/netctl/printers_batch.h"

namespace skiff::netctl::testing {
namespace {

using JobsTest = NetctlTest;

constexpr char kManifests[] = R"(apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: busybox
        command: ["/bin/sh", "-c", "echo done"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  timeZone: Europe/Berlin
  jobTemplate:
    metadata:
      labels: {team: batch}
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: busybox
            command: ["/bin/sh", "-c", "echo report"]
)";

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// The cells of a table line (split on runs of 3+ spaces, as the printer pads).
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t gap = line.find("   ", i);
    out.push_back(line.substr(i, gap == std::string::npos ? std::string::npos : gap - i));
    if (gap == std::string::npos) break;
    i = line.find_first_not_of(' ', gap);
  }
  return out;
}

TEST_F(JobsTest, ApplyGetDescribeAndCreateFromCronJob) {
  auto r = Netctl({"apply", "-f", WriteFile("jobs.yaml", kManifests)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "job.batch/pi created\ncronjob.batch/nightly created\n");

  r = Netctl({"get", "jobs"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Cells(FirstLine(r.out)),
            (std::vector<std::string>{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"}));
  auto row = Cells(r.out.substr(r.out.find('\n') + 1));
  ASSERT_GE(row.size(), 3u) << r.out;
  EXPECT_EQ(row[0], "pi");
  EXPECT_EQ(row[1], "Running");
  EXPECT_EQ(row[2], "0/3");

  r = Netctl({"get", "cj"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Cells(FirstLine(r.out)),
            (std::vector<std::string>{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE",
                                      "LAST SCHEDULE", "AGE"}));
  row = Cells(r.out.substr(r.out.find('\n') + 1));
  ASSERT_GE(row.size(), 6u) << r.out;
  EXPECT_EQ(row[0], "nightly");
  EXPECT_EQ(row[1], "0 3 * * *");
  EXPECT_EQ(row[2], "Europe/Berlin");
  EXPECT_EQ(row[3], "False");
  EXPECT_EQ(row[4], "0");
  EXPECT_EQ(row[5], "<none>");

  r = Netctl({"get", "jobs", "-o", "wide"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(FirstLine(r.out).find("SELECTOR"), std::string::npos);
  EXPECT_NE(r.out.find("batch.kubernetes.io/controller-uid="), std::string::npos) << r.out;

  r = Netctl({"describe", "job", "pi"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("Name:         pi\n"), 0u) << r.out;
  EXPECT_NE(r.out.find("completions: 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("backoffLimit: 6"), std::string::npos) << r.out;
  r = Netctl({"describe", "cronjob/nightly"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("schedule: \"0 3 * * *\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("concurrencyPolicy: Allow"), std::string::npos) << r.out;

  // A manual run of the CronJob.
  r = Netctl({"create", "job", "manual-run", "--from=cronjob/nightly"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "job.batch/manual-run created\n");
  auto job = api::GetObject<api::Job>(*client_, "default", "manual-run");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto cj = api::GetObject<api::CronJob>(*client_, "default", "nightly");
  ASSERT_TRUE(cj.ok());
  EXPECT_EQ(job->metadata().annotations().at("cronjob.kubernetes.io/instantiate"), "manual");
  EXPECT_EQ(job->metadata().labels().at("team"), "batch");
  ASSERT_EQ(job->metadata().owner_references_size(), 1);
  EXPECT_EQ(job->metadata().owner_references(0).kind(), "CronJob");
  EXPECT_EQ(job->metadata().owner_references(0).uid(), cj->metadata().uid());
  EXPECT_TRUE(job->metadata().owner_references(0).controller());
  EXPECT_EQ(job->spec().backoff_limit(), 2);
  EXPECT_EQ(job->spec().template_().spec().containers(0).name(), "report");

  // From scratch.
  r = Netctl({"create", "job", "once", "--image=busybox", "--", "/bin/echo", "hi"});
  ASSERT_EQ(r.code, 0) << r.err;
  job = api::GetObject<api::Job>(*client_, "default", "once");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->spec().template_().spec().restart_policy(), "Never");
  EXPECT_EQ(job->spec().template_().spec().containers(0).command_size(), 2);

  // Bad input names what is wrong and creates nothing.
  r = Netctl({"create", "job", "x", "--from=deployment/web"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("only cronjob/NAME is supported"), std::string::npos) << r.err;
  r = Netctl({"create", "job", "x", "--from=cronjob/missing"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  r = Netctl({"create", "job", "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(api::GetObject<api::Job>(*client_, "default", "x").ok());

  std::string bad = WriteFile("bad.yaml", R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: broken}
spec:
  schedule: "every day"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: m, image: busybox}]
)");
  r = Netctl({"apply", "-f", bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("spec.schedule: Invalid value: \"every day\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("spec.jobTemplate.spec.template.spec.restartPolicy: Required value"),
            std::string::npos)
      << r.err;
}

TEST(JobColumnsTest, StatusCompletionsDuration) {
  api::Job j;
  EXPECT_EQ(JobStatusText(j), "Running");
  EXPECT_EQ(JobCompletionsText(j), "0/1");
  EXPECT_EQ(JobDurationText(j), "");
  j.mutable_spec()->set_parallelism(3);
  EXPECT_EQ(JobCompletionsText(j), "0/1 of 3");
  j.mutable_spec()->set_completions(5);
  j.mutable_status()->set_succeeded(2);
  EXPECT_EQ(JobCompletionsText(j), "2/5");
  j.mutable_status()->mutable_start_time()->set_seconds(1000);
  j.mutable_status()->mutable_completion_time()->set_seconds(1075);
  EXPECT_EQ(JobDurationText(j), "75s");
  auto* c = j.mutable_status()->add_conditions();
  c->set_type("Suspended");
  c->set_status("True");
  EXPECT_EQ(JobStatusText(j), "Suspended");
  c->set_type("FailureTarget");
  EXPECT_EQ(JobStatusText(j), "FailureTarget");
  c->set_type("Failed");
  EXPECT_EQ(JobStatusText(j), "Failed");
  c->set_type("Complete");
  EXPECT_EQ(JobStatusText(j), "Complete");
}

}  // namespace
}  // namespace skiff::netctl::testing
