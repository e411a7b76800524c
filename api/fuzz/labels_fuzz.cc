// libFuzzer target: label selector strings (list/watch requests carry them). Parsing never
// crashes; the canonical form parses back to an equal selector.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>

#include "api/labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::Result<skiff::api::Selector> s = skiff::api::Selector::Parse(text);
  if (!s.ok()) return 0;
  skiff::Result<skiff::api::Selector> again = skiff::api::Selector::Parse(s->ToString());
  if (!again.ok() || !(*again == *s)) std::abort();
  std::map<std::string, std::string> labels{{"app", "web"}, {"tier", "1"}};
  (void)s->Matches(labels);
  return 0;
}
