#include "controlplane/apiserver/allocators.h"

#include <set>

#include "api/kinds.h"
#include "common/random.h"
#include "skiff/api/core.pb.h"

namespace skiff::apiserver {
namespace {

constexpr int kMaxProbes = 4096;

std::string IpKey(const std::string& ip) {
  return "/registry/ranges/serviceips/" + ip;
}
std::string PortKey(int port) {
  return "/registry/ranges/servicenodeports/" + std::to_string(port);
}
std::string CidrKey(const std::string& cidr) {
  return "/registry/ranges/podcidrs/" + cidr;
}

std::string OwnerOf(const google::protobuf::Message& m) {
  const auto* meta = api::GetObjectMeta(m);
  return meta->namespace_().empty() ? meta->name() : meta->namespace_() + "/" + meta->name();
}

uint64_t RandomIndex(uint64_t n) {
  return RandomBelow(n);
}

void Reserve(store::TxnRequest* txn, const std::string& key, const std::string& owner) {
  txn->compare.push_back(
      {key, store::Compare::Target::kCreateRevision, store::Compare::Result::kEqual, 0, ""});
  txn->success.push_back({store::Op::Type::kPut, key, "", owner, false, 0});
}

void Release(store::TxnRequest* txn, const std::string& key) {
  txn->success.push_back({store::Op::Type::kDelete, key, "", "", false, 0});
}

}  // namespace

Result<std::string> ReservationOwner(store::Store& store, const std::string& key) {
  auto kv = store::Get(store, key);
  if (!kv.ok()) return kv.status();
  return kv->has_value() ? (*kv)->value : std::string();
}

namespace {

// The IPs and node ports a Service holds, from its spec.
struct Holdings {
  std::set<std::string> ips;
  std::set<int> ports;
};

Holdings HoldingsOf(const api::Service* svc) {
  Holdings h;
  if (!svc) return h;
  for (const auto& ip : svc->spec().cluster_ips()) {
    if (ip != "None" && !ip.empty()) h.ips.insert(ip);
  }
  if (!svc->spec().cluster_ip().empty() && svc->spec().cluster_ip() != "None") {
    h.ips.insert(svc->spec().cluster_ip());
  }
  for (const auto& p : svc->spec().ports()) {
    if (p.node_port()) h.ports.insert(p.node_port());
  }
  return h;
}

bool WantsNodePorts(const api::ServiceSpec& spec) {
  if (spec.type() == "NodePort") return true;
  if (spec.type() == "LoadBalancer") {
    return !spec.has_allocate_load_balancer_node_ports() ||
           spec.allocate_load_balancer_node_ports();
  }
  return false;
}

}  // namespace

Status ServiceAllocator::Admit(const AdmissionRequest& req) {
  const auto* probe = req.object ? req.object : req.old;
  if (!probe || probe->GetDescriptor() != api::Service::descriptor()) return Status::Ok();
  const auto* old = static_cast<const api::Service*>(req.old);
  Holdings before = HoldingsOf(old);
  if (req.operation == Operation::kDelete) {
    for (const auto& ip : before.ips)
      Release(req.txn, IpKey(ip));
    for (int port : before.ports)
      Release(req.txn, PortKey(port));
    return Status::Ok();
  }
  auto* svc = static_cast<api::Service*>(req.object);
  auto* spec = svc->mutable_spec();
  std::string owner = OwnerOf(*svc);

  // Cluster IPs.
  if (spec->type() == "ExternalName") {
    spec->clear_cluster_ip();
    spec->clear_cluster_ips();
    spec->clear_ip_families();
    spec->clear_ip_family_policy();
  } else if (spec->cluster_ip() == "None" ||
             (spec->cluster_ips_size() > 0 && spec->cluster_ips(0) == "None")) {
    spec->set_cluster_ip("None");
    spec->clear_cluster_ips();
    spec->add_cluster_ips("None");
    if (!spec->has_ip_family_policy()) spec->set_ip_family_policy("SingleStack");
    if (spec->ip_families_size() == 0) spec->add_ip_families(cidrs_[0].v6() ? "IPv6" : "IPv4");
  } else {
    std::vector<std::string> ips(spec->cluster_ips().begin(), spec->cluster_ips().end());
    if (ips.empty() && !spec->cluster_ip().empty()) ips.push_back(spec->cluster_ip());
    // Families wanted, in order.
    std::vector<bool> families;  // v6?
    for (const auto& ip : ips) {
      auto parsed = net::IpAddress::Parse(ip);
      if (!parsed.ok()) {
        return InvalidArgument("spec.clusterIPs: Invalid value: \"" + ip +
                               "\": must be a valid IP address");
      }
      families.push_back(parsed->v6);
    }
    if (families.empty()) {
      for (const auto& f : spec->ip_families())
        families.push_back(f == "IPv6");
    }
    if (families.empty()) families.push_back(cidrs_[0].v6());
    std::string policy = spec->has_ip_family_policy() ? spec->ip_family_policy() : "SingleStack";
    if ((policy == "PreferDualStack" || policy == "RequireDualStack") && families.size() == 1) {
      for (const auto& c : cidrs_) {
        if (c.v6() != families[0]) {
          families.push_back(c.v6());
          break;
        }
      }
      if (families.size() == 1 && policy == "RequireDualStack") {
        return InvalidArgument(
            "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not "
            "configured for dual-stack services");
      }
    }
    spec->set_ip_family_policy(policy);
    spec->clear_ip_families();
    for (bool v6 : families)
      spec->add_ip_families(v6 ? "IPv6" : "IPv4");
    std::vector<std::string> result;
    for (size_t i = 0; i < families.size(); ++i) {
      const net::Cidr* range = nullptr;
      for (const auto& c : cidrs_) {
        if (c.v6() == families[i]) range = &c;
      }
      std::string family = families[i] ? "IPv6" : "IPv4";
      if (!range) {
        return InvalidArgument("spec.ipFamilies[" + std::to_string(i) + "]: Invalid value: \"" +
                               family + "\": not configured on this cluster");
      }
      if (i < ips.size()) {
        const std::string& ip = ips[i];
        if (!before.ips.count(ip)) {
          if (!range->Contains(*net::IpAddress::Parse(ip))) {
            return InvalidArgument("spec.clusterIPs[" + std::to_string(i) + "]: Invalid value: \"" +
                                   ip + "\": provided IP is not in the valid range. The range of " +
                                   "valid IPs is " + range->ToString());
          }
          auto taken = ReservationOwner(store_, IpKey(ip));
          if (!taken.ok()) return taken.status();
          if (!taken->empty() && *taken != owner) {
            return InvalidArgument("spec.clusterIPs[" + std::to_string(i) + "]: Invalid value: \"" +
                                   ip + "\": provided IP is already allocated");
          }
          Reserve(req.txn, IpKey(ip), owner);
        }
        result.push_back(ip);
        continue;
      }
      // Allocate: skip the network address (index 0) and, for IPv4, the last.
      uint64_t size = range->Size();
      uint64_t usable = range->v6() ? size - 1 : size - 2;
      bool found = false;
      uint64_t start = RandomIndex(usable);
      for (int probe_n = 0; probe_n < kMaxProbes && probe_n < static_cast<int64_t>(usable);
           ++probe_n) {
        std::string ip = range->AddressAt(1 + (start + probe_n) % usable).ToString();
        auto taken = ReservationOwner(store_, IpKey(ip));
        if (!taken.ok()) return taken.status();
        if (taken->empty()) {
          Reserve(req.txn, IpKey(ip), owner);
          result.push_back(ip);
          found = true;
          break;
        }
      }
      if (!found) {
        return Status(StatusCode::kResourceExhausted,
                      "failed to allocate a serviceIP: range " + range->ToString() + " is full");
      }
    }
    spec->set_cluster_ip(result[0]);
    spec->clear_cluster_ips();
    for (const auto& ip : result)
      spec->add_cluster_ips(ip);
  }

  // Node ports.
  std::set<int> now_ports;
  if (WantsNodePorts(*spec)) {
    for (int i = 0; i < spec->ports_size(); ++i) {
      auto* port = spec->mutable_ports(i);
      int np = port->node_port();
      if (np) {
        if (np < port_min_ || np > port_max_) {
          return InvalidArgument("spec.ports[" + std::to_string(i) + "].nodePort: Invalid value: " +
                                 std::to_string(np) + ": provided port is not in the valid " +
                                 "range. The range of valid ports is " + std::to_string(port_min_) +
                                 "-" + std::to_string(port_max_));
        }
        if (!before.ports.count(np) && !now_ports.count(np)) {
          auto taken = ReservationOwner(store_, PortKey(np));
          if (!taken.ok()) return taken.status();
          if (!taken->empty() && *taken != owner) {
            return InvalidArgument("spec.ports[" + std::to_string(i) + "].nodePort: Invalid " +
                                   "value: " + std::to_string(np) +
                                   ": provided port is already allocated");
          }
          Reserve(req.txn, PortKey(np), owner);
        }
        now_ports.insert(np);
        continue;
      }
      int span = port_max_ - port_min_ + 1;
      int start = static_cast<int>(RandomIndex(span));
      for (int n = 0; n < span && n < kMaxProbes; ++n) {
        int candidate = port_min_ + (start + n) % span;
        if (now_ports.count(candidate) || before.ports.count(candidate)) continue;
        auto taken = ReservationOwner(store_, PortKey(candidate));
        if (!taken.ok()) return taken.status();
        if (taken->empty()) {
          Reserve(req.txn, PortKey(candidate), owner);
          port->set_node_port(candidate);
          now_ports.insert(candidate);
          break;
        }
      }
      if (!port->node_port()) {
        return Status(StatusCode::kResourceExhausted, "failed to allocate a nodePort: range " +
                                                          std::to_string(port_min_) + "-" +
                                                          std::to_string(port_max_) + " is full");
      }
    }
  } else {
    for (auto& p : *spec->mutable_ports())
      p.set_node_port(0);
  }

  Holdings after = HoldingsOf(svc);
  for (const auto& ip : before.ips) {
    if (!after.ips.count(ip)) Release(req.txn, IpKey(ip));
  }
  for (int port : before.ports) {
    if (!after.ports.count(port)) Release(req.txn, PortKey(port));
  }
  return Status::Ok();
}

Status NodeCidrAllocator::Admit(const AdmissionRequest& req) {
  const auto* probe = req.object ? req.object : req.old;
  if (!probe || probe->GetDescriptor() != api::Node::descriptor()) return Status::Ok();
  const auto* old = static_cast<const api::Node*>(req.old);
  if (req.operation == Operation::kDelete) {
    for (const auto& c : old->spec().pod_cidrs())
      Release(req.txn, CidrKey(c));
    return Status::Ok();
  }
  auto* node = static_cast<api::Node*>(req.object);
  auto* spec = node->mutable_spec();
  if (old && old->spec().pod_cidrs_size() > 0) {
    // Pod CIDRs are fixed once assigned.
    spec->set_pod_cidr(old->spec().pod_cidr());
    *spec->mutable_pod_cidrs() = old->spec().pod_cidrs();
    return Status::Ok();
  }
  if (!spec->pod_cidr().empty() || spec->pod_cidrs_size() > 0) {
    if (spec->pod_cidrs_size() == 0) spec->add_pod_cidrs(spec->pod_cidr());
    spec->set_pod_cidr(spec->pod_cidrs(0));
    for (int i = 0; i < spec->pod_cidrs_size(); ++i) {
      auto parsed = net::Cidr::Parse(spec->pod_cidrs(i));
      if (!parsed.ok()) {
        return InvalidArgument("spec.podCIDRs[" + std::to_string(i) + "]: Invalid value: \"" +
                               spec->pod_cidrs(i) + "\": must be a valid CIDR");
      }
      auto taken = ReservationOwner(store_, CidrKey(spec->pod_cidrs(i)));
      if (!taken.ok()) return taken.status();
      if (!taken->empty() && *taken != OwnerOf(*node)) {
        return InvalidArgument("spec.podCIDRs[" + std::to_string(i) + "]: Invalid value: \"" +
                               spec->pod_cidrs(i) + "\": already assigned to node " + *taken);
      }
      if (taken->empty()) Reserve(req.txn, CidrKey(spec->pod_cidrs(i)), OwnerOf(*node));
    }
    return Status::Ok();
  }
  for (const auto& range : cidrs_) {
    int mask = range.v6() ? mask_v6_ : mask_v4_;
    uint64_t count = range.SubnetCount(mask);
    bool found = false;
    for (uint64_t i = 0; i < count && i < static_cast<uint64_t>(kMaxProbes) * 16; ++i) {
      std::string cidr = range.Subnet(mask, i)->ToString();
      auto taken = ReservationOwner(store_, CidrKey(cidr));
      if (!taken.ok()) return taken.status();
      if (taken->empty()) {
        Reserve(req.txn, CidrKey(cidr), OwnerOf(*node));
        spec->add_pod_cidrs(cidr);
        found = true;
        break;
      }
    }
    if (!found) {
      return Status(StatusCode::kResourceExhausted,
                    "failed to allocate a pod CIDR: cluster CIDR " + range.ToString() + " is full");
    }
  }
  if (spec->pod_cidrs_size() > 0) spec->set_pod_cidr(spec->pod_cidrs(0));
  return Status::Ok();
}

}  // namespace skiff::apiserver
