#include "cni/plugin/plugin.h"

#include "cni/plugin/commands.h"
#include "cni/plugin/conf.h"
#include "cni/spec/version.h"
#include "common/json/json.h"

namespace skiff::cni::plugin {
namespace {

Outcome Fail(const Error& e, const std::string& version) {
  return Outcome{1, json::Serialize(e.ToJson(version)) + "\n"};
}

}  // namespace

std::string VersionInfo() {
  json::Array versions;
  for (std::string_view v : kSupportedVersions)
    versions.emplace_back(v);
  json::Object o;
  o.Set("cniVersion", json::Value(kCurrentVersion));
  // Exactly the spec's VERSION result: cniVersion and supportedVersions.
  o.Set("supportedVersions", json::Value(std::move(versions)));
  return json::Serialize(json::Value(std::move(o))) + "\n";
}

std::string About() {
  std::string versions;
  for (std::string_view v : kSupportedVersions) {
    versions += (versions.empty() ? "" : ", ") + std::string(v);
  }
  return "skiff-cni: Skiff's CNI plugin (routed or bridge pod networking, built-in IPAM)\n"
         "CNI protocol versions supported: " +
         versions +
         "\nRun by a container runtime: CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION, the network "
         "configuration on stdin.\n";
}

Outcome Run(const EnvLookup& getenv, std::string_view stdin_data) {
  // Errors are printed in the caller's version when it is one we speak.
  auto root = json::Parse(stdin_data);
  std::string version(kCurrentVersion);
  if (root.ok()) {
    std::string peek = PeekVersion(*root);
    if (IsSupportedVersion(peek)) version = peek;
  }

  auto env = ParseEnv(getenv);
  if (!env.ok()) return Fail(env.error(), version);
  if (env->verb == Verb::kVersion) return Outcome{0, VersionInfo()};

  if (!root.ok()) {
    return Fail(Error(kDecodingFailure, "network configuration on stdin is not valid JSON: " +
                                            root.status().message()),
                version);
  }
  auto conf = ParseNetConf(*root, *env);
  if (!conf.ok()) return Fail(conf.error(), version);

  Expected<std::string> out = std::string();
  switch (env->verb) {
    case Verb::kAdd:
      out = CmdAdd(*env, *conf, stdin_data);
      break;
    case Verb::kDel:
      out = CmdDel(*env, *conf, stdin_data);
      break;
    case Verb::kCheck:
      out = CmdCheck(*env, *conf, stdin_data);
      break;
    case Verb::kGc:
      out = CmdGc(*env, *conf, stdin_data);
      break;
    case Verb::kStatus:
      out = CmdStatus(*env, *conf, stdin_data);
      break;
    case Verb::kVersion:
      break;
  }
  if (!out.ok()) return Fail(out.error(), version);
  std::string text = std::move(*out);
  if (!text.empty()) text += "\n";
  return Outcome{0, std::move(text)};
}

}  // namespace skiff::cni::plugin
