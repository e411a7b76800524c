// Defaults of the batch/v1 kinds (Job, CronJob), as the Kubernetes API server applies them.
#include "api/batch.h"
#include "api/defaults.h"
#include "api/defaults_internal.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

// Pod defaults for a Job's template, except restartPolicy: a Job pod may not use the
// pod default Always, so a missing one stays missing and validation names it.
void DefaultJobTemplate(PodTemplateSpec* t) {
  bool had_policy = !t->spec().restart_policy().empty();
  DefaultPodSpec(t->mutable_spec());
  if (!had_policy) t->mutable_spec()->clear_restart_policy();
}

}  // namespace

void GenerateJobSelector(Job* job) {
  const ObjectMeta& meta = job->metadata();
  if (job->spec().manual_selector() || meta.uid().empty()) return;
  auto* labels = job->mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels();
  for (const char* key : {kLegacyJobControllerUidLabel, kJobControllerUidLabel}) {
    labels->try_emplace(key, meta.uid());
  }
  if (!meta.name().empty()) {
    for (const char* key : {kLegacyJobNameLabel, kJobNameLabel}) {
      labels->try_emplace(key, meta.name());
    }
  }
  if (!job->spec().has_selector()) {
    (*job->mutable_spec()->mutable_selector()->mutable_match_labels())[kJobControllerUidLabel] =
        meta.uid();
  }
}

void DefaultJob(Job* job) {
  JobSpec* spec = job->mutable_spec();
  if (!spec->has_completions() && !spec->has_parallelism()) spec->set_completions(1);
  if (!spec->has_parallelism()) spec->set_parallelism(1);
  if (!spec->has_backoff_limit()) spec->set_backoff_limit(6);
  if (!spec->has_completion_mode()) spec->set_completion_mode("NonIndexed");
  if (!spec->has_suspend()) spec->set_suspend(false);
  if (!spec->has_manual_selector()) spec->set_manual_selector(false);
  // Kubernetes copies the template's labels to an unlabelled Job; its generated labels
  // follow when the template had none of its own.
  auto* job_labels = job->mutable_metadata()->mutable_labels();
  const auto& tmpl_labels = spec->template_().metadata().labels();
  if (job_labels->empty()) *job_labels = tmpl_labels;
  GenerateJobSelector(job);
  if (job_labels->empty()) *job_labels = spec->template_().metadata().labels();
  DefaultJobTemplate(spec->mutable_template_());
}

void DefaultCronJob(CronJob* cj) {
  CronJobSpec* spec = cj->mutable_spec();
  if (spec->concurrency_policy().empty()) spec->set_concurrency_policy("Allow");
  if (!spec->has_suspend()) spec->set_suspend(false);
  if (!spec->has_successful_jobs_history_limit()) spec->set_successful_jobs_history_limit(3);
  if (!spec->has_failed_jobs_history_limit()) spec->set_failed_jobs_history_limit(1);
  DefaultJobTemplate(spec->mutable_job_template()->mutable_spec()->mutable_template_());
}

}  // namespace skiff::api
