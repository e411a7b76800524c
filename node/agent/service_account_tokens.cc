#include "node/agent/service_account_tokens.h"

#include <algorithm>

#include "node/pod/service_account_volume.h"

namespace skiff::node {
namespace {

constexpr auto kMaxRefreshAge = std::chrono::hours(24);
constexpr auto kIdle = std::chrono::minutes(10);
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{120000};

}  // namespace

ServiceAccountTokens::ServiceAccountTokens(api::ApiClient& client, Clock clock)
    : client_(client),
      clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }) {}

size_t ServiceAccountTokens::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void ServiceAccountTokens::Sweep(TimePoint now) {
  if (now - swept_ < std::chrono::minutes(1)) return;
  swept_ = now;
  // Idle (its pod stopped asking) and of no use any more.
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.used > kIdle && now >= kv.second.expires;
  });
}

Result<std::string> ServiceAccountTokens::Token(const api::Pod& pod, const std::string& audience,
                                                int64_t expiration_seconds) {
  const std::string sa = ServiceAccountName(pod);
  const std::string key = pod.metadata().uid() + "\n" + sa + "\n" + audience + "\n" +
                          std::to_string(expiration_seconds);
  // One request at a time: they are rare (once per pod and refresh).
  std::lock_guard lock(mu_);
  TimePoint now = clock_();
  Sweep(now);
  Entry& e = entries_[key];
  e.used = now;
  bool have = e.refresh_at != TimePoint{};
  if (have && now < e.refresh_at) return e.token;
  if (!e.error.ok() && now < e.retry_at) {
    if (have && now < e.expires) return e.token;
    return e.error;
  }
  api::CreateTokenRequest req;
  req.set_namespace_(pod.metadata().namespace_());
  req.set_service_account(sa);
  req.set_expiration_seconds(expiration_seconds);
  auto r = client_.CreateToken(req);
  if (!r.ok() || r->token().empty()) {
    e.error = r.ok() ? Internal("the API returned an empty token") : r.status();
    e.backoff = e.backoff.count() == 0 ? kFirstBackoff : std::min(e.backoff * 2, kMaxBackoff);
    e.retry_at = now + e.backoff;
    if (have && now < e.expires) return e.token;
    return e.error;
  }
  e.error = Status::Ok();
  e.backoff = std::chrono::milliseconds(0);
  e.token = r->token();
  // The server's expiry when it says one (it may shorten the lifetime).
  e.expires = r->expiration_unix() > 0 ? TimePoint(std::chrono::seconds(r->expiration_unix()))
                                       : now + std::chrono::seconds(expiration_seconds);
  auto lifetime = std::max(e.expires - now, TimePoint::duration::zero());
  auto refresh_in = std::min<TimePoint::duration>(
      lifetime * 8 / 10, std::chrono::duration_cast<TimePoint::duration>(kMaxRefreshAge));
  e.refresh_at = now + std::max<TimePoint::duration>(refresh_in, std::chrono::seconds(1));
  return e.token;
}

}  // namespace skiff::node
