// Signed bearer tokens (JWTs, HS256) that skiff-server issues for
// ServiceAccounts and node agents, and verifies without storing them:
//   header  {"alg":"HS256","typ":"JWT"}
//   claims  {"iss":"skiff","sub":<user>,"iat":..,"nbf":..,"exp":..,
//            "groups":[...],"uid":<ServiceAccount uid or "">,
//            "kubernetes.io":{"namespace":..,"serviceaccount":{"name":..,"uid":..}}}
// The signing key (32 random bytes) lives in DATA_DIR/token-signing.key,
// created on first start. Verification checks the signature in constant
// time, the algorithm, and the time window.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/auth/tokens.h"

namespace skiff::auth {

struct TokenClaims {
  UserInfo user;
  std::string sa_namespace;  // set for ServiceAccount tokens
  std::string sa_name;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

class TokenSigner {
 public:
  // Loads the key from `path`, creating it (0600) when missing.
  static Result<TokenSigner> LoadOrCreate(const std::string& path);
  explicit TokenSigner(std::string key) : key_(std::move(key)) {}

  std::string Issue(const TokenClaims& claims) const;
  // UNAUTHENTICATED with the reason (malformed, bad signature, expired).
  Result<TokenClaims> Verify(std::string_view token, int64_t now_unix) const;

  // Claims for a ServiceAccount token (user system:serviceaccount:<ns>:<name>,
  // groups system:serviceaccounts and system:serviceaccounts:<ns>).
  static TokenClaims ForServiceAccount(const std::string& ns, const std::string& name,
                                       const std::string& uid, int64_t now, int64_t ttl);
  // Claims for a node agent (user system:node:<node>, group system:nodes).
  static TokenClaims ForNode(const std::string& node, int64_t now, int64_t ttl);

 private:
  std::string Sign(std::string_view data) const;
  std::string key_;
};

}  // namespace skiff::auth
