// Topology spread constraints as kube-scheduler evaluates them: the pod's own constraints
// with the wanted whenUnsatisfiable, with matchLabelKeys merged into the selector and the
// defaults minDomains 1, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore; or, for a pod
// without constraints, the system defaults (ScheduleAnyway: hostname maxSkew 3, zone maxSkew
// 5) with a selector built from the Services, ReplicaSet and StatefulSet the pod belongs to
// (none when that selector is empty).
#pragma once

#include <string>
#include <vector>

#include "api/labels.h"
#include "common/status.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/pod_info.h"

namespace skiff::scheduler {

struct SpreadConstraint {
  int32_t max_skew = 1;
  std::string topology_key;
  api::Selector selector = api::Selector::Nothing();
  int32_t min_domains = 1;
  bool honor_node_affinity = true;
  bool honor_node_taints = false;
};

// `when`: "DoNotSchedule" or "ScheduleAnyway". Errors name the constraint's field.
Result<std::vector<SpreadConstraint>> PodSpreadConstraints(const PodInfo& pod,
                                                           std::string_view when);

// The system default constraints for a pod without constraints of its own (empty when the
// pod belongs to no Service, ReplicaSet or StatefulSet).
std::vector<SpreadConstraint> DefaultSpreadConstraints(const PodInfo& pod, const Cache& cache);

// kube-scheduler's DefaultSelector: the merged selectors of the Services selecting the pod,
// plus the selector of its controlling ReplicaSet or StatefulSet.
api::Selector DefaultSpreadSelector(const PodInfo& pod, const Cache& cache);

}  // namespace skiff::scheduler
