// libFuzzer target for the static-services parser (YAML and JSON paths):
// any input must give a Manifest or an error Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/proxy/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto m = skiff::dataplane::ParseManifest(text, "fuzz");
  (void)m;
  return 0;
}
