// The objects a command names, kubectl-style: "KIND NAME...", "KIND/NAME...",
// or "KIND" with -l SELECTOR / --all (listed from the server; -A lists every
// namespace). Used by label, annotate, patch and expose.
#pragma once

#include <string>
#include <vector>

#include "tools/netctl/context.h"
#include "tools/netctl/object_edit.h"

namespace skiff::netctl {

struct TargetQuery {
  std::vector<std::string> args;  // "pods web db" or "pod/web deploy/api"
  std::string selector;           // -l
  bool all = false;               // --all
};

// INVALID_ARGUMENT for an unknown kind, a missing name, names together with
// -l/--all; the server's errors for the list. An empty result is not an
// error (the caller says "No resources found").
Result<std::vector<ObjectTarget>> ResolveTargets(Context& ctx, const TargetQuery& query);

}  // namespace skiff::netctl
