// Named network namespaces, the way `ip netns add` makes them: an empty file
// under a directory (default /run/netns) with the namespace bind-mounted on
// it, so it lives without any process and tools (`ip netns exec`) find it.
// The directory is made a shared mount point, so containers' mount
// namespaces (slaves) see the unmount when a pod's namespace is deleted and do
// not keep it alive.
// Thread-safety: no shared state; different names may be used concurrently.
#pragma once

#include <string>

#include "common/status.h"

namespace skiff::node {

// mkdir -p `dir` and make it a shared mount point (bind on itself if needed).
Status PrepareNetnsDir(const std::string& dir);
// Creates dir/name with loopback up; returns the path. ALREADY_EXISTS when a
// namespace of that name is mounted already (the path is still usable).
Result<std::string> CreateNetns(const std::string& dir, const std::string& name);
// Unmounts and removes the file; absent is fine.
Status DeleteNetns(const std::string& path);
// True when `path` has a network namespace mounted on it.
bool IsNetnsMounted(const std::string& path);

}  // namespace skiff::node
