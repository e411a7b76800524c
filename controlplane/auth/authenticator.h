// Authenticator: who sent this bearer token? Static tokens (the admin
// token in tokens.csv) first, then tokens signed by this server for
// ServiceAccounts and nodes. A ServiceAccount token stops working when its
// ServiceAccount is deleted (or re-created with another uid): that is
// checked through `account_exists`, with answers cached for a few seconds.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "controlplane/auth/signed_tokens.h"
#include "controlplane/auth/tokens.h"

namespace skiff::auth {

class Authenticator {
 public:
  // (namespace, name, uid) -> does that ServiceAccount exist with that uid?
  using AccountCheck =
      std::function<bool(const std::string&, const std::string&, const std::string&)>;

  Authenticator(const TokenAuthenticator& static_tokens, const TokenSigner& signer,
                AccountCheck account_exists)
      : static_(static_tokens), signer_(signer), account_exists_(std::move(account_exists)) {}

  // UNAUTHENTICATED with a reason for a missing, forged, expired or revoked
  // token; never echoes the token.
  // Verified signed tokens are remembered for a few seconds (as
  // kube-apiserver's token cache does): the signature and claims are checked
  // once, not on every call. A revoked ServiceAccount's tokens stop working
  // within that time; an expired token at its expiry.
  Result<UserInfo> Authenticate(std::string_view token) const;

 private:
  Result<UserInfo> VerifySigned(std::string_view token, int64_t* expires_at) const;

  const TokenAuthenticator& static_;
  const TokenSigner& signer_;
  AccountCheck account_exists_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::pair<bool, std::chrono::steady_clock::time_point>> accounts_;
  struct Verified {
    UserInfo user;
    std::chrono::steady_clock::time_point until;
  };
  mutable std::unordered_map<std::string, Verified> verified_;  // by SHA-256 of the token; mu_
};

}  // namespace skiff::auth
