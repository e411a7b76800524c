// libFuzzer target: manifests (YAML/JSON) from untrusted sources. Loading must never crash;
// whatever loads must print and load again to an equal message.
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::api::LoadResult r = skiff::api::LoadManifests(text, "fuzz.yaml");
  for (const skiff::api::ManifestObject& o : r.objects) {
    std::string yaml = skiff::api::ToYaml(*o.object);
    auto again = skiff::api::ParseObject(yaml, "again.yaml");
    if (!again.ok() || !google::protobuf::util::MessageDifferencer::Equals(*o.object, **again)) {
      std::abort();  // printing must round-trip
    }
    (void)skiff::api::Validate(*o.object);
    skiff::api::ApplyDefaults(*o.object);
    (void)skiff::api::Validate(*o.object);
  }
  return 0;
}
