// The seam where Service/EndpointSlice events enter the proxy. Today
// skiff-proxy starts a StaticFileSource (--static-services); the API
// informer adapter plugs in here later without touching core or engines.
#pragma once

#include <functional>
#include <string>
#include <variant>

#include "common/status.h"
#include "dataplane/core/model.h"

namespace skiff::dataplane {

struct ServiceEvent {
  enum class Kind { kUpsertService, kDeleteService, kUpsertSlice, kDeleteSlice, kSynced };
  Kind kind = Kind::kSynced;
  Service service;      // kUpsertService
  EndpointSlice slice;  // kUpsertSlice
  std::string key;      // "namespace/name" for deletes
};

// Receives events on the source's own thread. kSynced marks the end of an
// initial (or re-)listing: every object that exists has been delivered, and
// objects not delivered since the previous kSynced are gone. Before the
// first kSynced the proxy keeps whatever is installed (control plane down
// at start must not wipe the data plane).
using EventHandler = std::function<void(ServiceEvent)>;

class ServiceSource {
 public:
  virtual ~ServiceSource() = default;
  // Starts delivering events to `handler` (on any thread, one at a time).
  virtual Status Start(EventHandler handler) = 0;
  // Stops delivering; no handler call runs after Stop returns.
  virtual void Stop() = 0;
  // Whether the source currently reaches its origin (for /healthz detail).
  virtual bool Healthy() const = 0;
};

}  // namespace skiff::dataplane
