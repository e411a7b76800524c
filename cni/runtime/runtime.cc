#include "cni/runtime/runtime.h"

#include <set>

#include "cni/spec/error.h"
#include "cni/spec/exec.h"
#include "cni/spec/result.h"
#include "cni/spec/version.h"
#include "common/log.h"

namespace skiff::cni::runtime {

struct CniRuntime::Invocation {
  std::string plugin;  // type
  std::string command;
  std::string config;               // stdin
  const RuntimeConf* rt = nullptr;  // null for GC/STATUS/VERSION
};

namespace {

std::string JoinDirs(const std::vector<std::string>& dirs) {
  std::string out;
  for (const auto& d : dirs)
    out += (out.empty() ? "" : ":") + d;
  return out;
}

std::string ArgsText(const std::vector<std::pair<std::string, std::string>>& args) {
  std::string out;
  for (const auto& [k, v] : args)
    out += (out.empty() ? "" : ";") + k + "=" + v;
  return out;
}

// Reads a plugin result and writes it back in `version` (libcni converts too).
Result<json::Value> Normalize(const std::string& text, const std::string& plugin,
                              const std::string& version) {
  auto parsed = json::Parse(text);
  if (!parsed.ok()) {
    return InvalidArgument("plugin \"" + plugin +
                           "\" printed an invalid result: " + parsed.status().message());
  }
  auto result = ResultFromJson(*parsed, version);
  if (!result.ok()) {
    return InvalidArgument("plugin \"" + plugin +
                           "\" printed an invalid result: " + result.error().msg());
  }
  return ResultToJson(*result, version);
}

CachedAttachment CacheEntry(const NetworkConfigList& list, const RuntimeConf& rt) {
  CachedAttachment a;
  a.network = list.name;
  a.container_id = rt.container_id;
  a.ifname = rt.ifname;
  a.netns = rt.netns;
  a.cni_args = rt.args;
  a.capability_args = rt.capability_args;
  a.config_bytes = list.bytes;
  return a;
}

}  // namespace

void RuntimeConf::SetPodCidrs(const std::vector<std::string>& cidrs) {
  json::Array sets;
  for (const std::string& c : cidrs) {
    sets.emplace_back(json::Array{json::Object{{"subnet", c}}});
  }
  capability_args.Set("ipRanges", json::Value(std::move(sets)));
}

StatusCode StatusCodeForCniError(int code) {
  switch (code) {
    case kIncompatibleVersion:
      return StatusCode::kFailedPrecondition;
    case kUnsupportedField:
    case kInvalidEnvironment:
    case kDecodingFailure:
    case kInvalidConfig:
      return StatusCode::kInvalidArgument;
    case kUnknownContainer:
      return StatusCode::kNotFound;
    case kTryAgainLater:
    case kPluginNotAvailable:
    case kLimitedConnectivity:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

CniRuntime::CniRuntime(Options options)
    : options_(std::move(options)), cache_(options_.cache_dir) {}

Result<std::string> CniRuntime::Run(const Invocation& inv, PluginFailure* failure) const {
  auto path = FindPlugin(inv.plugin, options_.plugin_dirs);
  if (!path.ok()) {
    if (failure)
      *failure = PluginFailure{inv.plugin, inv.command, 0, path.status().message(), "", ""};
    return NotFound("CNI " + inv.command + ": " + path.status().message());
  }
  ExecRequest req;
  req.path = *path;
  req.env = EnvironmentWithoutCni();
  req.env.push_back("CNI_COMMAND=" + inv.command);
  req.env.push_back("CNI_PATH=" + JoinDirs(options_.plugin_dirs));
  if (inv.rt) {
    req.env.push_back("CNI_CONTAINERID=" + inv.rt->container_id);
    req.env.push_back("CNI_NETNS=" + inv.rt->netns);
    req.env.push_back("CNI_IFNAME=" + inv.rt->ifname);
    req.env.push_back("CNI_ARGS=" + ArgsText(inv.rt->args));
  }
  req.stdin_data = inv.config;
  req.timeout = options_.exec_timeout;
  auto start = std::chrono::steady_clock::now();
  auto out = Exec(req);
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  log::Get("cni")->debug("exec plugin={} command={} container={} duration_us={}", inv.plugin,
                         inv.command, inv.rt ? inv.rt->container_id : "", elapsed.count());
  std::string prefix = "plugin \"" + inv.plugin + "\" " + inv.command + " failed";
  if (!out.ok()) {
    if (failure)
      *failure = PluginFailure{inv.plugin, inv.command, 0, out.status().message(), "", ""};
    return Status(out.status().code(), prefix + ": " + out.status().message());
  }
  if (out->exit_code == 0) return std::move(out->out);

  PluginFailure f{inv.plugin, inv.command, 0, "", "", out->err};
  auto err = json::Parse(out->out);
  const json::Value* code = err.ok() ? err->Find("code") : nullptr;
  if (code && code->is_int()) {
    f.code = static_cast<int>(code->as_int());
    if (const json::Value* m = err->Find("msg"); m && m->is_string()) f.msg = m->as_string();
    if (const json::Value* d = err->Find("details"); d && d->is_string())
      f.details = d->as_string();
  } else {
    std::string text = out->out.empty() ? out->err : out->out;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    f.msg = out->term_signal ? "killed by signal " + std::to_string(out->term_signal)
                             : "exit status " + std::to_string(out->exit_code) +
                                   (text.empty() ? "" : ": " + text);
  }
  std::string message = prefix;
  if (f.code) {
    message += " with CNI error " + std::to_string(f.code) + " (" +
               std::string(ErrorCodeName(f.code)) + ")";
  }
  message += ": " + f.msg;
  if (!f.details.empty()) message += " (" + f.details + ")";
  StatusCode sc = f.code ? StatusCodeForCniError(f.code) : StatusCode::kInternal;
  if (failure) *failure = std::move(f);
  return Status(sc, message);
}

Result<json::Value> CniRuntime::PluginConfig(const NetworkConfigList& list,
                                             const json::Value& plugin,
                                             const json::Value* prev_result, const RuntimeConf* rt,
                                             const std::vector<GcAttachment>* valid) const {
  json::Value conf = plugin;
  json::Object& o = conf.as_object();
  o.Set("name", list.name);
  o.Set("cniVersion", list.cni_version);
  if (prev_result && !prev_result->is_null()) o.Set("prevResult", *prev_result);
  if (rt) {
    json::Object runtime_config;
    if (const json::Value* caps = plugin.Find("capabilities"); caps && caps->is_object()) {
      for (const json::Member& m : caps->as_object()) {
        if (!m.value.is_bool() || !m.value.as_bool()) continue;
        if (const json::Value* arg = rt->capability_args.Find(m.key)) {
          runtime_config.Set(m.key, *arg);
        }
      }
    }
    if (!runtime_config.empty()) o.Set("runtimeConfig", json::Value(std::move(runtime_config)));
  }
  if (valid) {
    json::Array list_json;
    for (const GcAttachment& a : *valid) {
      list_json.emplace_back(json::Object{{"containerID", a.container_id}, {"ifname", a.ifname}});
    }
    o.Set("cni.dev/valid-attachments", json::Value(std::move(list_json)));
  }
  return conf;
}

Result<json::Value> CniRuntime::AddNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                                               PluginFailure* failure) const {
  json::Value prev;
  for (const json::Value& plugin : list.plugins) {
    auto conf = PluginConfig(list, plugin, &prev, &rt, nullptr);
    if (!conf.ok()) return conf.status();
    std::string type = plugin.Find("type")->as_string();
    auto out = Run(Invocation{type, "ADD", json::Serialize(*conf), &rt}, failure);
    if (!out.ok()) return out.status();
    if (out->find_first_not_of(" \n\r\t") == std::string::npos) {
      return Internal("plugin \"" + type + "\" ADD printed no result");
    }
    auto result = Normalize(*out, type, list.cni_version);
    if (!result.ok()) return result.status();
    prev = std::move(*result);
  }
  CachedAttachment entry = CacheEntry(list, rt);
  entry.result = prev;
  Status cached = cache_.Write(entry);
  if (!cached.ok()) return cached.WithContext("caching the ADD result");
  return prev;
}

Status CniRuntime::DelNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                                  PluginFailure* failure) const {
  json::Value cached;
  if (VersionAtLeast(list.cni_version, "0.4.0")) {
    auto entry = cache_.Read(list.name, rt.container_id, rt.ifname);
    if (!entry.ok()) return entry.status().WithContext("reading the cached result");
    if (entry->has_value() && !(*entry)->result.is_null()) {
      auto converted = Normalize(json::Serialize((*entry)->result), "cache", list.cni_version);
      if (converted.ok()) cached = std::move(*converted);
    }
  }
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it) {
    auto conf = PluginConfig(list, *it, &cached, &rt, nullptr);
    if (!conf.ok()) return conf.status();
    auto out =
        Run(Invocation{it->Find("type")->as_string(), "DEL", json::Serialize(*conf), &rt}, failure);
    if (!out.ok()) return out.status();
  }
  return cache_.Remove(list.name, rt.container_id, rt.ifname);
}

