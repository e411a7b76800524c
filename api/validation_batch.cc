// Validation of the batch/v1 kinds: Job and CronJob (the rules of Kubernetes'
// pkg/apis/batch/validation that Skiff models).
#include <google/protobuf/util/message_differencer.h>

#include "api/batch.h"
#include "api/cron.h"
#include "api/labels.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kImmutable[] = "field is immutable";
// Indexed Jobs keep per-index state; Kubernetes caps them at 10^5 completions.
constexpr int32_t kMaxIndexedCompletions = 100000;
// A CronJob's Jobs are named "<name>-<minutes since epoch>" (up to 11 digits), and a Job
// name must stay a 63-character label.
constexpr size_t kMaxCronJobNameLength = 52;

// The rules a Job spec and a CronJob's job template share.
void ValidateJobSpecCommon(const JobSpec& spec, std::string_view path, ErrorList* e) {
  if (spec.has_parallelism()) CheckNonNegative(e, Child(path, "parallelism"), spec.parallelism());
  if (spec.has_completions()) CheckNonNegative(e, Child(path, "completions"), spec.completions());
  if (spec.has_active_deadline_seconds()) {
    CheckPositive(e, Child(path, "activeDeadlineSeconds"), spec.active_deadline_seconds());
  }
  if (spec.has_backoff_limit()) {
    CheckNonNegative(e, Child(path, "backoffLimit"), spec.backoff_limit());
  }
  if (spec.has_ttl_seconds_after_finished()) {
    CheckNonNegative(e, Child(path, "ttlSecondsAfterFinished"), spec.ttl_seconds_after_finished());
  }
  if (spec.has_completion_mode()) {
    CheckOneOf(e, Child(path, "completionMode"), spec.completion_mode(), {"NonIndexed", "Indexed"},
               /*allow_empty=*/false);
    if (spec.completion_mode() == "Indexed") {
      if (!spec.has_completions()) {
        e->Required(Child(path, "completions"), "when completion mode is Indexed");
      } else if (spec.completions() > kMaxIndexedCompletions) {
        e->Invalid(Child(path, "completions"), spec.completions(),
                   "must be less than or equal to 100000 when completion mode is Indexed");
      }
      if (spec.has_parallelism() && spec.parallelism() > kMaxIndexedCompletions) {
        e->Invalid(Child(path, "parallelism"), spec.parallelism(),
                   "must be less than or equal to 100000 when completion mode is Indexed");
      }
    }
  }
  if (!spec.has_template_()) return;  // reported as Required with the selector
  const std::string policy_path = Child(Child(Child(path, "template"), "spec"), "restartPolicy");
  const std::string& policy = spec.template_().spec().restart_policy();
  if (policy.empty()) {
    e->Required(policy_path, "valid values: \"OnFailure\", \"Never\"");
  } else {
    CheckOneOf(e, policy_path, policy, {"OnFailure", "Never"});
  }
}

// Unless the selector is manual, it must be the one generated from the Job's uid.
void ValidateGeneratedSelector(const Job& job, ErrorList* e) {
  const JobSpec& spec = job.spec();
  const std::string& uid = job.metadata().uid();
  if (spec.manual_selector() || uid.empty() || !spec.has_selector()) return;
  const auto& labels = spec.template_().metadata().labels();
  for (const char* key : {kJobControllerUidLabel, kLegacyJobControllerUidLabel}) {
    auto it = labels.find(key);
    if (it != labels.end() && it->second != uid) {
      e->Invalid(Key("spec.template.metadata.labels", key), it->second, "must be '" + uid + "'");
    }
  }
  Result<Selector> selector = Selector::FromLabelSelector(spec.selector());
  StringMap expected;
  expected[kJobControllerUidLabel] = uid;
  expected[kLegacyJobControllerUidLabel] = uid;
  if (selector.ok() && !selector->Matches(expected)) {
    e->InvalidRaw("spec.selector", "{...}", "`selector` not auto-generated");
  }
}

// Which template fields may change while a Job is suspended and has never started
// (Kubernetes' mutable scheduling directives).
PodTemplateSpec WithoutSchedulingDirectives(const PodTemplateSpec& t) {
  PodTemplateSpec out = t;
  out.mutable_metadata()->clear_labels();
  out.mutable_metadata()->clear_annotations();
  out.mutable_spec()->clear_node_selector();
  out.mutable_spec()->clear_tolerations();
  out.mutable_spec()->clear_affinity();
  out.mutable_spec()->clear_scheduling_gates();
  return out;
}

}  // namespace

