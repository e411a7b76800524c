// Jobs on a real one-node cluster: pods run to completion under the Job controller,
// `netctl logs` reads a finished pod, a failing command ends in BackoffLimitExceeded,
// and Indexed pods see their JOB_COMPLETION_INDEX.
#include <thread>

#include "tests/e2e/e2e_test.h"

namespace skiff::e2e {
namespace {

using std::chrono::seconds;

std::string JobYaml(const std::string& name, const std::string& spec_extra,
                    const std::string& shell) {
  return "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + name + "\nspec:\n" + spec_extra +
         "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: "
         "main\n        image: busybox\n        command: [\"/bin/sh\", \"-c\", \"" +
         shell + "\"]\n";
}

// The Job's STATUS and COMPLETIONS columns ("Complete", "3/3").
std::pair<std::string, std::string> JobColumns(Cluster& c, const std::string& name) {
  RunResult r = c.Netctl({"get", "job", name, "--no-headers"});
  if (!r.ok()) return {};
  std::vector<std::string> cells;
  size_t i = 0;
  while (i < r.out.size() && cells.size() < 3) {
    size_t start = r.out.find_first_not_of(" \n", i);
    if (start == std::string::npos) break;
    size_t end = r.out.find("   ", start);
    cells.push_back(r.out.substr(
        start, end == std::string::npos ? r.out.find('\n', start) - start : end - start));
    if (end == std::string::npos) break;
    i = end;
  }
  if (cells.size() < 3) return {};
  return {cells[1], cells[2]};
}

// Polls the Job's STATUS until it is `want` or the timeout passes; the last STATUS seen.
std::string WaitJobStatus(Cluster& c, const std::string& name, const std::string& want,
                          std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = JobColumns(c, name).first;
    if (last == want || last == "Failed" || last == "Complete") return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return last;
}

TEST_F(E2eTest, JobRunsItsCompletionsAndKeepsTheLogs) {
  E2E_ASSERT_OK(
      cluster_->Apply(JobYaml("calc", "  completions: 3\n  parallelism: 2\n", "echo done")));
  ASSERT_EQ(WaitJobStatus(*cluster_, "calc", "Complete", seconds(120)), "Complete")
      << cluster_->Diagnostics();
  EXPECT_EQ(JobColumns(*cluster_, "calc").second, "3/3");
  auto pods = cluster_->Pods("batch.kubernetes.io/job-name=calc");
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  ASSERT_EQ(pods->size(), 3u);
  for (const auto& p : *pods)
    EXPECT_EQ(p.phase, "Succeeded") << p.name;
  RunResult logs = cluster_->Netctl({"logs", pods->front().name});
  ASSERT_TRUE(logs.ok()) << logs.out;
  EXPECT_EQ(logs.out, "done\n");
}

TEST_F(E2eTest, FailingJobStopsAtTheBackoffLimit) {
  E2E_ASSERT_OK(cluster_->Apply(JobYaml("broken", "  backoffLimit: 1\n", "exit 1")));
  // Two failed pods, 10 s of back-off between them.
  ASSERT_EQ(WaitJobStatus(*cluster_, "broken", "Failed", seconds(120)), "Failed")
      << cluster_->Diagnostics();
  RunResult json = cluster_->Netctl({"get", "job", "broken", "-o", "json"});
  ASSERT_TRUE(json.ok()) << json.out;
  EXPECT_NE(json.out.find("\"reason\": \"BackoffLimitExceeded\""), std::string::npos) << json.out;
  auto pods = cluster_->Pods("batch.kubernetes.io/job-name=broken");
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(pods->size(), 2u);
  for (const auto& p : *pods)
    EXPECT_EQ(p.phase, "Failed") << p.name;
}

TEST_F(E2eTest, IndexedJobPodsSeeTheirIndex) {
  E2E_ASSERT_OK(cluster_->Apply(
      JobYaml("shards", "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n",
              "echo index=$JOB_COMPLETION_INDEX host=$(hostname)")));
  ASSERT_EQ(WaitJobStatus(*cluster_, "shards", "Complete", seconds(120)), "Complete")
      << cluster_->Diagnostics();
  auto pods = cluster_->Pods("batch.kubernetes.io/job-name=shards");
  ASSERT_TRUE(pods.ok());
  ASSERT_EQ(pods->size(), 3u);
  std::set<std::string> seen;
  for (const auto& p : *pods) {
    std::string index = p.labels.at("batch.kubernetes.io/job-completion-index");
    seen.insert(index);
    RunResult logs = cluster_->Netctl({"logs", p.name});
    ASSERT_TRUE(logs.ok()) << logs.out;
    EXPECT_EQ(logs.out, "index=" + index + " host=shards-" + index + "\n") << p.name;
  }
  EXPECT_EQ(seen, (std::set<std::string>{"0", "1", "2"}));
  RunResult json = cluster_->Netctl({"get", "job", "shards", "-o", "json"});
  EXPECT_NE(json.out.find("\"completedIndexes\": \"0-2\""), std::string::npos) << json.out;
}

}  // namespace
}  // namespace skiff::e2e
