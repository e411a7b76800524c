// `netctl get` rows of the batch/v1 kinds, column for column like kubectl's:
//   jobs:     NAME STATUS COMPLETIONS DURATION AGE       (-o wide: CONTAINERS IMAGES SELECTOR)
//   cronjobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE
//             (-o wide: CONTAINERS IMAGES SELECTOR)
// Registered in printers.cc's table.
#pragma once

#include <string>
#include <vector>

#include "skiff/api/batch.pb.h"
#include "tools/netctl/printers.h"

namespace skiff::netctl {

// kubectl's STATUS: Complete, Failed, Terminating, Suspended, FailureTarget,
// SuccessCriteriaMet, else Running.
std::string JobStatusText(const api::Job& job);
// "2/3"; a work queue (no completions) shows "1/1 of 3" when parallelism > 1.
std::string JobCompletionsText(const api::Job& job);
// startTime to completionTime (or to now while running); "" before it started.
std::string JobDurationText(const api::Job& job);

std::vector<std::string> JobRow(const api::Job& job, const TableOptions& options);
std::vector<std::string> CronJobRow(const api::CronJob& cj, const TableOptions& options);

}  // namespace skiff::netctl
