// Names the batch/v1 kinds share between the API (defaulting, validation), the Job and
// CronJob controllers and netctl: the labels and annotations Kubernetes puts on Jobs and
// their pods.
#pragma once

namespace skiff::api {

class Job;

// Selector label of a Job's pods (the Job's uid), and its pre-1.27 spelling.
inline constexpr const char* kJobControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr const char* kLegacyJobControllerUidLabel = "controller-uid";
// The Job's name on its pods, and its pre-1.27 spelling.
inline constexpr const char* kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr const char* kLegacyJobNameLabel = "job-name";
// Indexed Jobs: the pod's completion index (annotation and label).
inline constexpr const char* kJobCompletionIndex = "batch.kubernetes.io/job-completion-index";
// Env var carrying the completion index into every container of an Indexed Job's pod.
inline constexpr const char* kJobCompletionIndexEnv = "JOB_COMPLETION_INDEX";
// Set on Jobs a CronJob creates: the schedule time they run for (RFC 3339).
inline constexpr const char* kCronJobScheduledTimestamp =
    "batch.kubernetes.io/cronjob-scheduled-timestamp";

// Fills spec.selector and the template's controller-uid / job-name labels from the Job's
// uid and name, unless spec.manualSelector is true or the uid is not assigned yet (the
// API server assigns it on create). Labels the user set are kept (a conflicting one then
// fails validation). Idempotent.
void GenerateJobSelector(Job* job);

}  // namespace skiff::api
