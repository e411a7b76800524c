#include "controlplane/scheduler/taints.h"

#include "skiff/api/core.pb.h"

namespace skiff::scheduler {

bool ToleratesTaint(const api::Toleration& t, const api::Taint& taint) {
  if (!t.effect().empty() && t.effect() != taint.effect()) return false;
  if (!t.key().empty() && t.key() != taint.key()) return false;
  if (t.operator_().empty() || t.operator_() == "Equal") return t.value() == taint.value();
  return t.operator_() == "Exists";
}

bool TolerationsTolerateTaint(const Tolerations& tolerations, const api::Taint& taint) {
  for (const api::Toleration& t : tolerations) {
    if (ToleratesTaint(t, taint)) return true;
  }
  return false;
}

const api::Taint* FindUntoleratedTaint(const Taints& taints, const Tolerations& tolerations) {
  for (const api::Taint& taint : taints) {
    if (taint.effect() != kEffectNoSchedule && taint.effect() != kEffectNoExecute) continue;
    if (!TolerationsTolerateTaint(tolerations, taint)) return &taint;
  }
  return nullptr;
}

}  // namespace skiff::scheduler
