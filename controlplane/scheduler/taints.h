// Taints and tolerations with Kubernetes' matching rules: a toleration with an effect
// matches only that effect, with a key only that key; operator Exists matches any value,
// Equal (or "") the exact value; an empty key with Exists tolerates every taint.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include <google/protobuf/repeated_ptr_field.h>

namespace skiff::api {
class Taint;
class Toleration;
}  // namespace skiff::api

namespace skiff::scheduler {

using Tolerations = google::protobuf::RepeatedPtrField<api::Toleration>;
using Taints = google::protobuf::RepeatedPtrField<api::Taint>;

inline constexpr std::string_view kTaintNodeUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr std::string_view kEffectNoSchedule = "NoSchedule";
inline constexpr std::string_view kEffectNoExecute = "NoExecute";
inline constexpr std::string_view kEffectPreferNoSchedule = "PreferNoSchedule";

bool ToleratesTaint(const api::Toleration& toleration, const api::Taint& taint);
bool TolerationsTolerateTaint(const Tolerations& tolerations, const api::Taint& taint);

// The first taint (in the node's order) with effect NoSchedule or NoExecute that no
// toleration tolerates; nullptr when every such taint is tolerated.
const api::Taint* FindUntoleratedTaint(const Taints& taints, const Tolerations& tolerations);

}  // namespace skiff::scheduler
