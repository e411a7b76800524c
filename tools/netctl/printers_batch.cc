#include "tools/netctl/printers_batch.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

namespace skiff::netctl {
namespace {

bool HasCondition(const api::Job& job, const std::string& type) {
  for (const auto& c : job.status().conditions()) {
    if (c.type() == type && c.status() == "True") return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i)
    out += (i ? "," : "") + parts[i];
  return out;
}

void AddTemplateColumns(const api::PodTemplateSpec& t, const api::LabelSelector* selector,
                        std::vector<std::string>* row) {
  std::vector<std::string> names, images;
  for (const auto& c : t.spec().containers()) {
    names.push_back(c.name());
    images.push_back(c.image());
  }
  row->push_back(Join(names));
  row->push_back(Join(images));
  std::vector<std::string> sel;
  if (selector != nullptr) {
    for (const auto& [k, v] : selector->match_labels())
      sel.push_back(k + "=" + v);
  }
  std::sort(sel.begin(), sel.end());
  row->push_back(sel.empty() ? "<none>" : Join(sel));
}

}  // namespace

std::string JobStatusText(const api::Job& job) {
  if (HasCondition(job, "Complete")) return "Complete";
  if (HasCondition(job, "Failed")) return "Failed";
  if (job.metadata().has_deletion_timestamp()) return "Terminating";
  if (HasCondition(job, "Suspended")) return "Suspended";
  if (HasCondition(job, "FailureTarget")) return "FailureTarget";
  if (HasCondition(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

std::string JobCompletionsText(const api::Job& job) {
  std::string done = std::to_string(job.status().succeeded());
  if (job.spec().has_completions()) return done + "/" + std::to_string(job.spec().completions());
  if (job.spec().has_parallelism() && job.spec().parallelism() > 1) {
    return done + "/1 of " + std::to_string(job.spec().parallelism());
  }
  return done + "/1";
}

std::string JobDurationText(const api::Job& job) {
  if (!job.status().has_start_time()) return "";
  int64_t end = job.status().has_completion_time()
                    ? job.status().completion_time().seconds()
                    : google::protobuf::util::TimeUtil::GetCurrentTime().seconds();
  return HumanAge(end - job.status().start_time().seconds());
}

std::vector<std::string> JobRow(const api::Job& job, const TableOptions& options) {
  std::vector<std::string> row = {job.metadata().name(), JobStatusText(job),
                                  JobCompletionsText(job), JobDurationText(job),
                                  AgeOf(job.metadata().creation_timestamp())};
  if (options.wide) {
    AddTemplateColumns(job.spec().template_(),
                       job.spec().has_selector() ? &job.spec().selector() : nullptr, &row);
  }
  return row;
}

std::vector<std::string> CronJobRow(const api::CronJob& cj, const TableOptions& options) {
  const auto& spec = cj.spec();
  std::vector<std::string> row = {
      cj.metadata().name(),
      spec.schedule(),
      spec.has_time_zone() ? spec.time_zone() : "<none>",
      spec.suspend() ? "True" : "False",
      std::to_string(cj.status().active_size()),
      cj.status().has_last_schedule_time() ? AgeOf(cj.status().last_schedule_time()) : "<none>",
      AgeOf(cj.metadata().creation_timestamp())};
  if (options.wide) {
    const api::JobSpec& js = spec.job_template().spec();
    AddTemplateColumns(js.template_(), js.has_selector() ? &js.selector() : nullptr, &row);
  }
  return row;
}

}  // namespace skiff::netctl
