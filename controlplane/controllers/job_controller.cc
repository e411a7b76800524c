#include "controlplane/controllers/job_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "api/batch.h"
#include "api/client/typed.h"
#include "common/log.h"
#include "controlplane/controllers/job_util.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

constexpr int kMaxBurst = 500;
constexpr char kOwnerKind[] = "Job";

bool IsIndexed(const api::Job& job) {
  return job.spec().completion_mode() == "Indexed";
}

int32_t Parallelism(const api::Job& job) {
  return job.spec().has_parallelism() ? job.spec().parallelism() : 1;
}

int32_t BackoffLimit(const api::Job& job) {
  return job.spec().has_backoff_limit() ? job.spec().backoff_limit() : 6;
}

// Kubernetes' rule for restartPolicy OnFailure: container restarts of the pods still
// running count against backoffLimit (any restart when the limit is 0).
bool RestartsExceedLimit(const api::Job& job, const std::vector<const api::Pod*>& active) {
  if (job.spec().template_().spec().restart_policy() != "OnFailure") return false;
  int64_t restarts = 0;
  for (const api::Pod* p : active) {
    for (const auto& s : p->status().init_container_statuses())
      restarts += s.restart_count();
    for (const auto& s : p->status().container_statuses())
      restarts += s.restart_count();
  }
  int32_t limit = BackoffLimit(job);
  return limit == 0 ? restarts > 0 : restarts >= limit;
}

void AddEnv(api::Container* c, const std::string& value) {
  for (auto& e : *c->mutable_env()) {
    if (e.name() == api::kJobCompletionIndexEnv) return;  // the template's own wins
  }
  auto* env = c->add_env();
  env->set_name(api::kJobCompletionIndexEnv);
  env->set_value(value);
}

}  // namespace

// What one reconcile sees of a Job's pods.
struct JobController::Observed {
  PodList active;       // not finished, not being deleted
  PodList terminating;  // being deleted, not finished
  int ready = 0;
  int succeeded = 0;  // after reconciling with status.succeeded
  int failed = 0;
  std::set<int32_t> completed;   // Indexed: succeeded indexes (with the recorded ones)
  int consecutive_failures = 0;  // failed pods finished after the last success
  int64_t last_failure = 0;      // seconds
};

JobController::JobController(api::ApiClient& client, JobControllerOptions options)
    : client_(client), options_(std::move(options)), events_(client, "job-controller") {}

JobController::~JobController() {
  Stop();
}

int64_t JobController::NowSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(options_.clock().time_since_epoch())
      .count();
}

void JobController::StartInformers() {
  jobs_ = std::make_unique<api::Informer<api::Job>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  AddControllerIndex(*pods_);
  api::EventHandlers jh;
  jh.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  jh.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    queue_.Add(api::InformerBase::KeyOf(*o));
  };
  jh.on_delete = [this](const api::ObjectPtr& o) {
    expectations_.Forget(api::InformerBase::KeyOf(*o));
  };
  jobs_->AddHandlers(std::move(jh));
  api::EventHandlers ph;
  ph.on_add = [this](const api::ObjectPtr& o) {
    OnPod(static_cast<const api::Pod&>(*o), /*added=*/true, /*deleted=*/false);
  };
  ph.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    OnPod(static_cast<const api::Pod&>(*o), false, false);
  };
  ph.on_delete = [this](const api::ObjectPtr& o) {
    OnPod(static_cast<const api::Pod&>(*o), false, /*deleted=*/true);
  };
  pods_->AddHandlers(std::move(ph));
  pods_->Start();
  jobs_->Start();
}

void JobController::StopInformers() {
  if (jobs_) jobs_->Stop();
  if (pods_) pods_->Stop();
}

void JobController::OnPod(const api::Pod& pod, bool added, bool deleted) {
  const auto* ref = ControllerRef(pod.metadata());
  if (ref == nullptr || ref->kind() != kOwnerKind) return;
  std::string key = pod.metadata().namespace_() + "/" + ref->name();
  if (added) expectations_.CreationObserved(key);
  if (deleted) expectations_.DeletionObserved(key);
  queue_.Add(key);
}

