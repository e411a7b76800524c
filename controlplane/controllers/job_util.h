// Pure helpers of the Job controller (no I/O, thread-safe): completion-index sets and
// their "0-2,5" text form, the pod failure back-off, Job conditions and pod finish times.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

// "0-2,5,7-8" <-> {0,1,2,5,7,8}. Parse skips malformed parts and indexes >= limit (a
// status written by someone else must not make the controller loop); Format writes
// ascending ranges, "" for the empty set.
std::set<int32_t> ParseIndexes(std::string_view text, int32_t limit);
std::string FormatIndexes(const std::set<int32_t>& indexes);

// The pod's completion index (annotation, else label), or nullopt when missing/malformed.
std::optional<int32_t> CompletionIndexOf(const api::Pod& pod);

// When a pod finished: the latest container finishedAt, else the Ready condition's last
// transition, else its creation time. Seconds since the epoch.
int64_t PodFinishSeconds(const api::Pod& pod);

// Kubernetes' pod failure back-off: `base` doubling per consecutive failure since the
// last success (1 failure = base), capped at `max`; zero for no failures.
std::chrono::milliseconds FailureBackoff(int consecutive_failures, std::chrono::milliseconds base,
                                         std::chrono::milliseconds max);

// The condition of `type` with status "True", or nullptr.
const api::JobCondition* FindJobCondition(const api::JobStatus& status, std::string_view type);
// True when the Job has finished: a Complete or Failed condition is True.
bool IsJobFinished(const api::Job& job);
// Sets (or updates) the condition `type` in `status`; last transition time changes only
// when the status value changes. Returns true when anything changed.
bool SetJobCondition(api::JobStatus* status, const std::string& type, const std::string& value,
                     const std::string& reason, const std::string& message, int64_t now_seconds);

}  // namespace skiff::controllers
