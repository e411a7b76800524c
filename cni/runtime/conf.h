// Network configuration files as a container runtime reads them (libcni
// semantics): a .conflist holds {cniVersion|cniVersions, name, plugins[],
// disableCheck, disableGC}; a .conf/.json holds one plugin configuration and
// is wrapped into a one-plugin list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::cni::runtime {

struct NetworkConfigList {
  std::string cni_version;  // the version the chain is run with
  std::string name;
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<json::Value> plugins;  // each an object with at least "type"
  std::string bytes;                 // the file content (kept in the result cache)
  std::string source;                // file path, "" when parsed from memory
};

// Parses a .conflist. With "cniVersions" (spec 1.1) the highest version this
// library supports is chosen; otherwise "cniVersion" is used. INVALID_ARGUMENT
// names the source and the field; an unsupported version is
// FAILED_PRECONDITION.
Result<NetworkConfigList> ParseConfList(std::string_view bytes, std::string_view source = {});

// Parses a single-plugin .conf/.json and wraps it into a list.
Result<NetworkConfigList> ParseConf(std::string_view bytes, std::string_view source = {});

// Files in `dir` ending in .conflist, .conf or .json, in lexical order.
Result<std::vector<std::string>> ConfFiles(const std::string& dir);

// The first file of ConfFiles() that parses (others before it are skipped
// with their errors kept in `skipped`, when given). NOT_FOUND when the
// directory has no usable file.
Result<NetworkConfigList> LoadConfList(const std::string& dir,
                                       std::vector<std::string>* skipped = nullptr);

}  // namespace skiff::cni::runtime
