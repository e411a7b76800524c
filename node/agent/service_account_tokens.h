// ServiceAccountTokens: the agent's cache of service account tokens for its
// pods' projected volumes (kubelet's token manager). A token is requested
// with the API's TokenRequest (ApiClient::CreateToken, as the node's own
// user: the node authorizer allows it for the ServiceAccounts of pods bound
// to this node) and reused until it is due for refresh: when 80% of its
// lifetime has passed, or 24 h after it was issued, whichever comes first.
//
// Failures: a refresh that fails keeps serving the old token while it is
// still valid; otherwise the error is returned. Requests after a failure
// back off (1 s doubling to 2 min) and return the last error meanwhile, so
// pods retrying every few seconds do not hammer the API server.
//
// Limitation: Skiff's TokenRequest carries neither audiences nor a bound
// object, so `audience` and the pod only key the cache (each pod and
// audience gets its own token); the token itself is a plain token of the
// ServiceAccount, valid for the API server.
//
// Entries unused for 10 minutes whose token expired are dropped (pods that
// are gone).
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "api/client/client.h"
#include "common/status.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

class ServiceAccountTokens {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `client` must outlive this object; `clock` is the wall clock unless a
  // test injects one.
  explicit ServiceAccountTokens(api::ApiClient& client, Clock clock = nullptr);

  // A token of `pod`'s ServiceAccount for `audience` ("" = the API's) that
  // lives `expiration_seconds`. Errors are the API's (NOT_FOUND for a
  // missing ServiceAccount, PERMISSION_DENIED, UNAVAILABLE).
  Result<std::string> Token(const api::Pod& pod, const std::string& audience,
                            int64_t expiration_seconds);

  // Entries in the cache (tests).
  size_t size() const;

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  struct Entry {
    std::string token;
    TimePoint expires{};
    TimePoint refresh_at{};  // a token exists when refresh_at is set
    Status error = Status::Ok();
    TimePoint retry_at{};
    std::chrono::milliseconds backoff{0};
    TimePoint used{};
  };
  void Sweep(TimePoint now);

  api::ApiClient& client_;
  Clock clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by pod uid, ServiceAccount, audience, lifetime
  TimePoint swept_{};
};

}  // namespace skiff::node
