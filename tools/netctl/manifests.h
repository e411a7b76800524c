// Reading -f arguments for apply and delete: files, directories (their
// .yaml/.yml/.json files in name order, recursively with -R) and "-" (stdin).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/manifest.h"
#include "tools/netctl/context.h"

namespace skiff::netctl {

// Loads everything; every error is printed to ctx.err with file, document
// and field. Returns the objects that loaded; `failed` is set when any
// document did not.
std::vector<api::ManifestObject> LoadManifestArgs(Context& ctx,
                                                  const std::vector<std::string>& paths,
                                                  bool recursive, bool* failed);

// The namespace an object from a manifest goes to: its own, else -n, else
// "default"; "" for cluster-scoped kinds. INVALID_ARGUMENT when the object
// names a namespace that differs from an explicit -n.
Result<std::string> TargetNamespace(Context& ctx, const api::KindInfo& kind,
                                    const google::protobuf::Message& object);

}  // namespace skiff::netctl
