#include "cni/ipam/delegate.h"

#include <chrono>

#include "cni/spec/exec.h"
#include "common/json/json.h"

extern char** environ;

namespace skiff::cni::ipam {
namespace {

constexpr std::chrono::seconds kDelegateTimeout{60};

std::vector<std::string> EnvWithCommand(std::string_view command) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    if (std::string_view(*e).starts_with("CNI_COMMAND=")) continue;
    env.emplace_back(*e);
  }
  env.push_back("CNI_COMMAND=" + std::string(command));
  return env;
}

}  // namespace

Expected<CniResult> RunDelegate(const DelegateCall& call) {
  auto path = FindPlugin(call.plugin, call.cni_path);
  if (!path.ok()) {
    return Error(kInvalidConfig, "ipam.type: " + path.status().message());
  }
  ExecRequest req;
  req.path = *path;
  req.env = EnvWithCommand(call.command);
  req.stdin_data = call.stdin_data;
  req.timeout = kDelegateTimeout;
  auto out = Exec(req);
  if (!out.ok()) {
    return Error(kInternal, "IPAM plugin " + call.plugin + ": " + out.status().message());
  }
  std::string context = "IPAM plugin " + call.plugin + " " + call.command;
  if (out->exit_code != 0) {
    auto err = json::Parse(out->out);
    if (err.ok() && err->is_object() && err->Find("code") && err->Find("code")->is_int()) {
      const json::Value* msg = err->Find("msg");
      const json::Value* details = err->Find("details");
      return Error(static_cast<int>(err->Find("code")->as_int()),
                   context + ": " + (msg && msg->is_string() ? msg->as_string() : ""),
                   details && details->is_string() ? details->as_string() : "");
    }
    std::string text = out->err.empty() ? out->out : out->err;
    return Error(kInternal,
                 context + " failed (exit " + std::to_string(out->exit_code) + "): " + text);
  }
  if (call.command != "ADD") return CniResult{};
  auto parsed = json::Parse(out->out);
  if (!parsed.ok()) {
    return Error(kDecodingFailure, context + ": bad result: " + parsed.status().message());
  }
  auto result = ResultFromJson(*parsed, call.result_version);
  if (!result.ok()) return result.error().WithContext(context);
  return result;
}

std::vector<std::string> DelegateVersions(const std::string& plugin_path) {
  ExecRequest req;
  req.path = plugin_path;
  req.env = EnvWithCommand("VERSION");
  req.stdin_data = R"({"cniVersion":"1.1.0"})";
  req.timeout = kDelegateTimeout;
  std::vector<std::string> versions;
  auto out = Exec(req);
  if (!out.ok() || out->exit_code != 0) return versions;
  auto parsed = json::Parse(out->out);
  if (!parsed.ok()) return versions;
  if (const json::Value* list = parsed->Find("supportedVersions"); list && list->is_array()) {
    for (const json::Value& v : list->as_array()) {
      if (v.is_string()) versions.push_back(v.as_string());
    }
  }
  return versions;
}

}  // namespace skiff::cni::ipam
