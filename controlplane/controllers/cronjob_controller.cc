#include "controlplane/controllers/cronjob_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "api/batch.h"
#include "api/client/typed.h"
#include "api/cron.h"
#include "common/log.h"
#include "controlplane/controllers/job_util.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr char kOwnerKind[] = "CronJob";
// Kubernetes' threshold for the "too many missed start times" warning.
constexpr int kMaxMissedReported = 100;

int64_t ToSeconds(system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

system_clock::time_point FromSeconds(int64_t s) {
  return system_clock::time_point(seconds(s));
}

struct Unmet {
  std::optional<system_clock::time_point> most_recent;
  int missed = 0;  // counted up to kMaxMissedReported + 1
};

// The latest schedule time in (earliest, now], and how many there were. Scans windows
// growing back from `now` so that a long outage with a frequent schedule stays cheap.
Unmet MostRecentUnmet(const api::CronSchedule& s, std::string_view tz,
                      system_clock::time_point earliest, system_clock::time_point now) {
  Unmet u;
  for (auto t = s.Next(earliest, tz); t && *t <= now; t = s.Next(*t, tz)) {
    u.most_recent = t;
    if (++u.missed > kMaxMissedReported) break;
  }
  if (u.missed <= kMaxMissedReported) return u;
  for (auto window : {std::chrono::hours(1), std::chrono::hours(24), std::chrono::hours(24 * 32),
                      std::chrono::hours(24 * 366), std::chrono::hours(24 * 366 * 5)}) {
    auto from = std::max(earliest, now - window);
    std::optional<system_clock::time_point> last;
    for (auto t = s.Next(from, tz); t && *t <= now; t = s.Next(*t, tz))
      last = t;
    if (last) {
      u.most_recent = last;
      break;
    }
  }
  return u;
}

api::ObjectReference RefTo(const api::Job& job) {
  api::ObjectReference ref;
  ref.set_api_version("batch/v1");
  ref.set_kind("Job");
  ref.set_namespace_(job.metadata().namespace_());
  ref.set_name(job.metadata().name());
  ref.set_uid(job.metadata().uid());
  ref.set_resource_version(job.metadata().resource_version());
  return ref;
}

// Oldest first, by start time (jobs that never started first), then creation, then name.
void SortOldestFirst(std::vector<std::shared_ptr<const api::Job>>& jobs) {
  std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
    auto key = [](const api::Job& j) {
      return std::make_tuple(j.status().has_start_time(), j.status().start_time().seconds(),
                             j.metadata().creation_timestamp().seconds(), j.metadata().name());
    };
    return key(*a) < key(*b);
  });
}

}  // namespace

CronJobController::CronJobController(api::ApiClient& client, CronJobControllerOptions options)
    : client_(client), options_(std::move(options)), events_(client, "cronjob-controller") {}

CronJobController::~CronJobController() {
  Stop();
}

void CronJobController::Resync() {
  if (!cronjobs_) return;
  for (const auto& cj : cronjobs_->List(""))
    queue_.Add(api::InformerBase::KeyOf(*cj));
}

void CronJobController::StartInformers() {
  cronjobs_ = std::make_unique<api::Informer<api::CronJob>>(client_);
  jobs_ = std::make_unique<api::Informer<api::Job>>(client_);
  api::EventHandlers ch;
  ch.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  ch.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add(api::InformerBase::KeyOf(*o));
  };
  cronjobs_->AddHandlers(std::move(ch));
  auto on_job = [this](const api::ObjectPtr& o) {
    const auto& job = static_cast<const api::Job&>(*o);
    const auto* ref = ControllerRef(job.metadata());
    if (ref && ref->kind() == kOwnerKind) {
      queue_.Add(job.metadata().namespace_() + "/" + ref->name());
    }
  };
  api::EventHandlers jh;
  jh.on_add = on_job;
  jh.on_update = [on_job](const api::ObjectPtr&, const api::ObjectPtr& o) { on_job(o); };
  jh.on_delete = on_job;
  jobs_->AddHandlers(std::move(jh));
  jobs_->Start();
  cronjobs_->Start();
}