Status JobController::Reconcile(const std::string& key) {
  auto slash = key.find('/');
  auto job = jobs_->Get(key.substr(0, slash), key.substr(slash + 1));
  if (!job) {
    expectations_.Forget(key);
    return Status::Ok();
  }
  if (IsJobFinished(*job)) return HandleFinished(*job, key);
  if (job->metadata().has_deletion_timestamp()) return Status::Ok();  // the GC's now

  const int64_t now = NowSeconds();
  const api::JobSpec& spec = job->spec();
  const int32_t completions = spec.has_completions() ? spec.completions() : -1;

  // --- observe -----------------------------------------------------------------------
  Observed seen;
  PodList owned = PodsControlledBy(*pods_, job->metadata().namespace_(), job->metadata().uid());
  int64_t last_success = 0;
  std::vector<int64_t> failure_times;
  if (IsIndexed(*job))
    seen.completed = ParseIndexes(job->status().completed_indexes(), completions);
  for (const auto& p : owned) {
    const std::string& phase = p->status().phase();
    if (phase == "Succeeded") {
      ++seen.succeeded;
      last_success = std::max(last_success, PodFinishSeconds(*p));
      if (auto idx = CompletionIndexOf(*p); idx && *idx < completions) seen.completed.insert(*idx);
    } else if (phase == "Failed") {
      ++seen.failed;
      failure_times.push_back(PodFinishSeconds(*p));
    } else if (p->metadata().has_deletion_timestamp()) {
      seen.terminating.push_back(p);
    } else {
      seen.active.push_back(p);
      if (IsPodReady(*p)) ++seen.ready;
    }
  }
  for (int64_t t : failure_times) {
    if (t < last_success) continue;
    ++seen.consecutive_failures;
    seen.last_failure = std::max(seen.last_failure, t);
  }

  api::JobStatus status = job->status();
  // Counts never go back: finished pods someone deleted stay counted.
  status.set_failed(std::max(status.failed(), seen.failed));
  if (IsIndexed(*job)) {
    status.set_succeeded(static_cast<int32_t>(seen.completed.size()));
    status.set_completed_indexes(FormatIndexes(seen.completed));
  } else {
    status.set_succeeded(std::max(status.succeeded(), seen.succeeded));
  }
  seen.succeeded = status.succeeded();

  Status result = Status::Ok();
  std::chrono::milliseconds requeue_after(0);
  api::Job written = *job;  // the stored Job, as of our last status write
  auto write_status = [&]() -> Status {
    status.set_active(static_cast<int32_t>(seen.active.size()));
    status.set_ready(seen.ready);
    status.set_terminating(static_cast<int32_t>(seen.terminating.size()));
    if (google::protobuf::util::MessageDifferencer::Equals(status, written.status())) {
      return Status::Ok();
    }
    api::Job updated = written;
    *updated.mutable_status() = status;
    auto r = api::UpdateObject(client_, updated, /*status=*/true);
    if (r.ok()) {
      written = std::move(*r);
      return Status::Ok();
    }
    return r.status().code() == StatusCode::kNotFound ? Status::Ok() : r.status();
  };
  auto active_raw = [&] {
    std::vector<const api::Pod*> v;
    for (const auto& p : seen.active)
      v.push_back(p.get());
    return v;
  };
  auto delete_active = [&]() -> bool {
    if (seen.active.empty()) return true;
    if (!expectations_.Satisfied(key)) return false;
    Status s = DeletePods(*job, key, seen.active);
    if (!s.ok()) {
      result = s;
      return false;
    }
    seen.terminating.insert(seen.terminating.end(), seen.active.begin(), seen.active.end());
    seen.active.clear();
    seen.ready = 0;
    return true;
  };

  // --- suspend / resume --------------------------------------------------------------
  const api::JobCondition* suspended_cond = FindJobCondition(status, "Suspended");
  if (spec.suspend()) {
    delete_active();
    if (SetJobCondition(&status, "Suspended", "True", "JobSuspended", "Job suspended", now)) {
      events_.Record(*job, "Normal", "Suspended", "Job suspended");
    }
  } else {
    if (suspended_cond != nullptr) {
      SetJobCondition(&status, "Suspended", "False", "JobResumed", "Job resumed", now);
      status.mutable_start_time()->set_seconds(now);  // the deadline counts from here
      events_.Record(*job, "Normal", "Resumed", "Job resumed");
    }
    if (!status.has_start_time()) status.mutable_start_time()->set_seconds(now);

    // --- failure -----------------------------------------------------------------------
    const api::JobCondition* failure = FindJobCondition(status, "FailureTarget");
    std::string reason, message;
    if (failure != nullptr) {
      reason = failure->reason();
      message = failure->message();
    } else if (status.failed() > BackoffLimit(*job) || RestartsExceedLimit(*job, active_raw())) {
      reason = "BackoffLimitExceeded";
      message = "Job has reached the specified backoff limit";
    } else if (spec.has_active_deadline_seconds() &&
               now - status.start_time().seconds() >= spec.active_deadline_seconds()) {
      reason = "DeadlineExceeded";
      message = "Job was active longer than specified deadline";
    }
    // --- success -----------------------------------------------------------------------
    bool succeeded = false;
    if (reason.empty()) {
      succeeded = completions >= 0 ? status.succeeded() >= completions
                                   : status.succeeded() > 0 && seen.active.empty();
    }
    if (!reason.empty()) {
      // The verdict is stored before any pod goes, so a lost write cannot turn the
      // deleted pods into a reason to start new ones.
      if (SetJobCondition(&status, "FailureTarget", "True", reason, message, now)) {
        events_.Record(*job, "Warning", reason, message);
        SKIFF_RETURN_IF_ERROR(write_status());
      }
      if (delete_active()) SetJobCondition(&status, "Failed", "True", reason, message, now);
    } else if (succeeded || FindJobCondition(status, "SuccessCriteriaMet")) {
      if (SetJobCondition(&status, "SuccessCriteriaMet", "True", "CompletionsReached",
                          "Reached expected number of succeeded pods", now)) {
        SKIFF_RETURN_IF_ERROR(write_status());
      }
      if (delete_active()) {
        SetJobCondition(&status, "Complete", "True", "CompletionsReached",
                        "Reached expected number of succeeded pods", now);
        status.mutable_completion_time()->set_seconds(now);
        events_.Record(*job, "Normal", "Completed", "Job completed");
      }
    } else if (expectations_.Satisfied(key)) {
      result = ManagePods(*job, key, seen, &requeue_after);
    }
    if (spec.has_active_deadline_seconds() && reason.empty() && !succeeded) {
      int64_t left = status.start_time().seconds() + spec.active_deadline_seconds() - now;
      std::chrono::milliseconds d = std::chrono::seconds(std::max<int64_t>(left, 0) + 1);
      if (requeue_after.count() == 0 || d < requeue_after) requeue_after = d;
    }
  }

  // --- status ------------------------------------------------------------------------
  if (Status s = write_status(); !s.ok() && result.ok()) result = s;
  if (requeue_after.count() > 0) queue_.AddAfter(key, requeue_after);
  return result;
}