void ValidateJob(const Job& j, ErrorList* e) {
  const JobSpec& spec = j.spec();
  ValidateJobSpecCommon(spec, "spec", e);
  PodSpecOptions options;
  options.require_image = false;
  ValidateSelectedTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                           spec.has_template_() ? &spec.template_() : nullptr, "spec", options, e);
  ValidateGeneratedSelector(j, e);
}

void ValidateCronJob(const CronJob& c, ErrorList* e) {
  const CronJobSpec& spec = c.spec();
  if (c.metadata().name().size() > kMaxCronJobNameLength) {
    e->Invalid("metadata.name", c.metadata().name(), "must be no more than 52 characters");
  }
  if (spec.schedule().empty()) {
    e->Required("spec.schedule");
  } else if (Result<CronSchedule> s = CronSchedule::Parse(spec.schedule()); !s.ok()) {
    e->Invalid("spec.schedule", spec.schedule(), s.status().message());
  }
  if (spec.has_time_zone()) {
    if (Status tz = CheckTimeZoneName(spec.time_zone()); !tz.ok()) {
      e->Invalid("spec.timeZone", spec.time_zone(), tz.message());
    }
  }
  if (spec.has_starting_deadline_seconds()) {
    CheckNonNegative(e, "spec.startingDeadlineSeconds", spec.starting_deadline_seconds());
  }
  CheckOneOf(e, "spec.concurrencyPolicy", spec.concurrency_policy(),
             {"Allow", "Forbid", "Replace"});
  if (spec.has_successful_jobs_history_limit()) {
    CheckNonNegative(e, "spec.successfulJobsHistoryLimit", spec.successful_jobs_history_limit());
  }
  if (spec.has_failed_jobs_history_limit()) {
    CheckNonNegative(e, "spec.failedJobsHistoryLimit", spec.failed_jobs_history_limit());
  }
  const JobTemplateSpec& jt = spec.job_template();
  ValidateTemplateMeta(jt.metadata(), "spec.jobTemplate.metadata", e);
  const JobSpec& js = jt.spec();
  ValidateJobSpecCommon(js, "spec.jobTemplate.spec", e);
  // The CronJob's Jobs get generated selectors.
  if (js.has_selector()) {
    e->InvalidRaw("spec.jobTemplate.spec.selector", "{...}", "`selector` will be auto-generated");
  }
  if (js.manual_selector()) {
    e->NotSupported("spec.jobTemplate.spec.manualSelector", "true", {"nil", "false"});
  }
  PodSpecOptions options;
  options.require_image = false;
  const std::string tmpl_path = "spec.jobTemplate.spec.template";
  ValidateTemplateMeta(js.template_().metadata(), Child(tmpl_path, "metadata"), e);
  ValidatePodSpec(js.template_().spec(), Child(tmpl_path, "spec"), options, e);
}

void ValidateJobUpdate(const Job& old, const Job& now, ErrorList* e) {
  const JobSpec& os = old.spec();
  const JobSpec& ns = now.spec();
  if (!MessageDifferencer::Equals(os.selector(), ns.selector())) {
    e->InvalidRaw("spec.selector", "{...}", kImmutable);
  }
  bool may_reschedule = os.suspend() && !old.status().has_start_time();
  const PodTemplateSpec& ot = os.template_();
  const PodTemplateSpec& nt = ns.template_();
  bool same_template = may_reschedule ? MessageDifferencer::Equals(WithoutSchedulingDirectives(ot),
                                                                   WithoutSchedulingDirectives(nt))
                                      : MessageDifferencer::Equals(ot, nt);
  if (!same_template) e->InvalidRaw("spec.template", "{...}", kImmutable);
  if (os.completion_mode() != ns.completion_mode()) {
    e->Invalid("spec.completionMode", ns.completion_mode(), kImmutable);
  }
  // Elastic Indexed Jobs may change completions together with parallelism.
  bool elastic = ns.completion_mode() == "Indexed" && ns.completions() == ns.parallelism();
  if (os.has_completions() != ns.has_completions() ||
      (os.completions() != ns.completions() && !elastic)) {
    e->Invalid("spec.completions", ns.completions(), kImmutable);
  }
  if (os.manual_selector() != ns.manual_selector()) {
    e->Invalid("spec.manualSelector", ns.manual_selector() ? "true" : "false", kImmutable);
  }
}

}  // namespace skiff::api
