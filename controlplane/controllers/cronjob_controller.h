// CronJobController: starts Jobs on a cron schedule, as Kubernetes' CronJob controller
// (v2) does.
//  - At each schedule time (spec.schedule in spec.timeZone, else the server's local
//    zone) it creates the Job "<cronjob>-<scheduled time in minutes since the epoch>"
//    from spec.jobTemplate, controlled by the CronJob, annotated with
//    batch.kubernetes.io/cronjob-scheduled-timestamp.
//  - Missed schedules (controller down, clock jump): only the most recent one starts,
//    and only within spec.startingDeadlineSeconds when set; more than 100 missed times
//    log and record a TooManyMissedTimes warning, as Kubernetes does.
//  - concurrencyPolicy: Allow runs Jobs side by side; Forbid waits while one is active
//    (the due run starts once it finished, deadline permitting); Replace deletes the
//    active Jobs first.
//  - suspend stops new Jobs (running ones continue).
//  - Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are
//    deleted, oldest first (background propagation: the GC removes their pods).
//  - status.active lists running Jobs; lastScheduleTime and lastSuccessfulTime follow.
// The clock is injectable: tests move it and call Resync() instead of sleeping.
// Thread-safe (Reconcile runs on the Controller base's workers).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/client/event_recorder.h"
#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/batch.pb.h"

namespace skiff::controllers {

struct CronJobControllerOptions {
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

class CronJobController : public Controller {
 public:
  explicit CronJobController(api::ApiClient& client, CronJobControllerOptions options = {});
  ~CronJobController() override;
  std::string name() const override { return "cronjob-controller"; }

  // Queues every CronJob for a look now (for tests that moved the injected clock).
  void Resync();

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  using JobList = std::vector<std::shared_ptr<const api::Job>>;
  using TimePoint = std::chrono::system_clock::time_point;

  // Deletes finished Jobs beyond the history limits.
  void CleanupHistory(const api::CronJob& cj, const JobList& finished);
  Status DeleteJob(const api::CronJob& cj, const api::Job& job, const std::string& why);
  api::Job JobFor(const api::CronJob& cj, TimePoint scheduled) const;

  api::ApiClient& client_;
  CronJobControllerOptions options_;
  api::EventRecorder events_;
  std::unique_ptr<api::Informer<api::CronJob>> cronjobs_;
  std::unique_ptr<api::Informer<api::Job>> jobs_;
};

}  // namespace skiff::controllers
