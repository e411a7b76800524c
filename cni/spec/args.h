// CNI_ARGS ("K1=V1;K2=V2") and the identifier rules of the spec for
// CNI_CONTAINERID and CNI_IFNAME. Every error has code kInvalidEnvironment
// (or kUnknownContainer for an empty container id, as the reference does).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cni/spec/error.h"

namespace skiff::cni {

struct CniArgs {
  std::vector<std::pair<std::string, std::string>> pairs;  // in order, IgnoreUnknown included
  bool ignore_unknown = false;

  // Value of the last occurrence of `key`, or nullptr.
  const std::string* Find(std::string_view key) const;
};

// Parses CNI_ARGS. Empty segments are skipped; a segment without exactly one
// '=' or with an empty key is an error naming the segment. IgnoreUnknown takes
// 1/true/0/false (any case).
Expected<CniArgs> ParseCniArgs(std::string_view text);

// Fails naming the unknown keys unless IgnoreUnknown is set. `known` need not
// list IgnoreUnknown.
Error CheckKnownArgs(const CniArgs& args, const std::vector<std::string_view>& known);

// Container ids: non-empty, [A-Za-z0-9][A-Za-z0-9_.-]*.
Error ValidateContainerId(std::string_view id);
// Interface names: 1-15 bytes, not "." or "..", no '/', ':' or whitespace.
Error ValidateIfName(std::string_view name);

}  // namespace skiff::cni
