// The patch formats of `netctl patch --type json|merge`, on skiff::json
// values (objects as `netctl get -o json` prints them):
//
//  - JSON Pointer (RFC 6901): "/spec/template/spec/containers/0/image",
//    "~1" for '/', "~0" for '~', "-" for the end of an array (add only).
//  - JSON Patch (RFC 6902): an array of {op, path, [value], [from]} with op
//    add, remove, replace, move, copy or test. All or nothing: `doc` is only
//    changed when every operation succeeds. Errors are INVALID_ARGUMENT
//    naming the operation's index, op and path, e.g.
//    "operation 1 (replace /spec/replicaz): the path does not exist".
//  - JSON Merge Patch (RFC 7386): objects merge member by member, null
//    removes a member, anything else (arrays included) replaces.
//
// Pure functions on values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::netctl {

// The unescaped reference tokens of a pointer ("" is the whole document).
// INVALID_ARGUMENT when it does not start with '/' or has a bad '~' escape.
Result<std::vector<std::string>> ParseJsonPointer(std::string_view pointer);

// Applies an RFC 6902 patch document (a JSON array) to *doc.
Status ApplyJsonPatch(const json::Value& patch, json::Value* doc);

// RFC 7386: the result of merging `patch` into `target`.
json::Value ApplyMergePatch(const json::Value& target, const json::Value& patch);

}  // namespace skiff::netctl