void CronJobController::StopInformers() {
  if (cronjobs_) cronjobs_->Stop();
  if (jobs_) jobs_->Stop();
}

api::Job CronJobController::JobFor(const api::CronJob& cj, TimePoint scheduled) const {
  const api::JobTemplateSpec& t = cj.spec().job_template();
  api::Job job;
  auto* meta = job.mutable_metadata();
  // Minutes since the epoch: one name per schedule time, so a retried create is a no-op.
  meta->set_name(cj.metadata().name() + "-" + std::to_string(ToSeconds(scheduled) / 60));
  meta->set_namespace_(cj.metadata().namespace_());
  *meta->mutable_labels() = t.metadata().labels();
  *meta->mutable_annotations() = t.metadata().annotations();
  (*meta->mutable_annotations())[api::kCronJobScheduledTimestamp] =
      api::FormatRfc3339(scheduled, cj.spec().time_zone());
  *meta->add_owner_references() = MakeControllerRef(cj);
  *job.mutable_spec() = t.spec();
  return job;
}

Status CronJobController::DeleteJob(const api::CronJob& cj, const api::Job& job,
                                    const std::string& why) {
  api::DeleteRequest del;
  del.set_kind("Job");
  del.set_namespace_(job.metadata().namespace_());
  del.set_name(job.metadata().name());
  del.set_precondition_uid(job.metadata().uid());
  del.set_propagation_policy("Background");
  auto r = client_.Delete(del);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) {
    events_.Record(cj, "Warning", "FailedDelete",
                   "Deleted job " + job.metadata().name() + ": " + r.status().message());
    return r.status();
  }
  events_.Record(cj, "Normal", "SuccessfulDelete", "Deleted job " + job.metadata().name() + why);
  return Status::Ok();
}

void CronJobController::CleanupHistory(const api::CronJob& cj, const JobList& finished) {
  JobList succeeded, failed;
  for (const auto& j : finished) {
    (FindJobCondition(j->status(), "Complete") ? succeeded : failed).push_back(j);
  }
  auto trim = [&](JobList& jobs, int32_t limit) {
    if (static_cast<int64_t>(jobs.size()) <= limit) return;
    SortOldestFirst(jobs);
    for (size_t i = 0; i < jobs.size() - std::max(limit, 0); ++i)
      (void)DeleteJob(cj, *jobs[i], "");
  };
  if (cj.spec().has_successful_jobs_history_limit()) {
    trim(succeeded, cj.spec().successful_jobs_history_limit());
  }
  if (cj.spec().has_failed_jobs_history_limit())
    trim(failed, cj.spec().failed_jobs_history_limit());
}

