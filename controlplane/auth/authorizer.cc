#include "controlplane/auth/authorizer.h"

#include <algorithm>

namespace skiff::auth {

Decision ChainAuthorizer::Authorize(const Attributes& a, std::string* reason) const {
  for (const auto& authz : chain_) {
    Decision d = authz->Authorize(a, reason);
    if (d != Decision::kNoOpinion) return d;
  }
  if (reason->empty()) *reason = "no RBAC policy matched";
  return Decision::kDeny;
}

Decision MastersAuthorizer::Authorize(const Attributes& a, std::string* reason) const {
  if (std::find(a.user.groups.begin(), a.user.groups.end(), "system:masters") !=
      a.user.groups.end()) {
    *reason = "member of system:masters";
    return Decision::kAllow;
  }
  return Decision::kNoOpinion;
}

Status Forbidden(const Attributes& a, const std::string& reason) {
  std::string what = a.resource;
  if (!a.api_group.empty()) what += "." + a.api_group;
  std::string msg = a.name.empty() ? what : what + " \"" + a.name + "\"";
  msg += " is forbidden: User \"" + a.user.name + "\" cannot " + a.verb + " resource \"" +
         a.resource + (a.subresource.empty() ? "" : "/" + a.subresource) + "\" in API group \"" +
         a.api_group + "\"";
  msg += a.ns.empty() ? " at the cluster scope" : " in the namespace \"" + a.ns + "\"";
  if (!reason.empty()) msg += ": " + reason;
  return Status(StatusCode::kPermissionDenied, msg);
}

}  // namespace skiff::auth
