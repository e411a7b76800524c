// libFuzzer target: the Prometheus text parser behind
// `netctl lb stats --engine=dpdk` (it reads skiff-proxy's /metrics).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/dpdk/prom_text.h"
#include "dataplane/dpdk/stats_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = skiff::dataplane::dpdk::ParsePromText(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (m.ok()) {
    auto s = skiff::dataplane::dpdk::StatsFromMetrics(*m);
    if (s.ok()) (void)skiff::dataplane::dpdk::RenderText(*s);
  }
  return 0;
}
