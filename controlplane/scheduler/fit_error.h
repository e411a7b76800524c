// The message of a pod no node fits, word for word as kube-scheduler writes it:
//   "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint
//   {node-role.kubernetes.io/control-plane: }."
// — each reason with the number of nodes that gave it, the "<count> <reason>" strings sorted
// as strings, joined by ", ". When a PreFilter rejected the pod for every node, its message
// stands alone: "0/3 nodes are available: pod affinity terms conflict.".
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace skiff::scheduler {

inline constexpr std::string_view kNoNodesAvailable = "no nodes available to schedule pods";

std::string FitErrorMessage(size_t num_all_nodes, std::string_view prefilter_message,
                            const std::map<std::string, int, std::less<>>& reason_counts);

}  // namespace skiff::scheduler
