// libFuzzer target: CronJob schedules (spec.schedule comes from any API client). Parsing
// never crashes; a schedule that parses yields a next time strictly after the start, or
// none, and never loops without bound.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::Result<skiff::api::CronSchedule> s = skiff::api::CronSchedule::Parse(text);
  if (!s.ok()) return 0;
  auto start = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  auto next = s->Next(start, "UTC");
  if (next && *next <= start) std::abort();
  return 0;
}
