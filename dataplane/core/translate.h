// Service + EndpointSlices -> what the data plane should hold for that
// Service, without ids: per Service port, its frontends and its backend sets
// (per IP family, for cluster and for external frontends, honouring the
// traffic policies, terminating-endpoint fallback and weights).
// Pure function, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/model.h"
#include "dataplane/core/state.h"

namespace skiff::dataplane {

struct BackendSpec {
  Backend backend;
  uint16_t weight = 1;
  bool terminating = false;  // member that keeps flows but gets no new ones
  auto operator<=>(const BackendSpec&) const = default;
};

struct FrontendSpec {
  FrontendKey key;
  Scope scope = Scope::kCluster;
  uint8_t flags = 0;  // kSvc* for this frontend
};

struct PortSpec {
  ServicePortInfo info;  // sets[] left 0: ids are assigned by Core
  std::vector<FrontendSpec> frontends;
  std::vector<BackendSpec> sets[4];  // kSetCluster4 ... kSetExternal6, sorted
};

struct Translation {
  std::vector<PortSpec> ports;
  // Non-fatal findings (skipped SCTP port, endpoint without matching port...).
  std::vector<std::string> warnings;
};

// INVALID_ARGUMENT, naming the Service and the field, when the Service itself
// is invalid (bad address, port out of range, duplicate port); nothing of it
// should then be applied. Slices for other Services are ignored.
Result<Translation> Translate(const Service& svc, const std::vector<const EndpointSlice*>& slices,
                              const NodeInfo& node);

}  // namespace skiff::dataplane
