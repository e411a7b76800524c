// The scale subresource of an HPA's target, for the kinds Skiff can scale:
// Deployment, ReplicaSet and StatefulSet (apps/v1). Reading gives
// spec.replicas, status.replicas and the pod selector (from spec.selector,
// in label-selector string form); writing sets spec.replicas with
// optimistic concurrency on the resourceVersion that was read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/client/client.h"
#include "common/status.h"
#include "skiff/api/autoscaling.pb.h"

namespace google::protobuf {
class Message;
}

namespace skiff::autoscaler {

struct Scale {
  std::string kind;  // "Deployment", "ReplicaSet", "StatefulSet"
  std::string ns;
  std::string name;
  int32_t spec_replicas = 0;
  int32_t status_replicas = 0;
  std::string selector;                               // "app=web"; "" when the target has none
  std::string selector_error;                         // set when spec.selector does not convert
  std::shared_ptr<google::protobuf::Message> object;  // as read, with its resourceVersion
};

// Reads the target named by hpa.spec.scaleTargetRef in the HPA's namespace.
// INVALID_ARGUMENT for a kind or apiVersion that cannot be scaled (naming
// it), NOT_FOUND (the server's message) when the object does not exist.
Result<Scale> GetScale(api::ApiClient& client, const api::HorizontalPodAutoscaler& hpa);

// Writes spec.replicas = `replicas` onto the object as read. ABORTED when the
// object changed since (the caller retries with a fresh read).
Status UpdateScale(api::ApiClient& client, const Scale& scale, int32_t replicas);

}  // namespace skiff::autoscaler
