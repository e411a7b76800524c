// Who may read logs and stats from the agent, or exec in a pod: callers
// present a bearer token, and the agent asks the API server whether that
// token may read the object in question (a Get of the pod, or of the Node
// for node-wide data, made with the caller's token), or for exec whether it
// may `create pods/exec` on the pod (an access review made with the
// caller's token, as kube-apiserver authorizes `kubectl exec`). Verdicts
// are cached briefly (by the token's SHA-256, never the token itself).
// Thread-safety: Check may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "api/client/config.h"
#include "common/status.h"

namespace skiff::node {

// What the caller wants: to read (logs, stats: may the token get the pod or
// Node?) or to run a command in a pod (may it create pods/exec there?).
enum class Access { kRead, kExec };

class TokenChecker {
 public:
  // The check itself: OK, UNAUTHENTICATED or PERMISSION_DENIED.
  using CheckFn = std::function<Status(const std::string& token, const std::string& ns,
                                       const std::string& name, Access access)>;

  // Checks against the API server described by `base` (its server and CA;
  // the token is the caller's).
  explicit TokenChecker(api::ClientConfig base,
                        std::chrono::milliseconds ttl = std::chrono::seconds(10));
  // A custom check (tests, embedders).
  explicit TokenChecker(CheckFn fn, std::chrono::milliseconds ttl = std::chrono::seconds(10));

  // `ns`/`name`: the pod whose data is asked for; empty ns means the Node
  // `name`. An empty token is UNAUTHENTICATED.
  Status Check(const std::string& token, const std::string& ns, const std::string& name,
               Access access = Access::kRead);

 private:
  CheckFn fn_;
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  struct Verdict {
    Status status;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, Verdict> cache_;
};

}  // namespace skiff::node
