#include "cni/plugin/env.h"

#include "cni/spec/exec.h"

namespace skiff::cni::plugin {

std::string_view VerbName(Verb verb) {
  switch (verb) {
    case Verb::kAdd:
      return "ADD";
    case Verb::kDel:
      return "DEL";
    case Verb::kCheck:
      return "CHECK";
    case Verb::kGc:
      return "GC";
    case Verb::kStatus:
      return "STATUS";
    case Verb::kVersion:
      return "VERSION";
  }
  return "?";
}

Expected<Env> ParseEnv(const EnvLookup& getenv) {
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v ? std::string(v) : std::string();
  };
  Env env;
  std::string command = get("CNI_COMMAND");
  if (command.empty()) {
    return Error(kInvalidEnvironment, "required env variables [CNI_COMMAND] missing");
  }
  static constexpr std::pair<std::string_view, Verb> kVerbs[] = {
      {"ADD", Verb::kAdd}, {"DEL", Verb::kDel},       {"CHECK", Verb::kCheck},
      {"GC", Verb::kGc},   {"STATUS", Verb::kStatus}, {"VERSION", Verb::kVersion}};
  bool known = false;
  for (const auto& [name, verb] : kVerbs) {
    if (command == name) {
      env.verb = verb;
      known = true;
    }
  }
  if (!known) {
    return Error(kInvalidEnvironment, "unknown CNI_COMMAND: " + command,
                 "supported: ADD, DEL, CHECK, GC, STATUS, VERSION");
  }
  if (env.verb == Verb::kVersion) return env;

  env.container_id = get("CNI_CONTAINERID");
  env.netns = get("CNI_NETNS");
  env.ifname = get("CNI_IFNAME");
  env.args_text = get("CNI_ARGS");
  std::string path = get("CNI_PATH");

  bool per_container = env.verb == Verb::kAdd || env.verb == Verb::kDel || env.verb == Verb::kCheck;
  std::vector<std::string> missing;
  if (per_container && env.container_id.empty()) missing.push_back("CNI_CONTAINERID");
  if ((env.verb == Verb::kAdd || env.verb == Verb::kCheck) && env.netns.empty()) {
    missing.push_back("CNI_NETNS");
  }
  if (per_container && env.ifname.empty()) missing.push_back("CNI_IFNAME");
  if (path.empty()) missing.push_back("CNI_PATH");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing)
      list += (list.empty() ? "" : " ") + m;
    return Error(kInvalidEnvironment, "required env variables [" + list + "] missing");
  }
  if (per_container) {
    CNI_RETURN_IF_ERROR(ValidateContainerId(env.container_id));
    CNI_RETURN_IF_ERROR(ValidateIfName(env.ifname));
  }
  auto args = ParseCniArgs(env.args_text);
  if (!args.ok()) return args.error();
  env.args = std::move(*args);
  env.path = SplitPathList(path);
  return env;
}

}  // namespace skiff::cni::plugin
