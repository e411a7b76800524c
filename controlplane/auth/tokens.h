// Bearer-token authentication from a static token file, in the format of
// Kubernetes' --token-auth-file: one "token,user,uid[,\"group1,group2\"]" per
// line. On first start the file is created holding one admin token (user
// "admin", group "system:masters"). Tokens are kept only as SHA-256 digests
// in memory and compared by digest.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::auth {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
};

class TokenAuthenticator {
 public:
  // Loads `path`, creating it (0600) with a fresh admin token when missing.
  // `admin_token` receives the admin user's token (for admin.conf).
  // INVALID_ARGUMENT names the line of a malformed file.
  static Result<std::unique_ptr<TokenAuthenticator>> LoadOrCreate(const std::string& path,
                                                                  std::string* admin_token);

  // The user for a token, or nullopt. Thread-safe (immutable after load).
  std::optional<UserInfo> Authenticate(std::string_view token) const;

  // Parses an "authorization" header value "Bearer <token>"; "" otherwise.
  static std::string_view BearerToken(std::string_view header);

 private:
  std::map<std::string, UserInfo> users_by_digest_;
};

}  // namespace skiff::auth
