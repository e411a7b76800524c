// Authorization: may this user do this verb on this resource? The chain, in
// order: members of system:masters may do anything; the node authorizer
// decides for node agents (system:node:<name>); RBAC decides for everyone
// else. A request no authorizer allows is refused (PERMISSION_DENIED), with
// Kubernetes' wording:
//   pods "web" is forbidden: User "jane" cannot get resource "pods" in API
//   group "" in the namespace "default"
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/auth/tokens.h"

namespace skiff::auth {

struct Attributes {
  UserInfo user;
  std::string verb;         // get list watch create update patch delete deletecollection
  std::string api_group;    // "" (core), "apps", ...
  std::string resource;     // "pods"
  std::string subresource;  // "status", "token", ...
  std::string ns;           // "" for cluster-scoped resources and all-namespace lists
  std::string name;         // "" for list/watch/create (unless pinned by a field selector)
};

enum class Decision { kAllow, kDeny, kNoOpinion };

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // `reason` explains an allow or a deny (for access reviews and logs).
  virtual Decision Authorize(const Attributes& a, std::string* reason) const = 0;
};

// Runs the authorizers in order; the first allow or deny wins.
class ChainAuthorizer : public Authorizer {
 public:
  explicit ChainAuthorizer(std::vector<std::shared_ptr<const Authorizer>> chain)
      : chain_(std::move(chain)) {}
  Decision Authorize(const Attributes& a, std::string* reason) const override;

 private:
  std::vector<std::shared_ptr<const Authorizer>> chain_;
};

// Allows members of system:masters everything.
class MastersAuthorizer : public Authorizer {
 public:
  Decision Authorize(const Attributes& a, std::string* reason) const override;
};

// Allows everything (--authorization-mode=AlwaysAllow).
class AlwaysAllow : public Authorizer {
 public:
  Decision Authorize(const Attributes&, std::string* reason) const override {
    *reason = "authorization disabled";
    return Decision::kAllow;
  }
};

// The refusal as Kubernetes words it.
Status Forbidden(const Attributes& a, const std::string& reason = "");

}  // namespace skiff::auth
