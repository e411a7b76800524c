// Delegation to an external IPAM plugin (e.g. Debian's host-local) found on
// CNI_PATH, exactly as libcni's invoke.DelegateAdd does: same environment
// with CNI_COMMAND set per call, the network configuration unchanged on stdin.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/error.h"
#include "cni/spec/result.h"

namespace skiff::cni::ipam {

struct DelegateCall {
  std::string plugin;                 // ipam.type
  std::vector<std::string> cni_path;  // directories to search
  std::string command;                // ADD, DEL, CHECK, GC, STATUS, VERSION
  std::string stdin_data;             // the network configuration as received
  std::string result_version;         // version to read the ADD result as
};

// Runs the plugin. Errors from the plugin keep their code and message
// (prefixed with the plugin name); a missing plugin is kInvalidConfig naming
// ipam.type. For ADD the decoded result is returned; otherwise an empty one.
Expected<CniResult> RunDelegate(const DelegateCall& call);

// The versions the plugin reports through VERSION (empty on failure).
std::vector<std::string> DelegateVersions(const std::string& plugin_path);

}  // namespace skiff::cni::ipam