Status CniRuntime::CheckNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                                    PluginFailure* failure) const {
  if (!VersionAtLeast(list.cni_version, "0.4.0")) {
    return FailedPrecondition("network \"" + list.name + "\": configuration version " +
                              list.cni_version + " does not support CHECK");
  }
  if (list.disable_check) return Status::Ok();
  auto entry = cache_.Read(list.name, rt.container_id, rt.ifname);
  if (!entry.ok()) return entry.status().WithContext("reading the cached result");
  if (!entry->has_value() || (*entry)->result.is_null()) {
    return NotFound("network \"" + list.name + "\": no cached result for container " +
                    rt.container_id + " interface " + rt.ifname + "; was ADD run?");
  }
  auto cached = Normalize(json::Serialize((*entry)->result), "cache", list.cni_version);
  if (!cached.ok()) return cached.status();
  for (const json::Value& plugin : list.plugins) {
    auto conf = PluginConfig(list, plugin, &*cached, &rt, nullptr);
    if (!conf.ok()) return conf.status();
    auto out =
        Run(Invocation{plugin.Find("type")->as_string(), "CHECK", json::Serialize(*conf), &rt},
            failure);
    if (!out.ok()) return out.status();
  }
  return Status::Ok();
}

Status CniRuntime::GCNetworkList(const NetworkConfigList& list,
                                 const std::vector<GcAttachment>& valid,
                                 PluginFailure* failure) const {
  std::set<std::pair<std::string, std::string>> keep;
  for (const GcAttachment& a : valid)
    keep.emplace(a.container_id, a.ifname);
  Status first_error;
  auto cached = cache_.List(list.name);
  if (!cached.ok()) return cached.status();
  for (const CachedAttachment& a : *cached) {
    if (keep.count({a.container_id, a.ifname})) continue;
    RuntimeConf rt;
    rt.container_id = a.container_id;
    rt.ifname = a.ifname;
    rt.netns = a.netns;
    rt.args = a.cni_args;
    rt.capability_args = a.capability_args;
    Status s = DelNetworkList(list, rt, failure);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (!first_error.ok()) return first_error;
  if (!VersionAtLeast(list.cni_version, "1.1.0") || list.disable_gc) return Status::Ok();
  for (const json::Value& plugin : list.plugins) {
    auto conf = PluginConfig(list, plugin, nullptr, nullptr, &valid);
    if (!conf.ok()) return conf.status();
    auto out =
        Run(Invocation{plugin.Find("type")->as_string(), "GC", json::Serialize(*conf), nullptr},
            failure);
    if (!out.ok()) return out.status();
  }
  return Status::Ok();
}

Status CniRuntime::GetStatusNetworkList(const NetworkConfigList& list,
                                        PluginFailure* failure) const {
  if (!VersionAtLeast(list.cni_version, "1.1.0")) return Status::Ok();
  for (const json::Value& plugin : list.plugins) {
    auto conf = PluginConfig(list, plugin, nullptr, nullptr, nullptr);
    if (!conf.ok()) return conf.status();
    auto out =
        Run(Invocation{plugin.Find("type")->as_string(), "STATUS", json::Serialize(*conf), nullptr},
            failure);
    if (!out.ok()) return out.status();
  }
  return Status::Ok();
}

Result<json::Value> CniRuntime::GetCachedResult(const std::string& network,
                                                const RuntimeConf& rt) const {
  auto entry = cache_.Read(network, rt.container_id, rt.ifname);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value() || (*entry)->result.is_null()) {
    return NotFound("no cached result for " + network + "/" + rt.container_id + "/" + rt.ifname);
  }
  return (*entry)->result;
}