Status CronJobController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto cj = cronjobs_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!cj || cj->metadata().has_deletion_timestamp()) return Status::Ok();
  const api::CronJobSpec& spec = cj->spec();
  const TimePoint now = options_.clock();

  // --- the Jobs it owns ----------------------------------------------------------------
  JobList active, finished;
  for (const auto& j : jobs_->List(cj->metadata().namespace_())) {
    if (!IsControlledBy(j->metadata(), cj->metadata().uid())) continue;
    (IsJobFinished(*j) ? finished : active).push_back(j);
  }
  api::CronJobStatus status = cj->status();
  status.clear_active();
  SortOldestFirst(active);
  for (const auto& j : active)
    *status.add_active() = RefTo(*j);
  for (const auto& j : finished) {
    if (!FindJobCondition(j->status(), "Complete")) continue;
    const auto& done = j->status().completion_time();
    if (!status.has_last_successful_time() ||
        done.seconds() > status.last_successful_time().seconds()) {
      *status.mutable_last_successful_time() = done;
    }
    // Seen finishing now: it was listed as active before.
    for (const auto& ref : cj->status().active()) {
      if (ref.uid() == j->metadata().uid()) {
        events_.Record(*cj, "Normal", "SawCompletedJob",
                       "Saw completed job: " + j->metadata().name() + ", condition: Complete");
      }
    }
  }
  CleanupHistory(*cj, finished);

  auto write_status = [&]() -> Status {
    if (google::protobuf::util::MessageDifferencer::Equals(status, cj->status())) {
      return Status::Ok();
    }
    api::CronJob updated = *cj;
    *updated.mutable_status() = status;
    auto r = api::UpdateObject(client_, updated, /*status=*/true);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    return Status::Ok();
  };

  Result<api::CronSchedule> schedule = api::CronSchedule::Parse(spec.schedule());
  if (!schedule.ok()) {
    events_.Record(*cj, "Warning", "UnparseableSchedule",
                   "unparseable schedule: " + spec.schedule() + ": " + schedule.status().message());
    return write_status();
  }
  const std::string tz = spec.time_zone();
  auto requeue_for_next = [&] {
    if (auto next = schedule->Next(now, tz)) {
      queue_.AddAfter(key, std::chrono::duration_cast<std::chrono::milliseconds>(*next - now) +
                               std::chrono::milliseconds(100));
    }
  };
  if (spec.suspend()) return write_status();

  // --- the schedule time that is due ----------------------------------------------------
  TimePoint earliest =
      FromSeconds(status.has_last_schedule_time() ? status.last_schedule_time().seconds()
                                                  : cj->metadata().creation_timestamp().seconds());
  if (spec.has_starting_deadline_seconds()) {
    earliest = std::max(earliest, now - seconds(spec.starting_deadline_seconds()));
  }
  Unmet unmet = MostRecentUnmet(*schedule, tz, earliest, now);
  if (!unmet.most_recent) {
    requeue_for_next();
    return write_status();
  }
  if (unmet.missed > kMaxMissedReported) {
    std::string msg = "too many missed start times: > " + std::to_string(kMaxMissedReported) +
                      ". Set or decrease .spec.startingDeadlineSeconds or check clock skew";
    log::Get("cronjob-controller")->warn("cronjob={} {}", key, msg);
    events_.Record(*cj, "Warning", "TooManyMissedTimes", msg);
  }
  const TimePoint scheduled = *unmet.most_recent;

  // --- concurrency ------------------------------------------------------------------------
  if (spec.concurrency_policy() == "Forbid" && !active.empty()) {
    events_.Record(*cj, "Normal", "JobAlreadyActive",
                   "Not starting job because prior execution is running and concurrency "
                   "policy is Forbid");
    requeue_for_next();
    return write_status();
  }
  if (spec.concurrency_policy() == "Replace") {
    for (const auto& j : active)
      SKIFF_RETURN_IF_ERROR(DeleteJob(*cj, *j, ""));
    status.clear_active();
  }

  // --- start it ---------------------------------------------------------------------------
  api::Job job = JobFor(*cj, scheduled);
  auto created = api::CreateObject(client_, job);
  if (created.ok()) {
    events_.Record(*cj, "Normal", "SuccessfulCreate", "Created job " + job.metadata().name());
    *status.add_active() = RefTo(*created);
  } else if (created.status().code() == StatusCode::kAlreadyExists) {
    // Created by an earlier round whose status write was lost: the time is handled.
    auto existing =
        api::GetObject<api::Job>(client_, job.metadata().namespace_(), job.metadata().name());
    if (existing.ok() && !IsControlledBy(existing->metadata(), cj->metadata().uid())) {
      events_.Record(*cj, "Warning", "FailedCreate",
                     "Error creating job " + job.metadata().name() +
                         ": a job of that name exists and is not controlled by this CronJob");
    }
  } else {
    events_.Record(*cj, "Warning", "FailedCreate",
                   "Error creating job: " + created.status().message());
    return created.status();
  }
  status.mutable_last_schedule_time()->set_seconds(ToSeconds(scheduled));
  requeue_for_next();
  return write_status();
}

}  // namespace skiff::controllers
