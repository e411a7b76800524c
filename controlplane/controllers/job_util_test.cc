#include "controlplane/controllers/job_util.h"

#include <gtest/gtest.h>

#include "api/batch.h"

namespace skiff::controllers {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(JobUtilTest, IndexesRoundTrip) {
  EXPECT_EQ(FormatIndexes({}), "");
  EXPECT_EQ(FormatIndexes({0, 1, 2, 5}), "0-2,5");
  EXPECT_EQ(FormatIndexes({3, 7, 8}), "3,7-8");
  EXPECT_EQ(ParseIndexes("0-2,5", 10), (std::set<int32_t>{0, 1, 2, 5}));
  EXPECT_EQ(ParseIndexes("", 10), std::set<int32_t>{});
  // Out of range and malformed parts are dropped, not trusted.
  EXPECT_EQ(ParseIndexes("1,x,3-2,8-12,-1", 10), (std::set<int32_t>{1, 8, 9}));
  EXPECT_EQ(FormatIndexes(ParseIndexes("4,0-1,2", 10)), "0-2,4");
}

TEST(JobUtilTest, CompletionIndexFromAnnotationThenLabel) {
  api::Pod p;
  EXPECT_FALSE(CompletionIndexOf(p).has_value());
  (*p.mutable_metadata()->mutable_labels())[api::kJobCompletionIndex] = "4";
  EXPECT_EQ(CompletionIndexOf(p), 4);
  (*p.mutable_metadata()->mutable_annotations())[api::kJobCompletionIndex] = "2";
  EXPECT_EQ(CompletionIndexOf(p), 2);
  (*p.mutable_metadata()->mutable_annotations())[api::kJobCompletionIndex] = "two";
  EXPECT_FALSE(CompletionIndexOf(p).has_value());
}

TEST(JobUtilTest, BackoffDoublesFromTenSecondsUpToSixMinutes) {
  const milliseconds base = seconds(10), max = minutes(6);
  EXPECT_EQ(FailureBackoff(0, base, max), milliseconds(0));
  EXPECT_EQ(FailureBackoff(1, base, max), seconds(10));
  EXPECT_EQ(FailureBackoff(2, base, max), seconds(20));
  EXPECT_EQ(FailureBackoff(4, base, max), seconds(80));
  EXPECT_EQ(FailureBackoff(6, base, max), seconds(320));
  EXPECT_EQ(FailureBackoff(7, base, max), minutes(6));
  EXPECT_EQ(FailureBackoff(1000, base, max), minutes(6));
}

TEST(JobUtilTest, ConditionsKeepTheirTransitionTime) {
  api::JobStatus s;
  EXPECT_TRUE(SetJobCondition(&s, "Suspended", "True", "JobSuspended", "Job suspended", 100));
  EXPECT_FALSE(SetJobCondition(&s, "Suspended", "True", "JobSuspended", "Job suspended", 200));
  EXPECT_EQ(s.conditions(0).last_transition_time().seconds(), 100);
  EXPECT_TRUE(SetJobCondition(&s, "Suspended", "False", "JobResumed", "Job resumed", 300));
  EXPECT_EQ(s.conditions(0).last_transition_time().seconds(), 300);
  EXPECT_EQ(s.conditions_size(), 1);
  api::Job job;
  *job.mutable_status() = s;
  EXPECT_FALSE(IsJobFinished(job));
  SetJobCondition(job.mutable_status(), "Failed", "True", "DeadlineExceeded", "x", 400);
  EXPECT_TRUE(IsJobFinished(job));
}

TEST(JobUtilTest, FinishTime) {
  api::Pod p;
  p.mutable_metadata()->mutable_creation_timestamp()->set_seconds(10);
  EXPECT_EQ(PodFinishSeconds(p), 10);
  auto* ready = p.mutable_status()->add_conditions();
  ready->set_type("Ready");
  ready->mutable_last_transition_time()->set_seconds(20);
  EXPECT_EQ(PodFinishSeconds(p), 20);
  auto* c = p.mutable_status()->add_container_statuses();
  c->mutable_state()->mutable_terminated()->mutable_finished_at()->set_seconds(30);
  EXPECT_EQ(PodFinishSeconds(p), 30);
}

}  // namespace
}  // namespace skiff::controllers
