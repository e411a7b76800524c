#include "dataplane/proxy/manifest.h"

#include <yaml-cpp/yaml.h>

#include "common/json/json.h"

#include <fstream>
#include <sstream>

namespace skiff::dataplane {
namespace {

// Field access that reports the path of a bad field instead of throwing out
// of the document.
struct Bad {
  std::string field;
  std::string why;
};

// A read-only view of a common/json value with the slice of yaml-cpp's Node
// API the field readers use, so one set of readers serves YAML and JSON.
class JsonNode {
 public:
  JsonNode() = default;
  explicit JsonNode(const json::Value* v) : v_(v) {}
  explicit operator bool() const { return v_ != nullptr; }
  bool IsNull() const { return !v_ || v_->is_null(); }
  bool IsScalar() const { return v_ && !v_->is_array() && !v_->is_object() && !v_->is_null(); }
  bool IsMap() const { return v_ && v_->is_object(); }
  bool IsSequence() const { return v_ && v_->is_array(); }
  size_t size() const {
    return IsSequence() ? v_->as_array().size() : IsMap() ? v_->as_object().size() : 0;
  }
  JsonNode operator[](const char* key) const {
    return IsMap() ? JsonNode(v_->as_object().Find(key)) : JsonNode();
  }
  JsonNode operator[](const std::string& key) const { return (*this)[key.c_str()]; }
  JsonNode operator[](size_t i) const {
    return IsSequence() && i < v_->as_array().size() ? JsonNode(&v_->as_array()[i]) : JsonNode();
  }
  JsonNode operator[](int i) const { return (*this)[static_cast<size_t>(i)]; }
  template <typename T>
  T as() const;
  const json::Value* value() const { return v_; }

