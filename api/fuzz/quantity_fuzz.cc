// libFuzzer target: quantity strings. Parsing never crashes; canonical output re-parses to
// the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::Result<skiff::api::Quantity> q = skiff::api::Quantity::Parse(text);
  if (!q.ok()) return 0;
  skiff::Result<skiff::api::Quantity> again = skiff::api::Quantity::Parse(q->ToString());
  if (!again.ok() || *again != *q) std::abort();
  (void)q->Value();
  (void)q->MilliValue();
  (void)q->Add(*q);
  return 0;
}
