#include "api/cron.h"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <vector>

namespace skiff::api {
namespace {

struct Bounds {
  const char* name;
  int min;
  int max;
  // Names for values min.. (jan.. or sun..), or nullptr.
  const char* const* names;
};

const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                               "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const Bounds kBounds[5] = {
    {"minute", 0, 59, nullptr}, {"hour", 0, 23, nullptr},         {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, kMonths},  {"day-of-week", 0, 6, kWeekdays},
};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status FieldError(const Bounds& b, std::string_view expr, const std::string& why) {
  return InvalidArgument(std::string(b.name) + ": \"" + std::string(expr) + "\": " + why);
}

// A number or (for month/weekday) a name.
Result<int> ParseValue(const Bounds& b, std::string_view whole, std::string_view v) {
  if (v.empty()) return FieldError(b, whole, "empty value");
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 4) return FieldError(b, whole, "value out of range");
    int n = 0;
    for (char c : v)
      n = n * 10 + (c - '0');
    return n;
  }
  if (b.names != nullptr) {
    std::string lower = Lower(v);
    for (int i = 0; i <= b.max - b.min; ++i) {
      if (lower == b.names[i]) return b.min + i;
    }
  }
  return FieldError(b, whole, "unknown name or malformed number \"" + std::string(v) + "\"");
}

// One list element: "*", "?", "a", "a-b", each optionally "/step".
Status ParseRange(const Bounds& b, std::string_view whole, std::string_view part, uint64_t* bits,
                  bool* star) {
  std::vector<std::string_view> range_step = Split(part, '/');
  if (range_step.size() > 2) return FieldError(b, whole, "too many slashes");
  std::vector<std::string_view> low_high = Split(range_step[0], '-');
  if (low_high.size() > 2) return FieldError(b, whole, "too many hyphens");
  int start, end;
  bool is_star = false;
  if (low_high[0] == "*" || low_high[0] == "?") {
    if (low_high.size() != 1) return FieldError(b, whole, "a range cannot start with *");
    start = b.min;
    end = b.max;
    is_star = true;
  } else {
    Result<int> lo = ParseValue(b, whole, low_high[0]);
    if (!lo.ok()) return lo.status();
    start = *lo;
    end = start;
    if (low_high.size() == 2) {
      Result<int> hi = ParseValue(b, whole, low_high[1]);
      if (!hi.ok()) return hi.status();
      end = *hi;
    }
  }
  int step = 1;
  if (range_step.size() == 2) {
    Result<int> s = ParseValue(Bounds{b.name, 0, 0, nullptr}, whole, range_step[1]);
    if (!s.ok()) return s.status();
    step = *s;
    if (step <= 0) return FieldError(b, whole, "step must be positive");
    // "a/n" means a through the maximum, every n.
    if (low_high.size() == 1 && !is_star) end = b.max;
    if (step > 1) is_star = false;
  }
  if (start < b.min || end > b.max) {
    return FieldError(b, whole,
                      "out of range (" + std::to_string(b.min) + "-" + std::to_string(b.max) + ")");
  }
  if (start > end) return FieldError(b, whole, "range start is after its end");
  for (int i = start; i <= end; i += step)
    *bits |= uint64_t{1} << i;
  *star |= is_star;
  return Status::Ok();
}

