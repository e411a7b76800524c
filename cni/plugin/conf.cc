#include "cni/plugin/conf.h"

#include <cctype>

#include "cni/spec/fields.h"
#include "cni/spec/version.h"

namespace skiff::cni::plugin {
namespace {

std::string SupportedList() {
  std::string out;
  for (std::string_view v : kSupportedVersions)
    out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

Error CheckVersion(const std::string& version, Verb verb) {
  if (!IsSupportedVersion(version)) {
    return Error(kIncompatibleVersion,
                 "incompatible CNI versions; config is \"" + version + "\", plugin supports [" +
                     SupportedList() + "]",
                 "set cniVersion to one of the supported versions");
  }
  const char* min = nullptr;
  if (verb == Verb::kCheck) min = "0.4.0";
  if (verb == Verb::kGc || verb == Verb::kStatus) min = "1.1.0";
  if (min && !VersionAtLeast(version, min)) {
    return Error(kIncompatibleVersion, "config version \"" + version + "\" does not allow " +
                                           std::string(VerbName(verb)) + " (needs " + min +
                                           " or later)");
  }
  return OkError();
}

Error ValidateNetworkName(const std::string& name) {
  bool ok = !name.empty() && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  if (ok) return OkError();
  return Error(kInvalidConfig, "name: \"" + name +
                                   "\" is not a valid network name (letters, digits, _ . - ; "
                                   "starting with a letter or digit)");
}

Error ReadMac(const std::string& text, const std::string& source, int code,
              std::optional<nl::Mac>* out) {
  auto mac = nl::ParseMac(text);
  if (!mac.ok()) return Error(code, source + ": " + mac.status().message());
  if ((*mac)[0] & 1) return Error(code, source + ": " + text + " is a multicast address");
  *out = *mac;
  return OkError();
}

Error ReadRuntimeDns(const json::Value& v, Dns* dns) {
  // The "dns" capability: {"servers": [...], "searches": [...], "options": [...]}.
  Fields f(v, "runtimeConfig.dns", kInvalidConfig);
  CNI_RETURN_IF_ERROR(f.RequireObject());
  std::vector<std::string> servers, searches, options;
  CNI_RETURN_IF_ERROR(f.StringList("servers", &servers));
  CNI_RETURN_IF_ERROR(f.StringList("searches", &searches));
  CNI_RETURN_IF_ERROR(f.StringList("options", &options));
  if (!servers.empty()) dns->nameservers = std::move(servers);
  if (!searches.empty()) dns->search = std::move(searches);
  if (!options.empty()) dns->options = std::move(options);
  return OkError();
}

Error ReadValidAttachments(const json::Value& root, std::vector<Attachment>* out) {
  const json::Value* list = root.Find("cni.dev/valid-attachments");
  if (list == nullptr || list->is_null()) {
    return Error(kInvalidConfig, "missing required field cni.dev/valid-attachments for GC");
  }
  if (!list->is_array()) {
    return Error(kInvalidConfig, "cni.dev/valid-attachments must be an array");
  }
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    std::string path = "cni.dev/valid-attachments[" + std::to_string(i) + "]";
    Fields f(list->as_array()[i], path, kInvalidConfig);
    Attachment a;
    CNI_RETURN_IF_ERROR(f.String("containerID", &a.container_id, /*required=*/true));
    CNI_RETURN_IF_ERROR(f.String("ifname", &a.ifname, /*required=*/true));
    out->push_back(std::move(a));
  }
  return OkError();
}

}  // namespace

std::string PeekVersion(const json::Value& root) {
  const json::Value* v = root.Find("cniVersion");
  return v && v->is_string() ? v->as_string() : std::string();
}

Expected<NetConf> ParseNetConf(const json::Value& root, const Env& env) {
  if (!root.is_object()) {
    return Error(kDecodingFailure, "network configuration must be a JSON object, got " +
                                       std::string(json::TypeName(root.type())));
  }
  Fields f(root, "", kInvalidConfig);
  NetConf c;
  CNI_RETURN_IF_ERROR(f.String("cniVersion", &c.cni_version, /*required=*/true));
  CNI_RETURN_IF_ERROR(CheckVersion(c.cni_version, env.verb));
  CNI_RETURN_IF_ERROR(f.String("name", &c.name, /*required=*/true));
  CNI_RETURN_IF_ERROR(ValidateNetworkName(c.name));
  CNI_RETURN_IF_ERROR(f.String("type", &c.type));

  std::string mode = "routed";
  CNI_RETURN_IF_ERROR(f.String("mode", &mode));
  if (mode == "routed") {
    c.mode = Mode::kRouted;
  } else if (mode == "bridge") {
    c.mode = Mode::kBridge;
  } else {
    return Error(kUnsupportedField, "unsupported field: mode=\"" + mode + "\"",
                 "supported modes: routed, bridge");
  }
  int64_t mtu = 0;
  CNI_RETURN_IF_ERROR(f.Int("mtu", &mtu, 0, 65535));
  if (mtu != 0 && mtu < 68) return f.Invalid("mtu", std::to_string(mtu) + " is below 68");
  c.mtu = static_cast<uint32_t>(mtu);
  CNI_RETURN_IF_ERROR(f.Bool("ipMasq", &c.ip_masq));
  CNI_RETURN_IF_ERROR(f.String("bridge", &c.bridge));
  CNI_RETURN_IF_ERROR(
      ValidateIfName(c.bridge).ok()
          ? OkError()
          : f.Invalid("bridge", "\"" + c.bridge + "\" is not a valid interface name"));
  CNI_RETURN_IF_ERROR(f.Bool("isGateway", &c.is_gateway));
  CNI_RETURN_IF_ERROR(f.Bool("isDefaultGateway", &c.is_default_gateway));
  CNI_RETURN_IF_ERROR(f.Bool("hairpinMode", &c.hairpin));
  if (c.mode == Mode::kBridge && c.is_default_gateway && !c.is_gateway) {
    return f.Invalid("isDefaultGateway", "requires isGateway (the gateway must exist)");
  }
  if (const json::Value* dns = f.Get("dns")) {
    auto d = DnsFromJson(*dns, "dns", kInvalidConfig);
    if (!d.ok()) return d.error();
    c.dns = std::move(*d);
  }

  const json::Value* runtime = f.Get("runtimeConfig");
  if (runtime && !runtime->is_object()) return f.Invalid("runtimeConfig", "must be an object");
  const json::Value* args = f.Get("args");
  if (args && !args->is_object()) return f.Invalid("args", "must be an object");

  // Known CNI_ARGS keys; kubelet/containerd always add the K8S_* ones.
  CNI_RETURN_IF_ERROR(CheckKnownArgs(env.args, {"IP", "MAC", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                                                "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"}));

  // Without "ipam" the built-in allocator takes its ranges from the runtime
  // (runtimeConfig.ipRanges); with neither, the error names ipam.ranges.
  static const json::Value kEmptyIpam = json::Object{};
  const json::Value* ipam = f.Get("ipam");
  bool allocating = env.verb == Verb::kAdd || env.verb == Verb::kCheck;
  auto ic = ipam::ParseConfig(ipam ? *ipam : kEmptyIpam, runtime, args, env.args, allocating);
  if (!ic.ok()) return ic.error();
  c.ipam = std::move(*ic);
  if (c.mtu != 0 && c.mtu < 1280) {
    for (const auto& rs : c.ipam.range_sets) {
      if (!rs.front().subnet.addr.is_v4()) {
        return f.Invalid("mtu", std::to_string(c.mtu) + " is below IPv6's minimum of 1280");
      }
    }
  }

  // Container MAC: runtimeConfig.mac, then args.cni.mac, then CNI_ARGS MAC.
  if (runtime) {
    if (const json::Value* m = runtime->Find("mac"); m && !m->is_null()) {
      if (!m->is_string()) return Error(kInvalidConfig, "runtimeConfig.mac must be a string");
      CNI_RETURN_IF_ERROR(ReadMac(m->as_string(), "runtimeConfig.mac", kInvalidConfig, &c.mac));
    }
    if (const json::Value* d = runtime->Find("dns"); d && !d->is_null()) {
      CNI_RETURN_IF_ERROR(ReadRuntimeDns(*d, &c.dns));
    }
  }
  if (!c.mac && args) {
    if (const json::Value* cni = args->Find("cni")) {
      if (const json::Value* m = cni->Find("mac"); m && !m->is_null()) {
        if (!m->is_string()) return Error(kInvalidConfig, "args.cni.mac must be a string");
        CNI_RETURN_IF_ERROR(ReadMac(m->as_string(), "args.cni.mac", kInvalidConfig, &c.mac));
      }
    }
  }
  if (!c.mac) {
    if (const std::string* m = env.args.Find("MAC")) {
      CNI_RETURN_IF_ERROR(ReadMac(*m, "CNI_ARGS MAC", kInvalidEnvironment, &c.mac));
    }
  }

  if (const json::Value* prev = f.Get("prevResult")) {
    auto r = ResultFromJson(*prev, c.cni_version);
    if (!r.ok()) return r.error().WithContext("prevResult");
    c.prev_result = std::move(*r);
  }
  if (env.verb == Verb::kGc) CNI_RETURN_IF_ERROR(ReadValidAttachments(root, &c.valid_attachments));
  return c;
}

}  // namespace skiff::cni::plugin
