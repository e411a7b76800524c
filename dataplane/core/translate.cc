#include "dataplane/core/translate.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace skiff::dataplane {
namespace {

Status Invalid(const Service& svc, const std::string& field, const std::string& why) {
  return InvalidArgument("service " + svc.Key() + ": " + field + ": " + why);
}

bool ValidPort(int32_t p) {
  return p >= 1 && p <= 65535;
}

Result<std::vector<IpAddr>> ParseAll(const Service& svc, const std::vector<std::string>& texts,
                                     const std::string& field, bool allow_none) {
  std::vector<IpAddr> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (allow_none && (texts[i] == "None" || texts[i].empty())) continue;
    auto a = IpAddr::Parse(texts[i]);
    if (!a.ok()) return Invalid(svc, field + "[" + std::to_string(i) + "]", a.status().message());
    if (a->IsZero())
      return Invalid(svc, field + "[" + std::to_string(i) + "]", "unspecified address");
    out.push_back(*a);
  }
  return out;
}

// Endpoint selection for one Service port and family (KEP-1669): ready
// endpoints are active; when none is ready, serving+terminating ones are;
// other terminating endpoints stay members without new flows.
std::vector<BackendSpec> SelectBackends(const std::vector<BackendSpec>& all,
                                        const std::vector<bool>& ready,
                                        const std::vector<bool>& serving, bool local_only) {
  std::vector<BackendSpec> out;
  bool any_ready = false;
  for (size_t i = 0; i < all.size(); ++i)
    if (ready[i] && (!local_only || all[i].backend.local)) any_ready = true;
  for (size_t i = 0; i < all.size(); ++i) {
    if (local_only && !all[i].backend.local) continue;
    BackendSpec b = all[i];
    if (ready[i]) {
      b.terminating = false;
    } else if (all[i].terminating) {
      b.terminating = any_ready || !serving[i];
    } else {
      continue;  // not ready and not terminating: not a member
    }
    out.push_back(b);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Translation> Translate(const Service& svc, const std::vector<const EndpointSlice*>& slices,
                              const NodeInfo& node) {
  Translation t;
  if (svc.ns.empty() || svc.name.empty())
    return InvalidArgument("service \"" + svc.Key() + "\": metadata.namespace and name required");
  if (svc.type == ServiceType::kExternalName) return t;  // DNS only, nothing to balance

  auto cluster_ips = ParseAll(svc, svc.cluster_ips, "spec.clusterIPs", true);
  if (!cluster_ips.ok()) return cluster_ips.status();
  auto external_ips = ParseAll(svc, svc.external_ips, "spec.externalIPs", false);
  if (!external_ips.ok()) return external_ips.status();
  auto lb_ips = ParseAll(svc, svc.lb_ingress_ips, "status.loadBalancer.ingress", false);
  if (!lb_ips.ok()) return lb_ips.status();
  if (svc.session_affinity == SessionAffinity::kClientIP &&
      (svc.affinity_timeout_s < 1 || svc.affinity_timeout_s > 86400))
    return Invalid(svc, "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                   std::to_string(svc.affinity_timeout_s) + " not in 1..86400");

  std::set<std::pair<int32_t, Protocol>> seen_ports;
  std::set<std::pair<int32_t, Protocol>> seen_node_ports;
  std::set<std::string> seen_names;
  for (size_t i = 0; i < svc.ports.size(); ++i) {
    const ServicePort& sp = svc.ports[i];
    const std::string field = "spec.ports[" + std::to_string(i) + "]";
    if (!ValidPort(sp.port))
      return Invalid(svc, field + ".port", std::to_string(sp.port) + " not in 1..65535");
    if (sp.node_port != 0 && !ValidPort(sp.node_port))
      return Invalid(svc, field + ".nodePort", std::to_string(sp.node_port) + " not in 1..65535");
    if (!seen_ports.insert({sp.port, sp.protocol}).second)
      return Invalid(svc, field,
                     "duplicate port " + std::to_string(sp.port) + "/" +
                         std::string(ProtocolName(sp.protocol)));
    if (sp.node_port && !seen_node_ports.insert({sp.node_port, sp.protocol}).second)
      return Invalid(svc, field + ".nodePort",
                     "duplicate nodePort " + std::to_string(sp.node_port));
    if (svc.ports.size() > 1 && sp.name.empty())
      return Invalid(svc, field + ".name", "required when a Service has several ports");
    if (!seen_names.insert(sp.name).second)
      return Invalid(svc, field + ".name", "duplicate port name \"" + sp.name + "\"");
    if (sp.name.size() >= 32) return Invalid(svc, field + ".name", "longer than 31 characters");
  }
  if (svc.Key().size() >= 128) return Invalid(svc, "metadata.name", "namespace/name too long");

  bool headless = cluster_ips->empty();
  std::set<Family> families;
  for (const auto& a : *cluster_ips)
    families.insert(a.family);
  if (families.empty()) families = {Family::kV4, Family::kV6};

  for (const ServicePort& sp : svc.ports) {
    if (sp.protocol == Protocol::kSCTP) {
      t.warnings.push_back("service " + svc.Key() + " port " + std::to_string(sp.port) +
                           "/SCTP skipped: SCTP is not balanced");
      continue;
    }
    PortSpec ps;
    ps.info.name = svc.Key();
    ps.info.port_name = sp.name;
    ps.info.port = static_cast<uint16_t>(sp.port);
    ps.info.proto = sp.protocol;
    bool affinity = svc.session_affinity == SessionAffinity::kClientIP;
    ps.info.affinity_timeout_s = affinity ? static_cast<uint32_t>(svc.affinity_timeout_s) : 0;
    ps.info.flags = affinity ? kSvcAffinity : 0;

    bool etp_local = svc.external_traffic_policy == TrafficPolicy::kLocal;
    auto add = [&](const IpAddr& a, int32_t port, Scope scope) {
      uint8_t flags = ps.info.flags;
      if (scope != Scope::kCluster) flags |= kSvcExternal | (etp_local ? 0 : kSvcSnatRemote);
      ps.frontends.push_back(
          {FrontendKey{a, static_cast<uint16_t>(port), sp.protocol}, scope, flags});
    };
    if (!headless)
      for (const auto& a : *cluster_ips)
        add(a, sp.port, Scope::kCluster);
    if (sp.node_port && svc.type != ServiceType::kClusterIP)
      for (Family f : families)
        add(IpAddr::Any(f), sp.node_port, Scope::kNodePort);
    for (const auto& a : *external_ips)
      add(a, sp.port, Scope::kExternal);
    if (svc.type == ServiceType::kLoadBalancer)
      for (const auto& a : *lb_ips)
        add(a, sp.port, Scope::kLoadBalancer);
    if (ps.frontends.empty()) continue;  // headless: DNS only

    // Endpoints of this port, deduplicated by (address, port).
    std::vector<BackendSpec> all;
    std::vector<bool> ready, serving;
    std::set<std::tuple<IpAddr, uint16_t>> seen;
    for (const EndpointSlice* slice : slices) {
      if (slice->ServiceKey() != svc.Key() || slice->address_type == AddressType::kFQDN) continue;
      const EndpointPort* ep = nullptr;
      for (const auto& p : slice->ports)
        if (p.name == sp.name && p.protocol == sp.protocol) ep = &p;
      if (!ep) continue;
      if (!ValidPort(ep->port)) {
        t.warnings.push_back("endpointslice " + slice->Key() + ": port \"" + ep->name + "\" " +
                             std::to_string(ep->port) + " not in 1..65535, ignored");
        continue;
      }
      for (const Endpoint& e : slice->endpoints) {
        bool r = e.ready.value_or(true);
        bool s = e.serving.value_or(r);
        bool term = e.terminating.value_or(false);
        bool local = e.node_name.empty() || e.node_name == node.name;
        for (const auto& text : e.addresses) {
          auto a = IpAddr::Parse(text);
          if (!a.ok()) {
            t.warnings.push_back("endpointslice " + slice->Key() + ": " + a.status().message() +
                                 ", endpoint ignored");
            continue;
          }
          if (!seen.insert({*a, static_cast<uint16_t>(ep->port)}).second) continue;
          BackendSpec b;
          b.backend = Backend{*a, static_cast<uint16_t>(ep->port), sp.protocol, local};
          b.weight = e.weight;
          b.terminating = term;
          all.push_back(b);
          ready.push_back(r && !term);
          serving.push_back(s);
        }
      }
    }
    bool itp_local = svc.internal_traffic_policy == TrafficPolicy::kLocal;
    for (Family f : {Family::kV4, Family::kV6}) {
      std::vector<BackendSpec> fam;
      std::vector<bool> fr, fs;
      for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].backend.addr.family != f) continue;
        fam.push_back(all[i]);
        fr.push_back(ready[i]);
        fs.push_back(serving[i]);
      }
      bool v4 = f == Family::kV4;
      ps.sets[v4 ? kSetCluster4 : kSetCluster6] = SelectBackends(fam, fr, fs, itp_local);
      ps.sets[v4 ? kSetExternal4 : kSetExternal6] = SelectBackends(fam, fr, fs, etp_local);
    }
    t.ports.push_back(std::move(ps));
  }
  return t;
}

}  // namespace skiff::dataplane
