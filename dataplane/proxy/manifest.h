// Reads Services and EndpointSlices from Kubernetes-shaped YAML or JSON (one
// object per document, multi-document streams, or `kind: List` with
// `items`). Field names are Kubernetes' (spec.clusterIPs, spec.ports[].
// nodePort, endpoints[].conditions.ready, the kubernetes.io/service-name
// label, ...); unknown kinds are skipped. Skiff extension:
// endpoints[].weight (Maglev weight, default 1).
//
// A document with a malformed field is rejected alone, with an error naming
// the document and the field; the other documents still load.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/model.h"

namespace skiff::dataplane {

struct Manifest {
  std::vector<Service> services;
  std::vector<EndpointSlice> slices;
  std::vector<std::string> errors;  // per rejected document
};

// INVALID_ARGUMENT when the text is not YAML/JSON at all.
Result<Manifest> ParseManifest(const std::string& text, const std::string& origin);
// NOT_FOUND / UNAVAILABLE when the file cannot be read.
Result<Manifest> LoadManifestFile(const std::string& path);

}  // namespace skiff::dataplane
