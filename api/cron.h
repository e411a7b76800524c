// CronSchedule: the CronJob schedule language as Kubernetes reads it (robfig/cron's
// standard parser): five fields "minute hour day-of-month month day-of-week" with `*`, `?`,
// numbers, ranges `a-b`, lists `a,b`, steps `*/n`, `a-b/n`, `a/n` (= a-max/n), month
// names jan-dec and weekday names sun-sat (any case, weekdays 0-6 with 0 = Sunday), and
// the descriptors @yearly/@annually, @monthly, @weekly, @daily/@midnight, @hourly.
//
// Day-of-month and day-of-week combine as in cron: when both are restricted (neither
// starts with `*` or `?`) a day matches if EITHER matches; otherwise both must match.
//
// Times are computed in a named IANA zone (files under /usr/share/zoneinfo) or the
// process's local zone. Across DST: a wall-clock time skipped by a spring-forward gap
// fires at the same offset after the gap (02:30 -> 03:30), a repeated wall-clock time
// fires once, at its first occurrence.
//
// Immutable after Parse; safe to share between threads.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::api {

class CronSchedule {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // INVALID_ARGUMENT naming the offending field and value, e.g.
  // `day-of-week: "mon-xyz": unknown name "xyz"`. "TZ=" / "CRON_TZ=" prefixes are refused
  // (Kubernetes wants spec.timeZone instead).
  static Result<CronSchedule> Parse(std::string_view expr);

  // The first schedule time strictly after `after` (whole minutes), computed in
  // `time_zone` ("" = local zone). nullopt when nothing matches within 5 years (e.g.
  // "0 0 30 2 *") or the zone does not load.
  std::optional<TimePoint> Next(TimePoint after, std::string_view time_zone) const;

 private:
  struct Field {
    uint64_t bits = 0;  // bit i set: value i matches
    bool star = false;  // written as * or ? (no step): day fields use the AND rule
  };
  bool DayMatches(int day_of_month, int weekday) const;

  // minute, hour, day-of-month, month, day-of-week
  std::array<Field, 5> fields_;
};

// `t` as RFC 3339 in `time_zone` ("" = local; UTC when the zone does not load), e.g.
// "2025-03-30T03:30:00+02:00".
std::string FormatRfc3339(CronSchedule::TimePoint t, std::string_view time_zone);

// OK when `name` is a loadable IANA zone under /usr/share/zoneinfo ("Europe/Berlin",
// "UTC"); INVALID_ARGUMENT otherwise ("Local", paths, unknown names).
Status CheckTimeZoneName(std::string_view name);

}  // namespace skiff::api
