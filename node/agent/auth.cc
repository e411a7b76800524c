#include "node/agent/auth.h"

#include <openssl/sha.h>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/service.pb.h"

namespace skiff::node {
namespace {

std::string Digest(const std::string& token) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

TokenChecker::TokenChecker(api::ClientConfig base, std::chrono::milliseconds ttl) : ttl_(ttl) {
  fn_ = [base](const std::string& token, const std::string& ns, const std::string& name,
               Access access) -> Status {
    api::ClientConfig cfg = base;
    cfg.token = token;
    auto client = api::NewRemoteClient(cfg, std::chrono::seconds(10));
    if (access == Access::kExec) {
      api::AccessReviewRequest req;
      req.set_verb("create");
      req.set_resource("pods/exec");
      req.set_namespace_(ns);
      req.set_name(name);
      auto r = client->AccessReview(req);
      if (!r.ok()) return r.status();
      if (!r->allowed()) {
        return Status(StatusCode::kPermissionDenied,
                      "user \"" + r->user() +
                          "\" cannot create resource \"pods/exec\" in "
                          "namespace \"" +
                          ns + "\"");
      }
      return Status::Ok();
    }
    Status st = ns.empty() ? api::GetObject<api::Node>(*client, "", name).status()
                           : api::GetObject<api::Pod>(*client, ns, name).status();
    // A token that may look but finds nothing is still who it says it is.
    if (st.code() == StatusCode::kNotFound) return Status::Ok();
    return st;
  };
}

TokenChecker::TokenChecker(CheckFn fn, std::chrono::milliseconds ttl)
    : fn_(std::move(fn)), ttl_(ttl) {}

Status TokenChecker::Check(const std::string& token, const std::string& ns, const std::string& name,
                           Access access) {
  if (token.empty()) {
    return Status(StatusCode::kUnauthenticated, "Unauthorized: no bearer token");
  }
  std::string key =
      Digest(token) + "|" + ns + "|" + name + (access == Access::kExec ? "|exec" : "");
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > now) return it->second.status;
    if (cache_.size() > 4096) cache_.clear();
  }
  Status st = fn_(token, ns, name, access);
  // Only verdicts are cached; an unreachable server is asked again.
  if (st.ok() || st.code() == StatusCode::kUnauthenticated ||
      st.code() == StatusCode::kPermissionDenied) {
    std::lock_guard lock(mu_);
    cache_[key] = Verdict{st, now + ttl_};
  }
  return st;
}

}  // namespace skiff::node
