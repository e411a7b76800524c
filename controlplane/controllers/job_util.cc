#include "controlplane/controllers/job_util.h"

#include <algorithm>
#include <charconv>

#include "api/batch.h"

namespace skiff::controllers {
namespace {

std::optional<int32_t> ParseIndex(std::string_view s) {
  int32_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::set<int32_t> ParseIndexes(std::string_view text, int32_t limit) {
  std::set<int32_t> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t dash = part.find('-');
    std::optional<int32_t> lo = ParseIndex(part.substr(0, dash));
    std::optional<int32_t> hi =
        dash == std::string_view::npos ? lo : ParseIndex(part.substr(dash + 1));
    if (!lo || !hi || *lo > *hi) continue;
    for (int32_t i = *lo; i <= *hi && i < limit; ++i)
      out.insert(i);
  }
  return out;
}

std::string FormatIndexes(const std::set<int32_t>& indexes) {
  std::string out;
  auto it = indexes.begin();
  while (it != indexes.end()) {
    int32_t start = *it, end = *it;
    for (++it; it != indexes.end() && *it == end + 1; ++it)
      end = *it;
    if (!out.empty()) out += ",";
    out += std::to_string(start);
    if (end != start) out += "-" + std::to_string(end);
  }
  return out;
}

std::optional<int32_t> CompletionIndexOf(const api::Pod& pod) {
  const auto& a = pod.metadata().annotations();
  if (auto it = a.find(api::kJobCompletionIndex); it != a.end()) return ParseIndex(it->second);
  const auto& l = pod.metadata().labels();
  if (auto it = l.find(api::kJobCompletionIndex); it != l.end()) return ParseIndex(it->second);
  return std::nullopt;
}

int64_t PodFinishSeconds(const api::Pod& pod) {
  int64_t finished = 0;
  for (const auto& s : pod.status().container_statuses()) {
    if (s.state().has_terminated()) {
      finished = std::max(finished, s.state().terminated().finished_at().seconds());
    }
  }
  if (finished > 0) return finished;
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready" && c.has_last_transition_time()) {
      return c.last_transition_time().seconds();
    }
  }
  return pod.metadata().creation_timestamp().seconds();
}

std::chrono::milliseconds FailureBackoff(int consecutive_failures, std::chrono::milliseconds base,
                                         std::chrono::milliseconds max) {
  if (consecutive_failures <= 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds d = base;
  for (int i = 1; i < consecutive_failures && d < max; ++i)
    d *= 2;
  return std::min(d, max);
}

const api::JobCondition* FindJobCondition(const api::JobStatus& status, std::string_view type) {
  for (const auto& c : status.conditions()) {
    if (c.type() == type && c.status() == "True") return &c;
  }
  return nullptr;
}

bool IsJobFinished(const api::Job& job) {
  return FindJobCondition(job.status(), "Complete") || FindJobCondition(job.status(), "Failed");
}

bool SetJobCondition(api::JobStatus* status, const std::string& type, const std::string& value,
                     const std::string& reason, const std::string& message, int64_t now_seconds) {
  for (auto& c : *status->mutable_conditions()) {
    if (c.type() != type) continue;
    if (c.status() == value && c.reason() == reason && c.message() == message) return false;
    if (c.status() != value) c.mutable_last_transition_time()->set_seconds(now_seconds);
    c.set_status(value);
    c.set_reason(reason);
    c.set_message(message);
    c.mutable_last_probe_time()->set_seconds(now_seconds);
    return true;
  }
  api::JobCondition* c = status->add_conditions();
  c->set_type(type);
  c->set_status(value);
  c->set_reason(reason);
  c->set_message(message);
  c->mutable_last_probe_time()->set_seconds(now_seconds);
  c->mutable_last_transition_time()->set_seconds(now_seconds);
  return true;
}

}  // namespace skiff::controllers
