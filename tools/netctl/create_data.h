// The data of `netctl create configmap|secret generic`, from kubectl's three
// sources, in the order given on the command line:
//
//   --from-literal=KEY=VALUE      VALUE is everything after the first '='
//   --from-file=[KEY=]PATH        a file (KEY defaults to its base name), or
//                                 a directory: each regular file in it, by name
//   --from-env-file=PATH          KEY=VALUE lines; blank lines and lines
//                                 starting with '#' skipped; "KEY" alone
//                                 takes $KEY from the environment (skipped
//                                 when unset); keys must be env var names
//
// Errors (INVALID_ARGUMENT / NOT_FOUND) name the flag, the file and line,
// and the key: a key that is not a valid ConfigMap key, a key given twice,
// a missing or unreadable file, KEY= on a directory. Values are bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace skiff::netctl {

struct DataSources {
  std::vector<std::string> literals;   // --from-literal values
  std::vector<std::string> files;      // --from-file values
  std::vector<std::string> env_files;  // --from-env-file values
};

// Key/value pairs in source order; `owner` ("ConfigMap \"app\"") names the
// object in duplicate-key errors.
Result<std::vector<std::pair<std::string, std::string>>> CollectData(const DataSources& sources,
                                                                     const std::string& owner);

// Whether `bytes` is valid UTF-8 (ConfigMap data) or must go to binaryData.
bool IsUtf8(const std::string& bytes);

}  // namespace skiff::netctl
