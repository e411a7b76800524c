#include "node/pod/env.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "api/quantity.h"

namespace skiff::node {
namespace {

// Keeps first-definition order; a redefinition replaces the value in place.
class OrderedEnv {
 public:
  void Set(const std::string& k, std::string v) {
    auto it = index_.find(k);
    if (it != index_.end()) {
      list_[it->second].second = std::move(v);
      return;
    }
    index_[k] = list_.size();
    list_.emplace_back(k, std::move(v));
  }
  const std::string* Find(const std::string& k) const {
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &list_[it->second].second;
  }
  EnvList Take() { return std::move(list_); }

 private:
  EnvList list_;
  std::map<std::string, size_t> index_;
};

std::string EnvName(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ServiceIPSet(const api::Service& s) {
  return !s.spec().cluster_ip().empty() && s.spec().cluster_ip() != "None";
}

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Kubernetes' C_IDENTIFIER-ish rule for env names: [-._a-zA-Z][-._a-zA-Z0-9]*.
bool ValidEnvName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
              (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::string> ContainerResourceValue(const api::Container& c,
                                           const api::ResourceFieldSelector& sel,
                                           const EnvSources& src) {
  const std::string& res = sel.resource();
  size_t dot = res.find('.');
  if (dot == std::string::npos) return InvalidArgument("unsupported container resource: " + res);
  std::string kind = res.substr(0, dot), name = res.substr(dot + 1);
  const auto& map = kind == "limits" ? c.resources().limits() : c.resources().requests();
  if (kind != "limits" && kind != "requests") {
    return InvalidArgument("unsupported container resource: " + res);
  }
  api::Quantity value;
  auto it = map.find(name);
  if (it != map.end()) {
    auto q = api::Quantity::Parse(it->second);
    if (!q.ok()) return q.status();
    value = *q;
  } else if (name == "cpu") {
    // Unset limits (and requests) read as the node's allocatable, as kubelet does.
    value = api::Quantity::FromMilli(kind == "limits" ? src.node_cpu_milli : 0);
  } else if (name == "memory") {
    value = api::Quantity::FromUnits(kind == "limits" ? src.node_memory_bytes : 0);
  } else if (name == "ephemeral-storage") {
    value = api::Quantity::FromUnits(kind == "limits" ? src.node_ephemeral_bytes : 0);
  } else {
    return InvalidArgument("unsupported container resource: " + res);
  }
  api::Quantity divisor = api::Quantity::FromUnits(1);
  if (!sel.divisor().empty()) {
    auto d = api::Quantity::Parse(sel.divisor());
    if (!d.ok()) return d.status();
    divisor = *d;
  }
  if (divisor.IsZero()) return InvalidArgument("divisor of " + res + " is zero");
  if (name == "cpu") {
    int64_t m = value.MilliValue(), dm = divisor.MilliValue();
    return std::to_string((m + dm - 1) / dm);
  }
  // Exact ceiling in nano-units.
  api::Quantity::Nanos v = value.nanos(), d = divisor.nanos();
  api::Quantity::Nanos q = (v + d - 1) / d;
  return std::to_string(static_cast<int64_t>(q));
}

namespace {

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? sep : "") + v[i];
  return out;
}

// envFrom: every key of `data` (sorted, as kubelet) under `prefix`; keys that
// are not valid variable names are skipped with one warning naming `source`.
void AddEnvFrom(const google::protobuf::Map<std::string, std::string>& data,
                const std::string& prefix, const std::string& source, OrderedEnv* env,
                std::vector<std::string>* warnings) {
  std::vector<std::string> invalid;
  for (const auto& [k, v] : std::map<std::string, std::string>(data.begin(), data.end())) {
    std::string key = prefix + k;
    if (!ValidEnvName(key)) {
      invalid.push_back(key);
      continue;
    }
    env->Set(key, v);
  }
  if (!invalid.empty() && warnings) {
    warnings->push_back("Keys [" + Join(invalid, ", ") + "] from the EnvFrom " + source +
                        " were skipped since they are invalid");
  }
}

}  // namespace

std::string FormatDownwardMap(const google::protobuf::Map<std::string, std::string>& map) {
  std::string out;
  for (const auto& [k, v] : std::map<std::string, std::string>(map.begin(), map.end())) {
    if (!out.empty()) out += '\n';
    out += k + "=\"";
    for (unsigned char c : v) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            static const char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    out += '"';
  }
  return out;
}

Result<std::string> PodFieldValue(const api::Pod& pod, const std::string& path,
                                  const std::vector<std::string>& pod_ips,
                                  const std::vector<std::string>& host_ips) {
  const auto& m = pod.metadata();
  if (path == "metadata.name") return m.name();
  if (path == "metadata.namespace") return m.namespace_();
  if (path == "metadata.uid") return m.uid();
  if (path == "spec.nodeName") return pod.spec().node_name();
  if (path == "spec.serviceAccountName") return pod.spec().service_account_name();
  if (path == "status.podIP") return pod_ips.empty() ? std::string() : pod_ips[0];
  if (path == "status.podIPs") return Join(pod_ips, ",");
  if (path == "status.hostIP") return host_ips.empty() ? std::string() : host_ips[0];
  if (path == "status.hostIPs") return Join(host_ips, ",");
  if (path == "metadata.labels") return FormatDownwardMap(m.labels());
  if (path == "metadata.annotations") return FormatDownwardMap(m.annotations());
  for (const char* prefix : {"metadata.labels['", "metadata.annotations['"}) {
    std::string p(prefix);
    if (path.rfind(p, 0) == 0 && path.size() > p.size() + 2 &&
        path.compare(path.size() - 2, 2, "']") == 0) {
      std::string key = path.substr(p.size(), path.size() - p.size() - 2);
      const auto& map = p[9] == 'l' ? m.labels() : m.annotations();
      auto it = map.find(key);
      return it == map.end() ? std::string() : it->second;
    }
  }
  return InvalidArgument("unsupported fieldRef path: " + path);
}

std::string ExpandVariables(const std::string& in,
                            const std::function<const std::string*(const std::string&)>& lookup) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 >= in.size()) {
      out += in[i];
      continue;
    }
    char next = in[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '(') {
      size_t close = in.find(')', i + 2);
      if (close == std::string::npos) {
        out += in.substr(i);  // unterminated: verbatim
        break;
      }
      std::string name = in.substr(i + 2, close - i - 2);
      const std::string* v = lookup(name);
      out += v ? *v : in.substr(i, close - i + 1);
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

EnvList ServiceEnvironment(const std::string& ns, bool enable_service_links,
                           const std::vector<std::shared_ptr<const api::Service>>& services) {
  std::map<std::string, std::shared_ptr<const api::Service>> chosen;
  for (const auto& s : services) {
    if (!ServiceIPSet(*s)) continue;
    const std::string& sns = s->metadata().namespace_();
    const std::string& name = s->metadata().name();
    // The master service is always visible, even with service links off.
    if (sns == "default" && name == "kubernetes") {
      chosen.emplace(name, s);
    } else if (sns == ns && enable_service_links) {
      chosen[name] = s;
    }
  }
  EnvList out;
  for (const auto& [name, s] : chosen) {
    std::string prefix = EnvName(name);
    const std::string& ip = s->spec().cluster_ip();
    out.emplace_back(prefix + "_SERVICE_HOST", ip);
    if (s->spec().ports_size() == 0) continue;
    out.emplace_back(prefix + "_SERVICE_PORT", std::to_string(s->spec().ports(0).port()));
    for (const auto& p : s->spec().ports()) {
      if (!p.name().empty()) {
        out.emplace_back(prefix + "_SERVICE_PORT_" + EnvName(p.name()), std::to_string(p.port()));
      }
    }
    for (int i = 0; i < s->spec().ports_size(); ++i) {
      const auto& p = s->spec().ports(i);
      std::string proto = p.protocol().empty() ? "TCP" : p.protocol();
      std::string url = Lower(proto) + "://" + JoinHostPort(ip, p.port());
      if (i == 0) out.emplace_back(prefix + "_PORT", url);
      std::string pp = prefix + "_PORT_" + std::to_string(p.port()) + "_" + EnvName(proto);
      out.emplace_back(pp, url);
      out.emplace_back(pp + "_PROTO", Lower(proto));
      out.emplace_back(pp + "_PORT", std::to_string(p.port()));
      out.emplace_back(pp + "_ADDR", ip);
    }
  }
  return out;
}

Result<EnvList> BuildEnvironment(const api::Pod& pod, const api::Container& c,
                                 const EnvSources& src, std::vector<std::string>* warnings) {
  const std::string& ns = pod.metadata().namespace_();
  bool links = !pod.spec().has_enable_service_links() || pod.spec().enable_service_links();
  EnvList service_env = ServiceEnvironment(ns, links, src.services);
  std::map<std::string, std::string> service_map(service_env.begin(), service_env.end());
  OrderedEnv env;

  for (const auto& from : c.env_from()) {
    if (from.has_config_map_ref()) {
      const auto& ref = from.config_map_ref();
      auto cm = src.config_map ? src.config_map(ns, ref.name()) : nullptr;
      if (!cm) {
        if (ref.optional()) continue;
        return NotFound("configmap \"" + ref.name() + "\" not found");
      }
      AddEnvFrom(cm->data(), from.prefix(), "configMap " + ns + "/" + ref.name(), &env, warnings);
    } else if (from.has_secret_ref()) {
      const auto& ref = from.secret_ref();
      auto s = src.secret ? src.secret(ns, ref.name()) : nullptr;
      if (!s) {
        if (ref.optional()) continue;
        return NotFound("secret \"" + ref.name() + "\" not found");
      }
      AddEnvFrom(s->data(), from.prefix(), "secret " + ns + "/" + ref.name(), &env, warnings);
    }
  }

  auto lookup = [&](const std::string& name) -> const std::string* {
    if (const std::string* v = env.Find(name)) return v;
    auto it = service_map.find(name);
    return it == service_map.end() ? nullptr : &it->second;
  };
  for (const auto& e : c.env()) {
    if (!e.value().empty() || !e.has_value_from()) {
      env.Set(e.name(), ExpandVariables(e.value(), lookup));
      continue;
    }
    const auto& from = e.value_from();
    if (from.has_field_ref()) {
      auto v = PodFieldValue(pod, from.field_ref().field_path(), src.pod_ips, src.host_ips);
      if (!v.ok()) return v.status();
      env.Set(e.name(), *v);
    } else if (from.has_resource_field_ref()) {
      const auto& sel = from.resource_field_ref();
      const api::Container* target = &c;
      if (!sel.container_name().empty()) {
        target = nullptr;
        for (const auto& other : pod.spec().containers()) {
          if (other.name() == sel.container_name()) target = &other;
        }
        if (!target) return InvalidArgument("container " + sel.container_name() + " not found");
      }
      auto v = ContainerResourceValue(*target, sel, src);
      if (!v.ok()) return v.status();
      env.Set(e.name(), *v);
    } else if (from.has_config_map_key_ref()) {
      const auto& ref = from.config_map_key_ref();
      auto cm = src.config_map ? src.config_map(ns, ref.name()) : nullptr;
      if (!cm) {
        if (ref.optional()) continue;
        return NotFound("configmap \"" + ref.name() + "\" not found");
      }
      auto it = cm->data().find(ref.key());
      if (it != cm->data().end()) {
        env.Set(e.name(), it->second);
      } else if (auto b = cm->binary_data().find(ref.key()); b != cm->binary_data().end()) {
        env.Set(e.name(), b->second);
      } else if (!ref.optional()) {
        return NotFound("couldn't find key " + ref.key() + " in ConfigMap " + ns + "/" +
                        ref.name());
      }
    } else if (from.has_secret_key_ref()) {
      const auto& ref = from.secret_key_ref();
      auto s = src.secret ? src.secret(ns, ref.name()) : nullptr;
      if (!s) {
        if (ref.optional()) continue;
        return NotFound("secret \"" + ref.name() + "\" not found");
      }
      auto it = s->data().find(ref.key());
      if (it != s->data().end()) {
        env.Set(e.name(), it->second);
      } else if (!ref.optional()) {
        return NotFound("couldn't find key " + ref.key() + " in Secret " + ns + "/" + ref.name());
      }
    } else {
      env.Set(e.name(), "");
    }
  }
  for (const auto& [k, v] : service_env) {
    if (!env.Find(k)) env.Set(k, v);
  }
  return env.Take();
}

std::vector<std::string> ExpandCommand(const api::Container& c, const EnvList& env) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : env)
    m[k] = v;
  auto lookup = [&](const std::string& name) -> const std::string* {
    auto it = m.find(name);
    return it == m.end() ? nullptr : &it->second;
  };
  std::vector<std::string> out;
  for (const auto& s : c.command())
    out.push_back(ExpandVariables(s, lookup));
  for (const auto& s : c.args())
    out.push_back(ExpandVariables(s, lookup));
  return out;
}

std::vector<std::string> EnvStrings(const EnvList& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env)
    out.push_back(k + "=" + v);
  return out;
}

}  // namespace skiff::node
