// JobController: runs batch/v1 Jobs to completion, as Kubernetes' Job controller does.
//  - Creates pods from spec.template (controller ownerReference with blockOwnerDeletion),
//    keeping at most spec.parallelism active and never more than the completions still
//    missing; surplus active pods (parallelism lowered) are deleted.
//  - Counts finished pods into status (active, ready, terminating, succeeded, failed,
//    startTime, completionTime); finished pods are kept (for `netctl logs`), the garbage
//    collector removes them with their Job.
//  - Success (succeeded reaching completions, or for a work queue without completions:
//    one success and no pod left running): SuccessCriteriaMet, then Complete.
//  - Failure (failed pods > backoffLimit, or container restarts reaching it under
//    restartPolicy OnFailure: BackoffLimitExceeded; spec.activeDeadlineSeconds since
//    startTime: DeadlineExceeded): FailureTarget, active pods deleted, then Failed.
//  - A failed pod is replaced only after the back-off (base doubling per consecutive
//    failure since the last success, capped).
//  - spec.suspend deletes active pods (condition Suspended); resuming restarts the
//    deadline clock (startTime = now).
//  - Indexed completion mode: one pod per index, annotation + label
//    batch.kubernetes.io/job-completion-index, env JOB_COMPLETION_INDEX, hostname
//    "<job>-<index>"; status.completedIndexes "0-2,5".
//  - ttlSecondsAfterFinished deletes the finished Job (foreground: its pods first).
// Expectations keep it from creating twice on a stale pod cache. Thread-safe (the
// Controller base runs Reconcile on its worker threads).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "controlplane/controllers/expectations.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

struct JobControllerOptions {
  // Pod failure back-off: Kubernetes' 10 s doubling up to 6 min.
  std::chrono::milliseconds backoff_base = std::chrono::seconds(10);
  std::chrono::milliseconds backoff_max = std::chrono::minutes(6);
  // Wall clock for startTime, deadlines, back-off and TTL; tests may replace it.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

class JobController : public Controller {
 public:
  explicit JobController(api::ApiClient& client, JobControllerOptions options = {});
  ~JobController() override;
  std::string name() const override { return "job-controller"; }

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  using PodList = std::vector<std::shared_ptr<const api::Pod>>;
  struct Observed;  // job_controller.cc

  void OnPod(const api::Pod& pod, bool added, bool deleted);
  int64_t NowSeconds() const;
  Status HandleFinished(const api::Job& job, const std::string& key);
  // Creates / deletes pods toward the wanted active set. Adds to *requeue_after when
  // the back-off holds creations back.
  Status ManagePods(const api::Job& job, const std::string& key, Observed& seen,
                    std::chrono::milliseconds* requeue_after);
  Status CreatePods(const api::Job& job, const std::string& key,
                    const std::vector<int32_t>& indexes, int count);
  Status DeletePods(const api::Job& job, const std::string& key, const PodList& pods);
  api::Pod NewPod(const api::Job& job, std::optional<int32_t> index) const;

  api::ApiClient& client_;
  JobControllerOptions options_;
  api::EventRecorder events_;
  Expectations expectations_;
  std::unique_ptr<api::Informer<api::Job>> jobs_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
};

}  // namespace skiff::controllers
