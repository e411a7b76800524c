// libFuzzer target: Parse must never crash, and whatever it accepts must
// serialize to text that parses back to an equal value (round trip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::json::ParseError error;
  auto parsed = skiff::json::Parse(text, {}, &error);
  if (!parsed.ok()) {
    if (error.offset > size) std::abort();
    return 0;
  }
  for (int indent : {0, 2}) {
    std::string out = skiff::json::Serialize(*parsed, {.indent = indent});
    auto again = skiff::json::Parse(out);
    if (!again.ok() || !(*again == *parsed)) std::abort();
  }
  return 0;
}
