#include "dataplane/proxy/manifest.h"

#include <yaml-cpp/yaml.h>

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

std::string Str(const YAML::Node& n, const std::string& field, const std::string& def = "") {
  if (!n) return def;
  if (!n.IsScalar()) throw Bad{field, "must be a string"};
  return n.as<std::string>();
}

int32_t Int(const YAML::Node& n, const std::string& field, int32_t def = 0) {
  if (!n) return def;
  int64_t v;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v))
    throw Bad{field, "must be an integer"};
  if (v < INT32_MIN || v > INT32_MAX) throw Bad{field, "out of range"};
  return static_cast<int32_t>(v);
}

std::optional<bool> Bool(const YAML::Node& n, const std::string& field) {
  if (!n || n.IsNull()) return std::nullopt;
  bool v;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    throw Bad{field, "must be true or false"};
  return v;
}

std::vector<std::string> Strings(const YAML::Node& n, const std::string& field) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) throw Bad{field, "must be a list"};
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(Str(n[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

Protocol Proto(const YAML::Node& n, const std::string& field) {
  auto p = ParseProtocol(Str(n, field, "TCP"));
  if (!p.ok()) throw Bad{field, p.status().message()};
  return *p;
}

void Meta(const YAML::Node& doc, std::string* ns, std::string* name) {
  YAML::Node md = doc["metadata"];
  if (!md || !md.IsMap()) throw Bad{"metadata", "required"};
  *name = Str(md["name"], "metadata.name");
  if (name->empty()) throw Bad{"metadata.name", "required"};
  *ns = Str(md["namespace"], "metadata.namespace", "default");
}

Service ParseService(const YAML::Node& doc) {
  Service s;
  Meta(doc, &s.ns, &s.name);
  YAML::Node spec = doc["spec"];
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
  YAML::Node ports = spec["ports"];
  if (ports && !ports.IsSequence()) throw Bad{"spec.ports", "must be a list"};
  for (size_t i = 0; ports && i < ports.size(); ++i) {
    std::string f = "spec.ports[" + std::to_string(i) + "]";
    const YAML::Node& p = ports[i];
    ServicePort sp;
    sp.name = Str(p["name"], f + ".name");
    sp.protocol = Proto(p["protocol"], f + ".protocol");
    sp.port = Int(p["port"], f + ".port");
    sp.node_port = Int(p["nodePort"], f + ".nodePort");
    YAML::Node tp = p["targetPort"];
    int64_t num;
    if (tp && tp.IsScalar() && YAML::convert<int64_t>::decode(tp, num))
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
  auto policy = [](const YAML::Node& n, const std::string& f) {
    std::string v = Str(n, f, "Cluster");
    if (v == "Cluster") return TrafficPolicy::kCluster;
    if (v == "Local") return TrafficPolicy::kLocal;
    throw Bad{f, "\"" + v + "\" is not Cluster or Local"};
  };
  s.external_traffic_policy = policy(spec["externalTrafficPolicy"], "spec.externalTrafficPolicy");
  s.internal_traffic_policy = policy(spec["internalTrafficPolicy"], "spec.internalTrafficPolicy");
  YAML::Node ing = doc["status"] ? doc["status"]["loadBalancer"]["ingress"] : YAML::Node();
  if (ing && ing.IsSequence())
    for (size_t i = 0; i < ing.size(); ++i)
      if (ing[i]["ip"])
        s.lb_ingress_ips.push_back(
            Str(ing[i]["ip"], "status.loadBalancer.ingress[" + std::to_string(i) + "].ip"));
  return s;
}

EndpointSlice ParseSlice(const YAML::Node& doc) {
  EndpointSlice s;
  Meta(doc, &s.ns, &s.name);
  YAML::Node labels = doc["metadata"]["labels"];
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
  YAML::Node eps = doc["endpoints"];
  if (eps && !eps.IsSequence()) throw Bad{"endpoints", "must be a list"};
  for (size_t i = 0; eps && i < eps.size(); ++i) {
    std::string f = "endpoints[" + std::to_string(i) + "]";
    const YAML::Node& e = eps[i];
    Endpoint ep;
    ep.addresses = Strings(e["addresses"], f + ".addresses");
    if (YAML::Node c = e["conditions"]) {
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
  YAML::Node ports = doc["ports"];
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

void AddDocument(const YAML::Node& doc, const std::string& where, Manifest* m) {
  if (!doc || doc.IsNull()) return;
  if (!doc.IsMap()) {
    m->errors.push_back(where + ": not an object");
    return;
  }
  std::string kind = doc["kind"] && doc["kind"].IsScalar() ? doc["kind"].as<std::string>() : "";
  try {
    if (kind == "List" || (kind.empty() && doc["items"])) {
      YAML::Node items = doc["items"];
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
            ? " " + doc["metadata"]["name"].as<std::string>()
            : "";
    m->errors.push_back(where + " (" + kind + name + "): " + b.field + ": " + b.why);
  } catch (const YAML::Exception& e) {
    m->errors.push_back(where + " (" + kind + "): " + e.what());
  }
}

}  // namespace

Result<Manifest> ParseManifest(const std::string& text, const std::string& origin) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(origin + ": not valid YAML/JSON: " + e.what());
  }
  Manifest m;
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
