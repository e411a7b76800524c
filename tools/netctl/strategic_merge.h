// `netctl patch --type strategic` (kubectl's default): a JSON merge patch
// (RFC 7386) that knows which lists of the object model are keyed, as
// Kubernetes' strategic merge patch does from its patchMergeKey tags:
//
//   containers, initContainers, ephemeralContainers, env, volumes,
//   imagePullSecrets, ...               by "name"
//   volumeMounts                        by "mountPath"
//   ports                               by "containerPort" inside containers,
//                                       "port" elsewhere (Service ports)
//   hostAliases by "ip", conditions by "type", ownerReferences by "uid",
//   topologySpreadConstraints by "topologyKey"
//   finalizers                          a set of strings (union)
//
// A keyed list in the patch merges element by element with the live list
// (matching elements merge recursively, new ones are appended); other lists
// replace. Directives: {"$patch": "delete"} in a list element removes the
// element with that key, {"$patch": "replace"} replaces the map or list it
// is in, {"$patch": "delete"} in a map removes the map, "$retainKeys" keeps
// only the listed keys, "$deleteFromPrimitiveList/<field>" removes values
// from a list of scalars, "$setElementOrder/<field>" orders a keyed list.
//
// Errors (INVALID_ARGUMENT, naming the field path): a keyed list element
// without its key, an unknown $patch value, a patch that is not an object.
#pragma once

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::netctl {

Result<json::Value> ApplyStrategicMergePatch(const json::Value& original, const json::Value& patch);

}  // namespace skiff::netctl
