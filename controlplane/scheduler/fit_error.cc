#include "controlplane/scheduler/fit_error.h"

#include <algorithm>
#include <vector>

namespace skiff::scheduler {

std::string FitErrorMessage(size_t num_all_nodes, std::string_view prefilter_message,
                            const std::map<std::string, int, std::less<>>& reason_counts) {
  std::string out = "0/" + std::to_string(num_all_nodes) + " nodes are available:";
  if (!prefilter_message.empty()) {
    out += " ";
    out += prefilter_message;
    out += ".";
    return out;
  }
  std::vector<std::string> parts;
  parts.reserve(reason_counts.size());
  for (const auto& [reason, count] : reason_counts)
    parts.push_back(std::to_string(count) + " " + reason);
  std::sort(parts.begin(), parts.end());
  if (parts.empty()) return out;
  out += " ";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  out += ".";
  return out;
}

}  // namespace skiff::scheduler
