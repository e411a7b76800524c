#include "controlplane/auth/authenticator.h"

#include <google/protobuf/util/time_util.h>

namespace skiff::auth {
namespace {

constexpr auto kAccountCacheTtl = std::chrono::seconds(5);

}  // namespace

Result<UserInfo> Authenticator::Authenticate(std::string_view token) const {
  if (token.empty()) {
    return Status(StatusCode::kUnauthenticated,
                  "no credentials: send \"authorization: Bearer <token>\" (see admin.conf)");
  }
  if (auto user = static_.Authenticate(token)) {
    user->groups.push_back("system:authenticated");
    return *user;
  }
  if (token.find('.') == std::string_view::npos) {
    return Status(StatusCode::kUnauthenticated, "invalid bearer token");
  }
  auto claims = signer_.Verify(token, google::protobuf::util::TimeUtil::GetCurrentTime().seconds());
  if (!claims.ok()) return claims.status();
  if (!claims->sa_name.empty()) {
    std::string key = claims->sa_namespace + "/" + claims->sa_name + "/" + claims->user.uid;
    auto now = std::chrono::steady_clock::now();
    std::optional<bool> known;
    {
      std::lock_guard lock(mu_);
      auto it = accounts_.find(key);
      if (it != accounts_.end() && now - it->second.second < kAccountCacheTtl) {
        known = it->second.first;
      }
    }
    if (!known) {
      known = account_exists_(claims->sa_namespace, claims->sa_name, claims->user.uid);
      std::lock_guard lock(mu_);
      if (accounts_.size() > 10000) accounts_.clear();
      accounts_[key] = {*known, now};
    }
    if (!*known) {
      return Status(StatusCode::kUnauthenticated, "invalid bearer token: service account " +
                                                      claims->sa_namespace + "/" + claims->sa_name +
                                                      " no longer exists");
    }
  }
  return claims->user;
}

}  // namespace skiff::auth
