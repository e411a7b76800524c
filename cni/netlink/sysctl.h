// /proc/sys access for the calling thread's network namespace (procfs
// resolves net.* entries against the opener's namespace).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::cni {

// Reads "net/ipv4/ip_forward" (relative to /proc/sys), trailing newline removed.
Result<std::string> ReadSysctl(std::string_view key);
// Writes `value` unless the current value already equals it (saves a write
// and keeps the kernel from re-running side effects).
Status EnsureSysctl(std::string_view key, std::string_view value);

}  // namespace skiff::cni
