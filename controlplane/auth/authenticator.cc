#include "controlplane/auth/authenticator.h"

#include <google/protobuf/util/time_util.h>
#include <openssl/sha.h>

#include <algorithm>

namespace skiff::auth {
namespace {

constexpr auto kAccountCacheTtl = std::chrono::seconds(5);
constexpr auto kTokenCacheTtl = std::chrono::seconds(5);
constexpr size_t kTokenCacheMax = 10000;

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
  auto now = std::chrono::steady_clock::now();
  // Keyed by a digest: the cache holds no usable credential.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  std::string key(reinterpret_cast<const char*>(digest), sizeof digest);
  {
    std::lock_guard lock(mu_);
    auto it = verified_.find(key);
    if (it != verified_.end() && now < it->second.until) return it->second.user;
  }
  int64_t expires_at = 0;
  auto user = VerifySigned(token, &expires_at);
  if (!user.ok()) return user;
  int64_t wall = google::protobuf::util::TimeUtil::GetCurrentTime().seconds();
  auto until =
      now + std::min<std::chrono::steady_clock::duration>(
                kTokenCacheTtl, std::chrono::seconds(std::max<int64_t>(0, expires_at - wall)));
  std::lock_guard lock(mu_);
  if (verified_.size() >= kTokenCacheMax) verified_.clear();
  verified_[std::move(key)] = {*user, until};
  return user;
}

Result<UserInfo> Authenticator::VerifySigned(std::string_view token, int64_t* expires_at) const {
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
  *expires_at = claims->expires_at;
  return claims->user;
}

}  // namespace skiff::auth
