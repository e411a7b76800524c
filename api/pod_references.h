// The Secrets and ConfigMaps a pod references: volumes (also projected
// sources), env valueFrom, envFrom, imagePullSecrets. The node authorizer
// lets an agent read exactly these; the agent watches exactly these.
#pragma once

#include <string>
#include <vector>

#include "skiff/api/core.pb.h"

namespace skiff::api {

// Sorted, without duplicates.
std::vector<std::string> ReferencedSecrets(const Pod& pod);
std::vector<std::string> ReferencedConfigMaps(const Pod& pod);

}  // namespace skiff::api