Result<std::vector<CachedAttachment>> CniRuntime::GetCachedAttachments(
    const std::string& network) const {
  return cache_.List(network);
}

Result<std::vector<std::string>> CniRuntime::GetVersionInfo(const std::string& plugin_type) const {
  auto out = Run(Invocation{plugin_type, "VERSION", R"({"cniVersion":"1.1.0"})", nullptr}, nullptr);
  if (!out.ok()) return out.status();
  auto parsed = json::Parse(*out);
  if (!parsed.ok()) return InvalidArgument("VERSION output of " + plugin_type + ": not JSON");
  std::vector<std::string> versions;
  if (const json::Value* v = parsed->Find("supportedVersions"); v && v->is_array()) {
    for (const json::Value& s : v->as_array()) {
      if (s.is_string()) versions.push_back(s.as_string());
    }
  }
  return versions;
}

Status CniRuntime::ValidateNetworkList(const NetworkConfigList& list) const {
  for (const json::Value& plugin : list.plugins) {
    std::string type = plugin.Find("type")->as_string();
    auto versions = GetVersionInfo(type);
    if (!versions.ok()) return versions.status();
    bool supported = false;
    for (const std::string& v : *versions)
      supported = supported || v == list.cni_version;
    if (!supported) {
      std::string have;
      for (const std::string& v : *versions)
        have += (have.empty() ? "" : ", ") + v;
      return FailedPrecondition("network \"" + list.name + "\": plugin \"" + type +
                                "\" does not support CNI version " + list.cni_version +
                                " (it supports " + have + ")");
    }
  }
  return Status::Ok();
}

}  // namespace skiff::cni::runtime