std::string_view Descriptor(std::string_view expr) {
  std::string lower = Lower(expr);
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return {};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::optional<absl::TimeZone> LoadZone(std::string_view name) {
  if (name.empty()) return absl::LocalTimeZone();
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(name), &tz)) return std::nullopt;
  return tz;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expr) {
  expr = Trim(expr);
  if (expr.starts_with("TZ=") || expr.starts_with("CRON_TZ=")) {
    return InvalidArgument("cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
  }
  if (expr.empty()) return InvalidArgument("empty schedule");
  if (expr.front() == '@') {
    std::string_view d = Descriptor(expr);
    if (d.empty()) return InvalidArgument("unrecognized descriptor: " + std::string(expr));
    expr = d;
  }
  std::vector<std::string_view> parts;
  for (std::string_view p : Split(expr, ' ')) {
    for (std::string_view q : Split(p, '\t')) {
      if (!q.empty()) parts.push_back(q);
    }
  }
  if (parts.size() != 5) {
    return InvalidArgument("expected exactly 5 fields, found " + std::to_string(parts.size()) +
                           ": " + std::string(expr));
  }
  CronSchedule s;
  for (size_t i = 0; i < 5; ++i) {
    for (std::string_view part : Split(parts[i], ',')) {
      SKIFF_RETURN_IF_ERROR(
          ParseRange(kBounds[i], parts[i], part, &s.fields_[i].bits, &s.fields_[i].star));
    }
  }
  return s;
}

bool CronSchedule::DayMatches(int day_of_month, int weekday) const {
  bool dom = (fields_[2].bits >> day_of_month) & 1;
  bool dow = (fields_[4].bits >> weekday) & 1;
  if (fields_[2].star || fields_[4].star) return dom && dow;
  return dom || dow;
}

std::optional<CronSchedule::TimePoint> CronSchedule::Next(TimePoint after,
                                                          std::string_view time_zone) const {
  std::optional<absl::TimeZone> tz = LoadZone(time_zone);
  if (!tz) return std::nullopt;
  absl::Time t = absl::FromChrono(after);
  absl::CivilMinute c = absl::ToCivilMinute(t, *tz) + 1;
  const absl::CivilMinute limit = c + 5 * 366 * 24 * 60;
  // Walks wall-clock time, jumping whole months, days and hours that cannot match.
  while (c < limit) {
    if (!((fields_[3].bits >> c.month()) & 1)) {
      c = absl::CivilMinute(absl::CivilMonth(c) + 1);
      continue;
    }
    int weekday = static_cast<int>(absl::GetWeekday(absl::CivilDay(c)));
    // absl: Monday = 0 ... Sunday = 6; cron: Sunday = 0.
    weekday = (weekday + 1) % 7;
    if (!DayMatches(c.day(), weekday)) {
      c = absl::CivilMinute(absl::CivilDay(c) + 1);
      continue;
    }
    if (!((fields_[1].bits >> c.hour()) & 1)) {
      c = absl::CivilMinute(absl::CivilHour(c) + 1);
      continue;
    }
    if (!((fields_[0].bits >> c.minute()) & 1)) {
      c += 1;
      continue;
    }
    absl::TimeZone::TimeInfo info = tz->At(absl::CivilSecond(c));
    // Skipped (spring forward): `pre` is the wall time read with the old offset, i.e.
    // as far after the gap as it was into it. Repeated: the first occurrence.
    absl::Time at = info.pre;
    if (at > t) return absl::ToChronoTime(at);
    c += 1;
  }
  return std::nullopt;
}

std::string FormatRfc3339(CronSchedule::TimePoint t, std::string_view time_zone) {
  std::optional<absl::TimeZone> tz = LoadZone(time_zone);
  return absl::FormatTime(absl::RFC3339_sec, absl::FromChrono(t), tz ? *tz : absl::UTCTimeZone());
}

Status CheckTimeZoneName(std::string_view name) {
  auto invalid = [&](const std::string& why) {
    return InvalidArgument("unknown time zone " + std::string(name) + ": " + why);
  };
  if (name.empty()) return invalid("empty name");
  std::string lower = Lower(name);
  if (lower == "local") return invalid("must be an explicit IANA time zone name");
  if (name.front() == '/' || name.find("..") != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return invalid("must be an IANA time zone name, not a path");
  }
  std::ifstream f("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
  char magic[4] = {};
  if (!f.read(magic, 4) || std::string_view(magic, 4) != "TZif") {
    return invalid("no such zone under /usr/share/zoneinfo");
  }
  if (!LoadZone(name)) return invalid("zone file does not load");
  return Status::Ok();
}

}  // namespace skiff::api
