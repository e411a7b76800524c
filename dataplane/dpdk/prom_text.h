// A parser for the Prometheus text exposition format (0.0.4) as far as
// `netctl lb stats --engine=dpdk` needs it: sample lines
//   name{label="value",...} number [timestamp]
// with escaped label values (\\, \", \n); # comments and blank lines are
// skipped. The input comes over the network (skiff-proxy's /metrics), so
// every malformed line is an error naming the line, never a crash.
// Pure functions, thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::dataplane::dpdk {

struct PromSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Metric name -> samples in input order.
using PromFamilies = std::map<std::string, std::vector<PromSample>>;

// INVALID_ARGUMENT "line N: ..." for a malformed sample line.
Result<PromFamilies> ParsePromText(std::string_view text);

}  // namespace skiff::dataplane::dpdk
