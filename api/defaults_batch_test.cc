// Defaults of Job and CronJob.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "api/batch.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "skiff/api/batch.pb.h"

namespace skiff::api {
namespace {

template <typename T>
T Load(const std::string& yaml) {
  Result<std::unique_ptr<google::protobuf::Message>> m = ParseObject(yaml, "test.yaml");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  T out;
  if (m.ok()) out.CopyFrom(**m);
  return out;
}

const char kJob[] = R"(
apiVersion: batch/v1
kind: Job
metadata: {name: pi, uid: 1234}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl}]
)";

TEST(BatchDefaultsTest, JobCountsModeAndGeneratedSelector) {
  Job j = Load<Job>(kJob);
  ApplyDefaults(j);
  EXPECT_EQ(j.spec().completions(), 1);
  EXPECT_EQ(j.spec().parallelism(), 1);
  EXPECT_EQ(j.spec().backoff_limit(), 6);
  EXPECT_EQ(j.spec().completion_mode(), "NonIndexed");
  EXPECT_TRUE(j.spec().has_suspend());
  EXPECT_FALSE(j.spec().suspend());
  EXPECT_FALSE(j.spec().manual_selector());
  EXPECT_EQ(j.spec().template_().spec().restart_policy(), "Never");
  EXPECT_EQ(j.spec().template_().spec().dns_policy(), "ClusterFirst");
  ASSERT_EQ(j.spec().selector().match_labels().size(), 1u);
  EXPECT_EQ(j.spec().selector().match_labels().at(kJobControllerUidLabel), "1234");
  const auto& labels = j.spec().template_().metadata().labels();
  EXPECT_EQ(labels.at("controller-uid"), "1234");
  EXPECT_EQ(labels.at("batch.kubernetes.io/controller-uid"), "1234");
  EXPECT_EQ(labels.at("job-name"), "pi");
  EXPECT_EQ(labels.at("batch.kubernetes.io/job-name"), "pi");
  // An unlabelled Job takes its template's labels.
  EXPECT_EQ(j.metadata().labels().at("job-name"), "pi");
  // Idempotent.
  Job again = j;
  ApplyDefaults(again);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again, j));
}

TEST(BatchDefaultsTest, ParallelismWithoutCompletionsStaysAWorkQueue) {
  Job j = Load<Job>(std::string(kJob) + "  parallelism: 3\n");
  ApplyDefaults(j);
  EXPECT_FALSE(j.spec().has_completions());
  EXPECT_EQ(j.spec().parallelism(), 3);
  Job k = Load<Job>(std::string(kJob) + "  completions: 5\n");
  ApplyDefaults(k);
  EXPECT_EQ(k.spec().completions(), 5);
  EXPECT_EQ(k.spec().parallelism(), 1);
}

TEST(BatchDefaultsTest, RestartPolicyIsNotDefaulted) {
  Job j = Load<Job>(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      containers: [{name: pi, image: perl}]
)");
  ApplyDefaults(j);
  EXPECT_EQ(j.spec().template_().spec().restart_policy(), "");
}

TEST(BatchDefaultsTest, ManualSelectorAndUserLabelsAreKept) {
  Job j = Load<Job>(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: pi, uid: u1}
spec:
  manualSelector: true
  selector: {matchLabels: {app: pi}}
  template:
    metadata: {labels: {app: pi}}
    spec:
      restartPolicy: OnFailure
      containers: [{name: pi, image: perl}]
)");
  ApplyDefaults(j);
  EXPECT_EQ(j.spec().selector().match_labels().size(), 1u);
  EXPECT_EQ(j.spec().template_().metadata().labels().size(), 1u);
  EXPECT_EQ(j.metadata().labels().at("app"), "pi");

  // Without manualSelector the user's template labels stay and the generated ones join;
  // the Job's own labels are the user's.
  Job k = Load<Job>(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: pi, uid: u1}
spec:
  template:
    metadata: {labels: {app: pi}}
    spec:
      restartPolicy: OnFailure
      containers: [{name: pi, image: perl}]
)");
  ApplyDefaults(k);
  EXPECT_EQ(k.spec().template_().metadata().labels().size(), 5u);
  EXPECT_EQ(k.metadata().labels().size(), 1u);
}

TEST(BatchDefaultsTest, CronJob) {
  CronJob c = Load<CronJob>(R"(
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: m, image: busybox}]
)");
  ApplyDefaults(c);
  EXPECT_EQ(c.spec().concurrency_policy(), "Allow");
  EXPECT_FALSE(c.spec().suspend());
  EXPECT_TRUE(c.spec().has_suspend());
  EXPECT_EQ(c.spec().successful_jobs_history_limit(), 3);
  EXPECT_EQ(c.spec().failed_jobs_history_limit(), 1);
  // The Job spec is defaulted when the Job is made, not in the template (as Kubernetes).
  EXPECT_FALSE(c.spec().job_template().spec().has_backoff_limit());
  EXPECT_EQ(c.spec().job_template().spec().template_().spec().dns_policy(), "ClusterFirst");
  EXPECT_EQ(c.spec().job_template().spec().template_().spec().restart_policy(), "OnFailure");
}

}  // namespace
}  // namespace skiff::api
