// Fuzzes the HTTP response parser the collector uses on agent replies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controlplane/metrics/http_get.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 1 << 16;
  auto r = skiff::metrics::ParseHttpResponse(
      std::string_view(reinterpret_cast<const char*>(data), size), kLimit);
  if (r.ok() && (r->body.size() > kLimit || r->status < 100 || r->status > 599)) {
    __builtin_trap();
  }
  return 0;
}
