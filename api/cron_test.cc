// The CronJob schedule parser and next-time computation.
#include "api/cron.h"

#include <gtest/gtest.h>

#include <ctime>

namespace skiff::api {
namespace {

using TimePoint = CronSchedule::TimePoint;

TimePoint Utc(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string Format(std::optional<TimePoint> t) {
  if (!t) return "never";
  std::time_t s = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string Next(const std::string& expr, TimePoint after, const std::string& tz = "UTC") {
  Result<CronSchedule> s = CronSchedule::Parse(expr);
  EXPECT_TRUE(s.ok()) << expr << ": " << s.status().ToString();
  if (!s.ok()) return "<parse error>";
  return Format(s->Next(after, tz));
}

TEST(CronTest, StepsRangesAndLists) {
  EXPECT_EQ(Next("*/15 * * * *", Utc(2025, 1, 1, 10, 7)), "2025-01-01 10:15 UTC");
  EXPECT_EQ(Next("*/15 * * * *", Utc(2025, 1, 1, 10, 15)), "2025-01-01 10:30 UTC");
  EXPECT_EQ(Next("5,10 8-9 * * *", Utc(2025, 1, 1, 9, 10)), "2025-01-02 08:05 UTC");
  EXPECT_EQ(Next("10/20 * * * *", Utc(2025, 1, 1, 9, 31)), "2025-01-01 09:50 UTC");
  EXPECT_EQ(Next("0 1-10/3 * * *", Utc(2025, 1, 1, 4, 0)), "2025-01-01 07:00 UTC");
  // Seconds within the minute do not count as the minute itself.
  EXPECT_EQ(Next("* * * * *", Utc(2025, 1, 1, 9, 0) + std::chrono::seconds(59)),
            "2025-01-01 09:01 UTC");
}

TEST(CronTest, NamesAndDescriptors) {
  EXPECT_EQ(Next("0 0 1 JAN *", Utc(2025, 6, 1, 0, 0)), "2026-01-01 00:00 UTC");
  EXPECT_EQ(Next("0 9 * * Mon-Fri", Utc(2025, 6, 6, 9, 0)), "2025-06-09 09:00 UTC");  // Fri->Mon
  EXPECT_EQ(Next("@hourly", Utc(2025, 6, 6, 9, 0)), "2025-06-06 10:00 UTC");
  EXPECT_EQ(Next("@daily", Utc(2025, 6, 6, 9, 0)), "2025-06-07 00:00 UTC");
  EXPECT_EQ(Next("@midnight", Utc(2025, 6, 6, 9, 0)), "2025-06-07 00:00 UTC");
  EXPECT_EQ(Next("@weekly", Utc(2025, 6, 6, 9, 0)), "2025-06-08 00:00 UTC");  // Sunday
  EXPECT_EQ(Next("@monthly", Utc(2025, 6, 6, 9, 0)), "2025-07-01 00:00 UTC");
  EXPECT_EQ(Next("@yearly", Utc(2025, 6, 6, 9, 0)), "2026-01-01 00:00 UTC");
  EXPECT_EQ(Next("@annually", Utc(2025, 6, 6, 9, 0)), "2026-01-01 00:00 UTC");
}

TEST(CronTest, MonthEndsAndLeapDays) {
  // The 31st skips the months without one.
  EXPECT_EQ(Next("0 0 31 * *", Utc(2025, 1, 31, 0, 0)), "2025-03-31 00:00 UTC");
  EXPECT_EQ(Next("0 0 31 * *", Utc(2025, 3, 31, 0, 0)), "2025-05-31 00:00 UTC");
  // Year end rolls over.
  EXPECT_EQ(Next("59 23 31 12 *", Utc(2025, 12, 31, 23, 59)), "2026-12-31 23:59 UTC");
  EXPECT_EQ(Next("* * * * *", Utc(2025, 12, 31, 23, 59)), "2026-01-01 00:00 UTC");
  // February 29th waits for the leap year; the 30th never comes.
  EXPECT_EQ(Next("0 12 29 2 *", Utc(2025, 1, 1, 0, 0)), "2028-02-29 12:00 UTC");
  EXPECT_EQ(Next("0 0 30 2 *", Utc(2025, 1, 1, 0, 0)), "never");
}

TEST(CronTest, DayOfMonthOrDayOfWeek) {
  // Both restricted: either matches (Friday OR the 13th). 2025-06-01 is a Sunday.
  EXPECT_EQ(Next("0 0 13 * fri", Utc(2025, 6, 1, 0, 0)), "2025-06-06 00:00 UTC");
  EXPECT_EQ(Next("0 0 13 * fri", Utc(2025, 6, 6, 0, 0)), "2025-06-13 00:00 UTC");
  EXPECT_EQ(Next("0 0 12 * fri", Utc(2025, 6, 6, 0, 0)), "2025-06-12 00:00 UTC");
  // One of them a star: both must match.
  EXPECT_EQ(Next("0 0 13 * *", Utc(2025, 6, 1, 0, 0)), "2025-06-13 00:00 UTC");
  EXPECT_EQ(Next("0 0 * * fri", Utc(2025, 6, 6, 0, 0)), "2025-06-13 00:00 UTC");
  EXPECT_EQ(Next("0 0 ? * 5", Utc(2025, 6, 6, 0, 0)), "2025-06-13 00:00 UTC");
  // A stepped star is a restriction: "*/10" days OR Sundays.
  EXPECT_EQ(Next("0 0 */10 * sun", Utc(2025, 6, 1, 0, 0)), "2025-06-08 00:00 UTC");
  EXPECT_EQ(Next("0 0 */10 * sun", Utc(2025, 6, 8, 0, 0)), "2025-06-11 00:00 UTC");
}

TEST(CronTest, NamedZonesAndDst) {
  // 09:00 in New York is 13:00 UTC in summer (EDT), 14:00 in winter (EST).
  EXPECT_EQ(Next("0 9 * * *", Utc(2025, 7, 1, 0, 0), "America/New_York"), "2025-07-01 13:00 UTC");
  EXPECT_EQ(Next("0 9 * * *", Utc(2025, 1, 1, 0, 0), "America/New_York"), "2025-01-01 14:00 UTC");
  // Europe/Berlin springs forward 2025-03-30 02:00 CET -> 03:00 CEST: 02:30 does not
  // exist and runs at 03:30 CEST (01:30 UTC), once.
  const std::string berlin = "Europe/Berlin";
  EXPECT_EQ(Next("30 2 * * *", Utc(2025, 3, 29, 1, 30), berlin), "2025-03-30 01:30 UTC");
  EXPECT_EQ(Next("30 2 * * *", Utc(2025, 3, 30, 1, 30), berlin), "2025-03-31 00:30 UTC");
  EXPECT_EQ(Next("30 * * * *", Utc(2025, 3, 30, 0, 30), berlin), "2025-03-30 01:30 UTC");
  EXPECT_EQ(Next("30 * * * *", Utc(2025, 3, 30, 1, 30), berlin), "2025-03-30 02:30 UTC");
  // Falls back 2025-10-26 03:00 CEST -> 02:00 CET: 02:30 happens twice and runs once.
  EXPECT_EQ(Next("30 2 * * *", Utc(2025, 10, 25, 0, 30), berlin), "2025-10-26 00:30 UTC");
  EXPECT_EQ(Next("30 2 * * *", Utc(2025, 10, 26, 0, 30), berlin), "2025-10-27 01:30 UTC");
  // Midnight daily stays local midnight across the change.
  EXPECT_EQ(Next("0 0 * * *", Utc(2025, 10, 25, 22, 0), berlin), "2025-10-26 23:00 UTC");
}

TEST(CronTest, ParseErrorsNameTheField) {
  struct Case {
    const char* expr;
    const char* error;
  } cases[] = {
      {"", "empty schedule"},
      {"* * * *", "expected exactly 5 fields, found 4: * * * *"},
      {"* * * * * *", "expected exactly 5 fields, found 6: * * * * * *"},
      {"60 * * * *", "minute: \"60\": out of range (0-59)"},
      {"* 24 * * *", "hour: \"24\": out of range (0-23)"},
      {"* * 0 * *", "day-of-month: \"0\": out of range (1-31)"},
      {"* * * 13 *", "month: \"13\": out of range (1-12)"},
      {"* * * * 7", "day-of-week: \"7\": out of range (0-6)"},
      {"* * * foo *", "month: \"foo\": unknown name or malformed number \"foo\""},
      {"5-1 * * * *", "minute: \"5-1\": range start is after its end"},
      {"*/0 * * * *", "minute: \"*/0\": step must be positive"},
      {"1-2-3 * * * *", "minute: \"1-2-3\": too many hyphens"},
      {"*/2/3 * * * *", "minute: \"*/2/3\": too many slashes"},
      {"1,,2 * * * *", "minute: \"1,,2\": empty value"},
      {"@every 5m", "unrecognized descriptor: @every 5m"},
      {"CRON_TZ=UTC * * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
  };
  for (const Case& c : cases) {
    Result<CronSchedule> s = CronSchedule::Parse(c.expr);
    ASSERT_FALSE(s.ok()) << c.expr;
    EXPECT_EQ(s.status().message(), c.error) << c.expr;
  }
}

TEST(CronTest, TimeZoneNames) {
  EXPECT_TRUE(CheckTimeZoneName("Europe/Berlin").ok());
  EXPECT_TRUE(CheckTimeZoneName("UTC").ok());
  EXPECT_FALSE(CheckTimeZoneName("Local").ok());
  EXPECT_FALSE(CheckTimeZoneName("Europe/Nowhere").ok());
  EXPECT_FALSE(CheckTimeZoneName("/etc/passwd").ok());
  EXPECT_FALSE(CheckTimeZoneName("Europe").ok());  // a directory
  // An unknown zone never matches rather than silently using UTC.
  Result<CronSchedule> s = CronSchedule::Parse("* * * * *");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->Next(Utc(2025, 1, 1, 0, 0), "Europe/Nowhere").has_value());
}

}  // namespace
}  // namespace skiff::api
