// What the end-to-end tests read back from `netctl get ... -o json`: the few
// fields of Pods and EndpointSlices they assert on, parsed from the JSON a
// user sees (a single object or a `List` with `items`). Pure functions,
// thread-safe. Malformed JSON or an unexpected shape is INVALID_ARGUMENT
// naming the field.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::e2e {

struct PodInfo {
  std::string name;
  std::string uid;
  std::string phase;   // Pending, Running, ...
  std::string pod_ip;  // "" until the sandbox has an address
  std::string node;
  std::string owner;  // name of the controller ownerReference, "" when none
  std::map<std::string, std::string> labels;
  bool ready = false;                      // condition Ready is True
  bool terminating = false;                // metadata.deletionTimestamp is set
  int restarts = 0;                        // sum of the containers' restartCount
  bool all_running = false;                // every container state is `running`
  std::map<std::string, std::string> env;  // first container's literal env values
  // The first container's waiting state ("" when not waiting).
  std::string waiting_reason, waiting_message;
  // The PodScheduled condition's status ("True", "False", "" when absent),
  // reason and message (the scheduler's "0/1 nodes are available: ...").
  std::string scheduled_status, scheduled_reason, scheduled_message;

  std::string Label(const std::string& key) const;
  std::string Env(const std::string& name) const;  // "" when unset
  // One line for diagnostics: "web-1 Running ready 10.244.0.3 restarts=0".
  std::string Summary() const;
};

struct EndpointInfo {
  std::string address;     // first address
  std::string target_pod;  // targetRef.name
  bool ready = false;
  bool serving = false;
  bool terminating = false;
};

Result<std::vector<PodInfo>> ParsePods(std::string_view json);
// All endpoints of every slice in the text.
Result<std::vector<EndpointInfo>> ParseEndpoints(std::string_view json);

}  // namespace skiff::e2e
