// Fuzzes the stats summary parser: any bytes from a node agent must parse or
// fail with an error, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controlplane/metrics/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r =
      skiff::metrics::ParseSummary(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.ok()) {
    for (const auto& pod : r->pods) {
      if (pod.name.empty() || pod.ns.empty()) __builtin_trap();
    }
  }
  return 0;
}
