// The API credentials every pod gets, as kube-apiserver's ServiceAccount
// admission adds them (Skiff's API server does not, so the agent does it
// on its own copy of the pod; the pod object in the API is unchanged):
//
//   volumes:
//   - name: kube-api-access-<5 chars>          (derived from the pod UID)
//     projected:
//       defaultMode: 0644
//       sources:
//       - serviceAccountToken: {expirationSeconds: 3607, path: token}
//       - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
//       - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
//   containers[*].volumeMounts (init and app containers that do not mount
//   anything at the path already):
//   - {name: kube-api-access-..., mountPath: /var/run/secrets/kubernetes.io/serviceaccount,
//      readOnly: true}
//
// The agent serves the kube-root-ca.crt ConfigMap from the CA it trusts
// itself. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "skiff/api/core.pb.h"

namespace skiff::node {

inline constexpr const char* kApiAccessMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
inline constexpr const char* kRootCaConfigMap = "kube-root-ca.crt";
inline constexpr int64_t kApiAccessTokenSeconds = 3607;

// The pod's ServiceAccount name ("default" when unset).
std::string ServiceAccountName(const api::Pod& pod);

// Whether the pod gets the API credentials: the pod's
// automountServiceAccountToken if set, else its ServiceAccount's (`sa`,
// nullptr when unknown), else true.
bool ShouldAutomountToken(const api::Pod& pod, const api::ServiceAccount* sa);

// "kube-api-access-" and 5 characters of kube's random-string alphabet,
// derived from the pod UID so an agent restart names it the same.
std::string ApiAccessVolumeName(const api::Pod& pod);

// `container` with the read-only API access mount added when `pod` has the
// API access volume and the container mounts nothing at kApiAccessMountPath.
api::Container WithApiAccessMount(const api::Pod& pod, const api::Container& container);

// A copy of `pod` with the API access volume and mounts added (unchanged
// when it has a volume of that name already).
std::shared_ptr<const api::Pod> WithApiAccessVolume(const api::Pod& pod);

}  // namespace skiff::node
