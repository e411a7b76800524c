#include "cni/spec/result.h"

#include <limits>

#include "cni/spec/fields.h"
#include "cni/spec/version.h"

namespace skiff::cni {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

std::string Index(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

Expected<Interface> InterfaceFromJson(const json::Value& v, const std::string& path) {
  Fields f(v, path, kDecodingFailure);
  Interface out;
  int64_t mtu = 0;
  CNI_RETURN_IF_ERROR(f.String("name", &out.name, /*required=*/true));
  CNI_RETURN_IF_ERROR(f.String("mac", &out.mac));
  CNI_RETURN_IF_ERROR(f.Int("mtu", &mtu, 0, kIntMax));
  CNI_RETURN_IF_ERROR(f.String("sandbox", &out.sandbox));
  CNI_RETURN_IF_ERROR(f.String("socketPath", &out.socket_path));
  CNI_RETURN_IF_ERROR(f.String("pciID", &out.pci_id));
  out.mtu = static_cast<int>(mtu);
  return out;
}

Expected<IpConfig> IpFromJson(const json::Value& v, const std::string& path, bool needs_version,
                              size_t interface_count) {
  Fields f(v, path, kDecodingFailure);
  IpConfig out;
  CNI_RETURN_IF_ERROR(f.Prefix("address", &out.address, /*required=*/true));
  if (f.Get("gateway") != nullptr) {
    IpAddr gw;
    CNI_RETURN_IF_ERROR(f.Ip("gateway", &gw));
    if (gw.family != out.address.addr.family) {
      return f.Invalid("gateway", "address family differs from \"address\"");
    }
    out.gateway = gw;
  }
  if (f.Get("interface") != nullptr) {
    int64_t idx = 0;
    CNI_RETURN_IF_ERROR(f.Int("interface", &idx, 0, kIntMax));
    if (static_cast<size_t>(idx) >= interface_count) {
      return f.Invalid("interface", "index " + std::to_string(idx) + " has no matching interface");
    }
    out.interface = static_cast<int>(idx);
  }
  std::string version;
  CNI_RETURN_IF_ERROR(f.String("version", &version, needs_version));
  if (!version.empty()) {
    std::string want = out.address.addr.is_v4() ? "4" : "6";
    if (version != want) {
      return f.Invalid("version",
                       "\"" + version + "\" does not match address " + out.address.ToString());
    }
  }
  return out;
}

Expected<Route> RouteFromJson(const json::Value& v, const std::string& path) {
  Fields f(v, path, kDecodingFailure);
  Route out;
  CNI_RETURN_IF_ERROR(f.Prefix("dst", &out.dst, /*required=*/true));
  if (f.Get("gw") != nullptr) {
    IpAddr gw;
    CNI_RETURN_IF_ERROR(f.Ip("gw", &gw));
    out.gw = gw;
  }
  int64_t mtu = 0, advmss = 0, priority = 0, table = 0, scope = 0;
  CNI_RETURN_IF_ERROR(f.Int("mtu", &mtu, 0, kIntMax));
  CNI_RETURN_IF_ERROR(f.Int("advmss", &advmss, 0, kIntMax));
  CNI_RETURN_IF_ERROR(f.Int("priority", &priority, 0, kIntMax));
  out.mtu = static_cast<int>(mtu);
  out.advmss = static_cast<int>(advmss);
  out.priority = static_cast<int>(priority);
  if (f.Get("table") != nullptr) {
    CNI_RETURN_IF_ERROR(f.Int("table", &table, 0, std::numeric_limits<uint32_t>::max()));
    out.table = static_cast<int>(table);
  }
  if (f.Get("scope") != nullptr) {
    CNI_RETURN_IF_ERROR(f.Int("scope", &scope, 0, 255));
    out.scope = static_cast<int>(scope);
  }
  return out;
}

json::Value StringArray(const std::vector<std::string>& items) {
  json::Array a;
  a.reserve(items.size());
  for (const auto& s : items)
    a.emplace_back(s);
  return json::Value(std::move(a));
}

}  // namespace

Expected<Dns> DnsFromJson(const json::Value& v, std::string_view field, int code) {
  Fields f(v, std::string(field), code);
  CNI_RETURN_IF_ERROR(f.RequireObject());
  Dns out;
  CNI_RETURN_IF_ERROR(f.StringList("nameservers", &out.nameservers));
  CNI_RETURN_IF_ERROR(f.String("domain", &out.domain));
  CNI_RETURN_IF_ERROR(f.StringList("search", &out.search));
  CNI_RETURN_IF_ERROR(f.StringList("options", &out.options));
  return out;
}

Expected<CniResult> ResultFromJson(const json::Value& v, std::string_view default_version) {
  Fields f(v, "result", kDecodingFailure);
  CNI_RETURN_IF_ERROR(f.RequireObject());
  CniResult out;
  out.cni_version = std::string(default_version);
  CNI_RETURN_IF_ERROR(f.String("cniVersion", &out.cni_version));
  if (!IsSupportedVersion(out.cni_version)) {
    return Error(kIncompatibleVersion,
                 "result version \"" + out.cni_version + "\" is not supported",
                 "supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
  }
  bool needs_version = !VersionAtLeast(out.cni_version, "1.0.0");
  if (const json::Value* a = f.Get("interfaces")) {
    if (!a->is_array()) return f.Invalid("interfaces", "must be an array");
    for (size_t i = 0; i < a->as_array().size(); ++i) {
      auto itf = InterfaceFromJson(a->as_array()[i], Index("result.interfaces", i));
      if (!itf.ok()) return itf.error();
      out.interfaces.push_back(std::move(*itf));
    }
  }
  if (const json::Value* a = f.Get("ips")) {
    if (!a->is_array()) return f.Invalid("ips", "must be an array");
    for (size_t i = 0; i < a->as_array().size(); ++i) {
      auto ip = IpFromJson(a->as_array()[i], Index("result.ips", i), needs_version,
                           out.interfaces.size());
      if (!ip.ok()) return ip.error();
      out.ips.push_back(std::move(*ip));
    }
  }
  if (const json::Value* a = f.Get("routes")) {
    if (!a->is_array()) return f.Invalid("routes", "must be an array");
    for (size_t i = 0; i < a->as_array().size(); ++i) {
      auto r = RouteFromJson(a->as_array()[i], Index("result.routes", i));
      if (!r.ok()) return r.error();
      out.routes.push_back(std::move(*r));
    }
  }
  if (const json::Value* d = f.Get("dns")) {
    auto dns = DnsFromJson(*d, "result.dns", kDecodingFailure);
    if (!dns.ok()) return dns.error();
    out.dns = std::move(*dns);
  }
  return out;
}

json::Value ResultToJson(const CniResult& r, std::string_view version) {
  bool v1 = VersionAtLeast(version, "1.0.0");
  bool v11 = VersionAtLeast(version, "1.1.0");
  json::Object o;
  o.Set("cniVersion", json::Value(version));
  if (!r.interfaces.empty()) {
    json::Array list;
    for (const Interface& i : r.interfaces) {
      json::Object io;
      io.Set("name", json::Value(i.name));
      if (!i.mac.empty()) io.Set("mac", json::Value(i.mac));
      if (v11 && i.mtu > 0) io.Set("mtu", json::Value(i.mtu));
      if (!i.sandbox.empty()) io.Set("sandbox", json::Value(i.sandbox));
      if (v11 && !i.socket_path.empty()) io.Set("socketPath", json::Value(i.socket_path));
      if (v11 && !i.pci_id.empty()) io.Set("pciID", json::Value(i.pci_id));
      list.emplace_back(std::move(io));
    }
    o.Set("interfaces", json::Value(std::move(list)));
  }
  if (!r.ips.empty()) {
    json::Array list;
    for (const IpConfig& ip : r.ips) {
      json::Object io;
      if (!v1) io.Set("version", json::Value(ip.address.addr.is_v4() ? "4" : "6"));
      if (ip.interface) io.Set("interface", json::Value(*ip.interface));
      io.Set("address", json::Value(ip.address.ToString()));
      if (ip.gateway) io.Set("gateway", json::Value(ip.gateway->ToString()));
      list.emplace_back(std::move(io));
    }
    o.Set("ips", json::Value(std::move(list)));
  }
  if (!r.routes.empty()) {
    json::Array list;
    for (const Route& rt : r.routes) {
      json::Object ro;
      ro.Set("dst", json::Value(rt.dst.ToString()));
      if (rt.gw) ro.Set("gw", json::Value(rt.gw->ToString()));
      if (v11) {
        if (rt.mtu > 0) ro.Set("mtu", json::Value(rt.mtu));
        if (rt.advmss > 0) ro.Set("advmss", json::Value(rt.advmss));
        if (rt.priority > 0) ro.Set("priority", json::Value(rt.priority));
        if (rt.table) ro.Set("table", json::Value(*rt.table));
        if (rt.scope) ro.Set("scope", json::Value(*rt.scope));
      }
      list.emplace_back(std::move(ro));
    }
    o.Set("routes", json::Value(std::move(list)));
  }
  json::Object dns;
  if (!r.dns.nameservers.empty()) dns.Set("nameservers", StringArray(r.dns.nameservers));
  if (!r.dns.domain.empty()) dns.Set("domain", json::Value(r.dns.domain));
  if (!r.dns.search.empty()) dns.Set("search", StringArray(r.dns.search));
  if (!r.dns.options.empty()) dns.Set("options", StringArray(r.dns.options));
  o.Set("dns", json::Value(std::move(dns)));
  return json::Value(std::move(o));
}

}  // namespace skiff::cni