 private:
  const json::Value* v_ = nullptr;
};

template <>
std::string JsonNode::as<std::string>() const {
  if (v_->is_string()) return v_->as_string();
  return json::Serialize(*v_);
}

bool DecodeInt(const YAML::Node& n, int64_t* v) {
  return YAML::convert<int64_t>::decode(n, *v);
}
bool DecodeBool(const YAML::Node& n, bool* v) {
  return YAML::convert<bool>::decode(n, *v);
}
bool DecodeInt(const JsonNode& n, int64_t* v) {
  if (!n.value()->is_int()) return false;
  *v = n.value()->as_int();
  return true;
}
bool DecodeBool(const JsonNode& n, bool* v) {
  if (!n.value()->is_bool()) return false;
  *v = n.value()->as_bool();
  return true;
}

template <typename Node>
std::string Str(const Node& n, const std::string& field, const std::string& def = "") {
  if (!n) return def;
  if (!n.IsScalar()) throw Bad{field, "must be a string"};
  return n.template as<std::string>();
}

template <typename Node>
int32_t Int(const Node& n, const std::string& field, int32_t def = 0) {
  if (!n) return def;
  int64_t v;
  if (!n.IsScalar() || !DecodeInt(n, &v)) throw Bad{field, "must be an integer"};
  if (v < INT32_MIN || v > INT32_MAX) throw Bad{field, "out of range"};
  return static_cast<int32_t>(v);
}

template <typename Node>
std::optional<bool> Bool(const Node& n, const std::string& field) {
  if (!n || n.IsNull()) return std::nullopt;
  bool v;
  if (!n.IsScalar() || !DecodeBool(n, &v)) throw Bad{field, "must be true or false"};
  return v;
}

template <typename Node>
std::vector<std::string> Strings(const Node& n, const std::string& field) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) throw Bad{field, "must be a list"};
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(Str(n[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

template <typename Node>
Protocol Proto(const Node& n, const std::string& field) {
  auto p = ParseProtocol(Str(n, field, "TCP"));
  if (!p.ok()) throw Bad{field, p.status().message()};
  return *p;
}

template <typename Node>
void Meta(const Node& doc, std::string* ns, std::string* name) {
  Node md = doc["metadata"];
  if (!md || !md.IsMap()) throw Bad{"metadata", "required"};
  *name = Str(md["name"], "metadata.name");
  if (name->empty()) throw Bad{"metadata.name", "required"};
  *ns = Str(md["namespace"], "metadata.namespace", "default");
}

template <typename Node>
Service ParseService(const Node& doc) {
  Service s;
  Meta(doc, &s.ns, &s.name);
  Node spec = doc["spec"];
  if (!spec || !spec.IsMap()) throw Bad{"spec", "required"};
  std::string type = Str(spec["type"], "spec.type", "ClusterIP");
  if (type == "ClusterIP")
    s.type = ServiceType::kClusterIP;
  else if (type == "NodePort")
    s.type = ServiceType::kNodePort;
  else if (type == "LoadBalancer")
    s.type = ServiceType::kLoadBalancer;
  else if (type == "ExternalName")
    s.type = ServiceType::kExternalName;
  else
    throw Bad{"spec.type",
              "\"" + type + "\" is not ClusterIP, NodePort, LoadBalancer or ExternalName"};
  s.cluster_ips = Strings(spec["clusterIPs"], "spec.clusterIPs");
  if (s.cluster_ips.empty() && spec["clusterIP"])
    s.cluster_ips.push_back(Str(spec["clusterIP"], "spec.clusterIP"));
  s.external_ips = Strings(spec["externalIPs"], "spec.externalIPs");
  Node ports = spec["ports"];
  if (ports && !ports.IsSequence()) throw Bad{"spec.ports", "must be a list"};
  for (size_t i = 0; ports && i < ports.size(); ++i) {
    std::string f = "spec.ports[" + std::to_string(i) + "]";
    const Node& p = ports[i];
    ServicePort sp;
    sp.name = Str(p["name"], f + ".name");
    sp.protocol = Proto(p["protocol"], f + ".protocol");
    sp.port = Int(p["port"], f + ".port");
    sp.node_port = Int(p["nodePort"], f + ".nodePort");
    Node tp = p["targetPort"];
    int64_t num;
    if (tp && tp.IsScalar() && DecodeInt(tp, &num))
      sp.target_port.number = static_cast<int32_t>(num);
    else if (tp)
      sp.target_port.name = Str(tp, f + ".targetPort");
    else
      sp.target_port.number = sp.port;
    s.ports.push_back(sp);
  }
  std::string aff = Str(spec["sessionAffinity"], "spec.sessionAffinity", "None");
  if (aff == "ClientIP")
    s.session_affinity = SessionAffinity::kClientIP;
  else if (aff != "None")
    throw Bad{"spec.sessionAffinity", "\"" + aff + "\" is not None or ClientIP"};
  if (spec["sessionAffinityConfig"] && spec["sessionAffinityConfig"]["clientIP"])
    s.affinity_timeout_s = Int(spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"],
                               "spec.sessionAffinityConfig.clientIP.timeoutSeconds", 10800);
  auto policy = [](const Node& n, const std::string& f) {
    std::string v = Str(n, f, "Cluster");
    if (v == "Cluster") return TrafficPolicy::kCluster;
    if (v == "Local") return TrafficPolicy::kLocal;
    throw Bad{f, "\"" + v + "\" is not Cluster or Local"};
  };
  s.external_traffic_policy = policy(spec["externalTrafficPolicy"], "spec.externalTrafficPolicy");
  s.internal_traffic_policy = policy(spec["internalTrafficPolicy"], "spec.internalTrafficPolicy");
  Node ing = doc["status"] ? doc["status"]["loadBalancer"]["ingress"] : Node();
  if (ing && ing.IsSequence())
    for (size_t i = 0; i < ing.size(); ++i)
      if (ing[i]["ip"])
        s.lb_ingress_ips.push_back(
            Str(ing[i]["ip"], "status.loadBalancer.ingress[" + std::to_string(i) + "].ip"));
  return s;
}

template <typename Node>
EndpointSlice ParseSlice(const Node& doc) {
  EndpointSlice s;
  Meta(doc, &s.ns, &s.name);
  Node labels = doc["metadata"]["labels"];
  s.service_name = labels ? Str(labels["kubernetes.io/service-name"],
                                "metadata.labels[kubernetes.io/service-name]")
                          : "";
  if (s.service_name.empty()) throw Bad{"metadata.labels[kubernetes.io/service-name]", "required"};
  std::string at = Str(doc["addressType"], "addressType", "IPv4");
  if (at == "IPv4")
    s.address_type = AddressType::kIPv4;
  else if (at == "IPv6")
    s.address_type = AddressType::kIPv6;
  else if (at == "FQDN")
    s.address_type = AddressType::kFQDN;
  else
    throw Bad{"addressType", "\"" + at + "\" is not IPv4, IPv6 or FQDN"};
  Node eps = doc["endpoints"];
  if (eps && !eps.IsSequence()) throw Bad{"endpoints", "must be a list"};
  for (size_t i = 0; eps && i < eps.size(); ++i) {
    std::string f = "endpoints[" + std::to_string(i) + "]";
    const Node& e = eps[i];
    Endpoint ep;
    ep.addresses = Strings(e["addresses"], f + ".addresses");
    if (Node c = e["conditions"]) {
      ep.ready = Bool(c["ready"], f + ".conditions.ready");
      ep.serving = Bool(c["serving"], f + ".conditions.serving");
      ep.terminating = Bool(c["terminating"], f + ".conditions.terminating");
    }
    ep.node_name = Str(e["nodeName"], f + ".nodeName");
    ep.zone = Str(e["zone"], f + ".zone");
    int32_t w = Int(e["weight"], f + ".weight", 1);
    if (w < 0 || w > 65535) throw Bad{f + ".weight", std::to_string(w) + " not in 0..65535"};
    ep.weight = static_cast<uint16_t>(w);
    s.endpoints.push_back(ep);
  }
  Node ports = doc["ports"];
  if (ports && !ports.IsSequence()) throw Bad{"ports", "must be a list"};
  for (size_t i = 0; ports && i < ports.size(); ++i) {
    std::string f = "ports[" + std::to_string(i) + "]";
    EndpointPort p;
    p.name = Str(ports[i]["name"], f + ".name");
    p.protocol = Proto(ports[i]["protocol"], f + ".protocol");
    p.port = Int(ports[i]["port"], f + ".port");
    s.ports.push_back(p);
  }
  return s;
}

template <typename Node>
void AddDocument(const Node& doc, const std::string& where, Manifest* m) {
  if (!doc || doc.IsNull()) return;
  if (!doc.IsMap()) {
    m->errors.push_back(where + ": not an object");
    return;
  }
  std::string kind =
      doc["kind"] && doc["kind"].IsScalar() ? doc["kind"].template as<std::string>() : "";
  try {
    if (kind == "List" || (kind.empty() && doc["items"])) {
      Node items = doc["items"];
      if (!items || !items.IsSequence()) throw Bad{"items", "must be a list"};
      for (size_t i = 0; i < items.size(); ++i)
        AddDocument(items[i], where + " items[" + std::to_string(i) + "]", m);
    } else if (kind == "Service") {
      m->services.push_back(ParseService(doc));
    } else if (kind == "EndpointSlice") {
      m->slices.push_back(ParseSlice(doc));
    }
  } catch (const Bad& b) {
    std::string name =
        doc["metadata"] && doc["metadata"]["name"] && doc["metadata"]["name"].IsScalar()
            ? " " + doc["metadata"]["name"].template as<std::string>()
            : "";
    m->errors.push_back(where + " (" + kind + name + "): " + b.field + ": " + b.why);
  } catch (const YAML::Exception& e) {
    m->errors.push_back(where + " (" + kind + "): " + e.what());
  }
}

}  // namespace

Result<Manifest> ParseManifest(const std::string& text, const std::string& origin) {
  Manifest m;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    // JSON goes through common/json: an order of magnitude faster than
    // yaml-cpp on files with 100,000 Services.
    auto v = json::Parse(text);
    if (!v.ok()) return InvalidArgument(origin + ": not valid JSON: " + v.status().message());
    if (v->is_array()) {
      for (size_t i = 0; i < v->as_array().size(); ++i)
        AddDocument(JsonNode(&v->as_array()[i]), origin + " item " + std::to_string(i), &m);
    } else {
      AddDocument(JsonNode(&*v), origin, &m);
    }
    return m;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(origin + ": not valid YAML/JSON: " + e.what());
  }
  for (size_t i = 0; i < docs.size(); ++i)
    AddDocument(docs[i], origin + " document " + std::to_string(i), &m);
  return m;
}

Result<Manifest> LoadManifestFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Unavailable("error reading " + path);
  return ParseManifest(ss.str(), path);
}

}  // namespace skiff::dataplane