Status JobController::ManagePods(const api::Job& job, const std::string& key, Observed& seen,
                                 std::chrono::milliseconds* requeue_after) {
  const int32_t completions = job.spec().has_completions() ? job.spec().completions() : -1;
  int32_t parallelism = Parallelism(job);
  PodList surplus;
  std::vector<int32_t> missing;  // Indexed: indexes to create, lowest first
  int want;
  if (IsIndexed(job)) {
    // One active pod per index not yet completed; duplicates and completed or
    // out-of-range indexes go.
    std::set<int32_t> running;
    PodList keep;
    for (const auto& p : seen.active) {
      auto idx = CompletionIndexOf(*p);
      if (!idx || *idx >= completions || seen.completed.count(*idx) || running.count(*idx)) {
        surplus.push_back(p);
      } else {
        running.insert(*idx);
        keep.push_back(p);
      }
    }
    for (int32_t i = 0; i < completions; ++i) {
      if (!seen.completed.count(i) && !running.count(i)) missing.push_back(i);
    }
    int remaining = static_cast<int>(missing.size() + keep.size());
    want = std::min<int>(parallelism, remaining);
    if (static_cast<int>(keep.size()) > want) {
      // Parallelism lowered: the highest indexes wait.
      std::sort(keep.begin(), keep.end(), [](const auto& a, const auto& b) {
        return CompletionIndexOf(*a) < CompletionIndexOf(*b);
      });
      surplus.insert(surplus.end(), keep.begin() + want, keep.end());
      keep.resize(want);
    }
    seen.active = keep;
  } else if (completions >= 0) {
    want = std::min<int>(parallelism, std::max(0, completions - seen.succeeded));
  } else {
    // A work queue: once a pod succeeded no new pods start.
    want = seen.succeeded > 0 ? static_cast<int>(std::min<size_t>(seen.active.size(), parallelism))
                              : parallelism;
  }
  if (!IsIndexed(job) && static_cast<int>(seen.active.size()) > want) {
    SortForDeletion(seen.active);
    size_t extra = seen.active.size() - want;
    surplus.assign(seen.active.begin(), seen.active.begin() + extra);
    seen.active.erase(seen.active.begin(), seen.active.begin() + extra);
  }
  if (!surplus.empty()) {
    seen.ready = 0;
    for (const auto& p : seen.active)
      seen.ready += IsPodReady(*p);
    SKIFF_RETURN_IF_ERROR(DeletePods(job, key, surplus));
    seen.terminating.insert(seen.terminating.end(), surplus.begin(), surplus.end());
  }
  int create = want - static_cast<int>(seen.active.size());
  if (create <= 0) return Status::Ok();
  // Failed pods come back only after the back-off.
  std::chrono::milliseconds backoff =
      FailureBackoff(seen.consecutive_failures, options_.backoff_base, options_.backoff_max);
  auto now = options_.clock();
  auto ready_at =
      std::chrono::system_clock::time_point(std::chrono::seconds(seen.last_failure)) + backoff;
  if (backoff.count() > 0 && now < ready_at) {
    *requeue_after = std::chrono::duration_cast<std::chrono::milliseconds>(ready_at - now) +
                     std::chrono::milliseconds(1);
    return Status::Ok();
  }
  return CreatePods(job, key, missing, std::min(create, kMaxBurst));
}

