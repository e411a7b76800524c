// The CNI_* environment of one plugin invocation, validated per verb as the
// spec requires (ADD/CHECK: CONTAINERID, NETNS, IFNAME, PATH; DEL: CONTAINERID,
// IFNAME, PATH; GC/STATUS: PATH; VERSION: none). Missing variables are listed
// together in one kInvalidEnvironment error.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/args.h"
#include "cni/spec/error.h"

namespace skiff::cni::plugin {

enum class Verb { kAdd, kDel, kCheck, kGc, kStatus, kVersion };

std::string_view VerbName(Verb verb);

struct Env {
  Verb verb = Verb::kVersion;
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::string args_text;  // raw CNI_ARGS
  CniArgs args;
  std::vector<std::string> path;  // CNI_PATH split on ':'
};

// `getenv` returns nullptr for unset variables (tests pass a map lookup).
using EnvLookup = std::function<const char*(const char*)>;

Expected<Env> ParseEnv(const EnvLookup& getenv);

}  // namespace skiff::cni::plugin
