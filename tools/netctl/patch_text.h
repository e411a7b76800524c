// Parsing patch documents given on the command line (`netctl patch -p`):
// JSON, or YAML (kubectl accepts both, e.g. -p '{spec: {replicas: 3}}').
#pragma once

#include <string_view>

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::netctl {

// JSON first; when that fails, YAML (plain scalars resolve as YAML 1.2's
// core schema: null/~, true/false, integers, floats, else strings; quoted
// scalars are strings). INVALID_ARGUMENT naming `what` (e.g. "--patch")
// with the JSON error when the text looks like JSON, else the YAML error.
Result<json::Value> ParseJsonOrYaml(std::string_view text, std::string_view what);

}  // namespace skiff::netctl