api::Pod JobController::NewPod(const api::Job& job, std::optional<int32_t> index) const {
  std::string prefix = job.metadata().name() + "-";
  if (index) prefix += std::to_string(*index) + "-";
  api::Pod pod = PodFromTemplate(job.spec().template_(), job.metadata().namespace_(), prefix, job);
  if (index) {
    std::string value = std::to_string(*index);
    (*pod.mutable_metadata()->mutable_annotations())[api::kJobCompletionIndex] = value;
    (*pod.mutable_metadata()->mutable_labels())[api::kJobCompletionIndex] = value;
    api::PodSpec* spec = pod.mutable_spec();
    for (auto& c : *spec->mutable_containers())
      AddEnv(&c, value);
    for (auto& c : *spec->mutable_init_containers())
      AddEnv(&c, value);
    if (spec->hostname().empty()) spec->set_hostname(job.metadata().name() + "-" + value);
  }
  return pod;
}

Status JobController::CreatePods(const api::Job& job, const std::string& key,
                                 const std::vector<int32_t>& indexes, int count) {
  if (IsIndexed(job)) count = std::min<int>(count, static_cast<int>(indexes.size()));
  expectations_.Expect(key, count, 0);
  for (int i = 0; i < count; ++i) {
    std::optional<int32_t> index;
    if (IsIndexed(job)) index = indexes[i];
    auto r = api::CreateObject(client_, NewPod(job, index));
    if (!r.ok()) {
      // Nothing will be observed for this pod and the rest of the round.
      for (int j = i; j < count; ++j)
        expectations_.CreationFailed(key);
      events_.Record(job, "Warning", "FailedCreate", "Error creating: " + r.status().message());
      return r.status();
    }
    events_.Record(job, "Normal", "SuccessfulCreate", "Created pod: " + r->metadata().name());
  }
  return Status::Ok();
}

Status JobController::DeletePods(const api::Job& job, const std::string& key, const PodList& pods) {
  expectations_.Expect(key, 0, static_cast<int>(pods.size()));
  Status first = Status::Ok();
  for (const auto& p : pods) {
    api::DeleteRequest del;
    del.set_kind("Pod");
    del.set_namespace_(p->metadata().namespace_());
    del.set_name(p->metadata().name());
    del.set_precondition_uid(p->metadata().uid());
    auto r = client_.Delete(del);
    if (!r.ok()) {
      expectations_.DeletionFailed(key);
      if (r.status().code() != StatusCode::kNotFound && first.ok()) first = r.status();
      continue;
    }
    events_.Record(job, "Normal", "SuccessfulDelete", "Deleted pod: " + p->metadata().name());
  }
  return first;
}

Status JobController::HandleFinished(const api::Job& job, const std::string& key) {
  if (!job.spec().has_ttl_seconds_after_finished() || job.metadata().has_deletion_timestamp()) {
    return Status::Ok();
  }
  int64_t finished = job.status().completion_time().seconds();
  for (const char* type : {"Complete", "Failed"}) {
    if (const auto* c = FindJobCondition(job.status(), type)) {
      finished = std::max(finished, c->last_transition_time().seconds());
    }
  }
  int64_t expire = finished + job.spec().ttl_seconds_after_finished();
  int64_t now = NowSeconds();
  if (now < expire) {
    queue_.AddAfter(key, std::chrono::seconds(expire - now));
    return Status::Ok();
  }
  api::DeleteRequest del;
  del.set_kind(kOwnerKind);
  del.set_namespace_(job.metadata().namespace_());
  del.set_name(job.metadata().name());
  del.set_precondition_uid(job.metadata().uid());
  // Foreground, as Kubernetes' TTL controller: the pods go first, then the Job.
  del.set_propagation_policy("Foreground");
  auto r = client_.Delete(del);
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
  log::Get("job-controller")
      ->info("deleted finished job={} ttlSecondsAfterFinished={}", key,
             job.spec().ttl_seconds_after_finished());
  return Status::Ok();
}

}  // namespace skiff::controllers
