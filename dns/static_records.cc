#include "dns/static_records.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <initializer_list>
#include <sstream>

namespace skiff::dns {
namespace {

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return InvalidArgument(source_ + ": " + path + ": " + what);
  }

  Status Keys(const YAML::Node& n, const std::string& path,
              std::initializer_list<const char*> allowed) const {
    if (!n.IsMap()) return Error(path, "want a mapping");
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      bool ok = false;
      for (const char* a : allowed)
        ok = ok || k == a;
      if (!ok) return Error(path + "." + k, "unknown field");
    }
    return Status::Ok();
  }

  Status Str(const YAML::Node& n, const char* key, const std::string& path,
             std::string* out) const {
    if (!n[key]) return Status::Ok();
    if (!n[key].IsScalar()) return Error(path + "." + key, "want a string");
    *out = n[key].as<std::string>();
    return Status::Ok();
  }

  Status Bool(const YAML::Node& n, const char* key, const std::string& path, bool* out) const {
    if (!n[key]) return Status::Ok();
    try {
      *out = n[key].as<bool>();
    } catch (const YAML::Exception&) {
      return Error(path + "." + key, "want true or false");
    }
    return Status::Ok();
  }

  Status StrList(const YAML::Node& n, const char* key, const std::string& path,
                 std::vector<std::string>* out) const {
    if (!n[key]) return Status::Ok();
    const YAML::Node& l = n[key];
    if (l.IsScalar()) {
      out->push_back(l.as<std::string>());
      return Status::Ok();
    }
    if (!l.IsSequence()) return Error(path + "." + key, "want a list of strings");
    for (size_t i = 0; i < l.size(); ++i) {
      if (!l[i].IsScalar())
        return Error(path + "." + key + "[" + std::to_string(i) + "]", "want a string");
      out->push_back(l[i].as<std::string>());
    }
    return Status::Ok();
  }

  Status Ports(const YAML::Node& n, const std::string& path, std::vector<ServicePort>* out) const {
    if (!n["ports"]) return Status::Ok();
    const YAML::Node& l = n["ports"];
    if (!l.IsSequence()) return Error(path + ".ports", "want a list");
    for (size_t i = 0; i < l.size(); ++i) {
      std::string p = path + ".ports[" + std::to_string(i) + "]";
      SKIFF_RETURN_IF_ERROR(
          Keys(l[i], p, {"name", "protocol", "port", "targetPort", "nodePort", "appProtocol"}));
      ServicePort sp;
      SKIFF_RETURN_IF_ERROR(Str(l[i], "name", p, &sp.name));
      SKIFF_RETURN_IF_ERROR(Str(l[i], "protocol", p, &sp.protocol));
      if (!l[i]["port"]) return Error(p + ".port", "missing");
      int port = 0;
      try {
        port = l[i]["port"].as<int>();
      } catch (const YAML::Exception&) {
        port = -1;
      }
      if (port < 1 || port > 65535) return Error(p + ".port", "want an integer 1-65535");
      sp.port = static_cast<uint16_t>(port);
      out->push_back(sp);
    }
    return Status::Ok();
  }

  Status ServiceAt(const YAML::Node& n, const std::string& path, Service* s) const {
    SKIFF_RETURN_IF_ERROR(Keys(n, path,
                               {"namespace", "name", "type", "clusterIP", "clusterIPs", "ports",
                                "externalName", "publishNotReadyAddresses"}));
    s->ns = "default";
    SKIFF_RETURN_IF_ERROR(Str(n, "namespace", path, &s->ns));
    SKIFF_RETURN_IF_ERROR(Str(n, "name", path, &s->name));
    std::string type = "ClusterIP";
    SKIFF_RETURN_IF_ERROR(Str(n, "type", path, &type));
    if (type == "ClusterIP")
      s->type = ServiceType::kClusterIP;
    else if (type == "NodePort")
      s->type = ServiceType::kNodePort;
    else if (type == "LoadBalancer")
      s->type = ServiceType::kLoadBalancer;
    else if (type == "ExternalName")
      s->type = ServiceType::kExternalName;
    else
      return Error(path + ".type",
                   "\"" + type + "\" is not ClusterIP, NodePort, LoadBalancer or ExternalName");
    SKIFF_RETURN_IF_ERROR(StrList(n, "clusterIPs", path, &s->cluster_ips));
    if (s->cluster_ips.empty())
      SKIFF_RETURN_IF_ERROR(StrList(n, "clusterIP", path, &s->cluster_ips));
    SKIFF_RETURN_IF_ERROR(Ports(n, path, &s->ports));
    SKIFF_RETURN_IF_ERROR(Str(n, "externalName", path, &s->external_name));
    return Bool(n, "publishNotReadyAddresses", path, &s->publish_not_ready_addresses);
  }

  Status SliceAt(const YAML::Node& n, const std::string& path, EndpointSlice* s) const {
    SKIFF_RETURN_IF_ERROR(
        Keys(n, path, {"namespace", "name", "service", "addressType", "endpoints", "ports"}));
    s->ns = "default";
    SKIFF_RETURN_IF_ERROR(Str(n, "namespace", path, &s->ns));
    SKIFF_RETURN_IF_ERROR(Str(n, "name", path, &s->name));
    SKIFF_RETURN_IF_ERROR(Str(n, "service", path, &s->service));
    std::string at = "IPv4";
    SKIFF_RETURN_IF_ERROR(Str(n, "addressType", path, &at));
    if (at == "IPv4")
      s->address_type = AddressType::kIPv4;
    else if (at == "IPv6")
      s->address_type = AddressType::kIPv6;
    else if (at == "FQDN")
      s->address_type = AddressType::kFQDN;
    else
      return Error(path + ".addressType", "\"" + at + "\" is not IPv4, IPv6 or FQDN");
    if (n["endpoints"]) {
      const YAML::Node& l = n["endpoints"];
      if (!l.IsSequence()) return Error(path + ".endpoints", "want a list");
      for (size_t i = 0; i < l.size(); ++i) {
        std::string p = path + ".endpoints[" + std::to_string(i) + "]";
        SKIFF_RETURN_IF_ERROR(Keys(l[i], p,
                                   {"addresses", "hostname", "ready", "serving", "terminating",
                                    "conditions", "targetRef", "nodeName", "zone"}));
        Endpoint ep;
        SKIFF_RETURN_IF_ERROR(StrList(l[i], "addresses", p, &ep.addresses));
        SKIFF_RETURN_IF_ERROR(Str(l[i], "hostname", p, &ep.hostname));
        SKIFF_RETURN_IF_ERROR(Bool(l[i], "ready", p, &ep.ready));
        SKIFF_RETURN_IF_ERROR(Bool(l[i], "serving", p, &ep.serving));
        SKIFF_RETURN_IF_ERROR(Bool(l[i], "terminating", p, &ep.terminating));
        if (l[i]["conditions"]) {
          const YAML::Node& c = l[i]["conditions"];
          SKIFF_RETURN_IF_ERROR(Keys(c, p + ".conditions", {"ready", "serving", "terminating"}));
          SKIFF_RETURN_IF_ERROR(Bool(c, "ready", p + ".conditions", &ep.ready));
          SKIFF_RETURN_IF_ERROR(Bool(c, "serving", p + ".conditions", &ep.serving));
          SKIFF_RETURN_IF_ERROR(Bool(c, "terminating", p + ".conditions", &ep.terminating));
        }
        if (l[i]["targetRef"]) {
          const YAML::Node& t = l[i]["targetRef"];
          if (t.IsScalar()) {
            ep.target_pod = t.as<std::string>();
          } else {
            SKIFF_RETURN_IF_ERROR(Keys(t, p + ".targetRef", {"kind", "name", "namespace", "uid"}));
            SKIFF_RETURN_IF_ERROR(Str(t, "name", p + ".targetRef", &ep.target_pod));
          }
        }
        SKIFF_RETURN_IF_ERROR(Str(l[i], "nodeName", p, &ep.node_name));
        s->endpoints.push_back(std::move(ep));
      }
    }
    return Ports(n, path, &s->ports);
  }

  Status PodAt(const YAML::Node& n, const std::string& path, Pod* p) const {
    SKIFF_RETURN_IF_ERROR(Keys(n, path, {"namespace", "name", "ips", "podIPs", "podIP"}));
    p->ns = "default";
    SKIFF_RETURN_IF_ERROR(Str(n, "namespace", path, &p->ns));
    SKIFF_RETURN_IF_ERROR(Str(n, "name", path, &p->name));
    SKIFF_RETURN_IF_ERROR(StrList(n, "ips", path, &p->ips));
    SKIFF_RETURN_IF_ERROR(StrList(n, "podIPs", path, &p->ips));
    return StrList(n, "podIP", path, &p->ips);
  }

  template <typename T, typename F>
  Status List(const YAML::Node& root, const char* key, std::vector<T>* out, F parse) const {
    if (!root[key]) return Status::Ok();
    const YAML::Node& l = root[key];
    if (l.IsNull()) return Status::Ok();
    if (!l.IsSequence()) return Error(key, "want a list");
    out->reserve(l.size());
    for (size_t i = 0; i < l.size(); ++i) {
      std::string path = std::string(key) + "[" + std::to_string(i) + "]";
      T obj;
      SKIFF_RETURN_IF_ERROR((this->*parse)(l[i], path, &obj));
      Status v = Validate(obj);
      if (!v.ok()) return Error(path, v.message());
      out->push_back(std::move(obj));
    }
    return Status::Ok();
  }

 private:
  std::string source_;
};

}  // namespace

Result<ClusterObjects> ParseStaticRecords(const std::string& text, const std::string& source) {
  Parser p(source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ": " + e.what());
  }
  ClusterObjects objs;
  if (root.IsNull()) return objs;
  Status s = p.Keys(root, "top level", {"services", "endpointSlices", "pods"});
  if (!s.ok()) return s;
  try {
    SKIFF_RETURN_IF_ERROR(p.List(root, "services", &objs.services, &Parser::ServiceAt));
    SKIFF_RETURN_IF_ERROR(p.List(root, "endpointSlices", &objs.slices, &Parser::SliceAt));
    SKIFF_RETURN_IF_ERROR(p.List(root, "pods", &objs.pods, &Parser::PodAt));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ": " + e.what());
  }
  return objs;
}

Result<ClusterObjects> LoadStaticRecords(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("--static-records " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseStaticRecords(ss.str(), path);
}

}  // namespace skiff::dns
