// The skiff-cni entry point as a function: environment + stdin in, exit code
// + stdout out, exactly what the process prints. main() is a thin wrapper, and
// tests can drive verbs without spawning a process.
#pragma once

#include <string>
#include <string_view>

#include "cni/plugin/env.h"

namespace skiff::cni::plugin {

struct Outcome {
  int exit_code = 0;
  std::string out;  // result JSON, VERSION info, error JSON or nothing
};

// Dispatches one invocation. Never throws; every failure becomes the spec's
// error object {cniVersion, code, msg, details} with exit code 1.
Outcome Run(const EnvLookup& getenv, std::string_view stdin_data);

// The VERSION reply: {"cniVersion", "supportedVersions"}, as the spec gives it.
std::string VersionInfo();

// Human-readable description and supported versions, for people running the
// binary by hand (printed for --help/--version, and to stderr when
// CNI_COMMAND is not set).
std::string About();

}  // namespace skiff::cni::plugin
