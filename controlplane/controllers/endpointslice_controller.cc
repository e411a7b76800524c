#include "controlplane/controllers/endpointslice_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "api/labels.h"
#include "common/cidr.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr const char* kServiceIndex = "service-name";

// The port a Service port reaches on `pod`, or 0 when a named targetPort
// is not among the pod's container ports.
int32_t ResolvePort(const api::ServicePort& sp, const api::Pod& pod) {
  auto target = api::ReadIntOrString(sp.target_port(), "targetPort");
  if (!target.ok() || !target->is_set()) return sp.port();
  if (target->is_int()) return static_cast<int32_t>(target->int_value);
  std::string proto = sp.protocol().empty() ? "TCP" : sp.protocol();
  for (const auto& c : pod.spec().containers()) {
    for (const auto& p : c.ports()) {
      std::string pp = p.protocol().empty() ? "TCP" : p.protocol();
      if (p.name() == target->string_value && pp == proto) return p.container_port();
    }
  }
  return 0;
}

// One group of endpoints sharing address type and resolved ports.
struct Group {
  std::string address_type;
  std::vector<api::EndpointPort> ports;
  std::vector<api::Endpoint> endpoints;
};

std::string GroupKey(const std::string& type, const std::vector<api::EndpointPort>& ports) {
  std::string k = type;
  for (const auto& p : ports) {
    k += "|" + p.name() + "/" + p.protocol() + "/" + std::to_string(p.port());
  }
  return k;
}

bool SameEndpoints(const api::EndpointSlice& a, const api::EndpointSlice& b) {
  if (a.address_type() != b.address_type()) return false;
  if (a.ports_size() != b.ports_size() || a.endpoints_size() != b.endpoints_size()) return false;
  for (int i = 0; i < a.ports_size(); ++i) {
    if (!MessageDifferencer::Equals(a.ports(i), b.ports(i))) return false;
  }
  for (int i = 0; i < a.endpoints_size(); ++i) {
    if (!MessageDifferencer::Equals(a.endpoints(i), b.endpoints(i))) return false;
  }
  return true;
}

}  // namespace

EndpointSliceController::EndpointSliceController(api::ApiClient& client) : client_(client) {}

EndpointSliceController::~EndpointSliceController() {
  Stop();
}

void EndpointSliceController::StartInformers() {
  services_ = std::make_unique<api::Informer<api::Service>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  nodes_ = std::make_unique<api::Informer<api::Node>>(client_);
  api::InformerOptions managed;
  managed.label_selector = std::string(kManagedByLabel) + "=" + kManagedByValue;
  slices_ = std::make_unique<api::Informer<api::EndpointSlice>>(client_, managed);
  slices_->AddIndex(kServiceIndex, [](const google::protobuf::Message& m) {
    const auto* meta = api::GetObjectMeta(m);
    auto it = meta->labels().find(kServiceNameLabel);
    std::vector<std::string> out;
    if (it != meta->labels().end()) out.push_back(meta->namespace_() + "/" + it->second);
    return out;
  });

  auto svc_key = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  api::EventHandlers svc;
  svc.on_add = svc_key;
  svc.on_update = [svc_key](const api::ObjectPtr&, const api::ObjectPtr& o) { svc_key(o); };
  svc.on_delete = svc_key;
  services_->AddHandlers(std::move(svc));

  api::EventHandlers pod;
  pod.on_add = [this](const api::ObjectPtr& o) {
    EnqueueServicesFor(static_cast<const api::Pod&>(*o));
  };
  pod.on_update = [this](const api::ObjectPtr& old, const api::ObjectPtr& o) {
    EnqueueServicesFor(static_cast<const api::Pod&>(*old));
    EnqueueServicesFor(static_cast<const api::Pod&>(*o));
  };
  pod.on_delete = pod.on_add;
  pods_->AddHandlers(std::move(pod));

  api::EventHandlers slice;
  slice.on_delete = [this](const api::ObjectPtr& o) {
    // Someone deleted a slice we manage: put it back.
    auto it = api::GetObjectMeta(*o)->labels().find(kServiceNameLabel);
    if (it != api::GetObjectMeta(*o)->labels().end()) {
      queue_.Add(api::GetObjectMeta(*o)->namespace_() + "/" + it->second);
    }
  };
  slices_->AddHandlers(std::move(slice));

  nodes_->Start();
  slices_->Start();
  pods_->Start();
  services_->Start();
}

void EndpointSliceController::StopInformers() {
  for (api::InformerBase* i : std::initializer_list<api::InformerBase*>{
           services_.get(), pods_.get(), nodes_.get(), slices_.get()}) {
    if (i) i->Stop();
  }
}

void EndpointSliceController::EnqueueServicesFor(const api::Pod& pod) {
  for (const auto& svc : services_->List(pod.metadata().namespace_())) {
    if (svc->spec().selector().empty()) continue;
    if (api::Selector::FromLabels(svc->spec().selector()).Matches(pod.metadata().labels())) {
      queue_.Add(api::InformerBase::KeyOf(*svc));
    }
  }
}

Status EndpointSliceController::Reconcile(const std::string& key) {
  // Wait for complete caches, or a half-filled pod cache empties slices.
  if (!pods_->HasSynced() || !slices_->HasSynced() || !services_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto svc = services_->Get(ns, name);
  auto existing = slices_->Indexed(kServiceIndex, key);
  {
    std::lock_guard lock(pending_mu_);
    auto& pending = pending_creates_[key];
    for (const auto& s : existing)
      pending.erase(s->metadata().name());
    if (!pending.empty()) {
      queue_.AddAfter(key, std::chrono::milliseconds(50));
      return Status::Ok();
    }
    pending_creates_.erase(key);
  }
  if (!svc || svc->spec().selector().empty() || svc->spec().type() == "ExternalName") {
    // Not ours to manage (any more): the Service's deletion takes its slices
    // with it through ownerReferences; a selector removed leaves them to us.
    if (svc) {
      for (const auto& s : existing) {
        (void)api::DeleteObject<api::EndpointSlice>(client_, ns, s->metadata().name());
      }
    }
    return Status::Ok();
  }

  // Desired endpoints, grouped by address type and resolved ports.
  api::Selector selector = api::Selector::FromLabels(svc->spec().selector());
  std::vector<std::string> families(svc->spec().ip_families().begin(),
                                    svc->spec().ip_families().end());
  if (families.empty()) families.push_back("IPv4");
  std::map<std::string, Group> groups;
  auto pods = pods_->List(ns);
  std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
    return a->metadata().name() < b->metadata().name();
  });
  for (const auto& pod : pods) {
    if (!selector.Matches(pod->metadata().labels())) continue;
    if (pod->status().phase() == "Succeeded" || pod->status().phase() == "Failed") continue;
    if (pod->status().pod_ips_size() == 0 && pod->status().pod_ip().empty()) continue;
    bool terminating = pod->metadata().has_deletion_timestamp();
    bool ready = IsPodReady(*pod);
    std::vector<api::EndpointPort> ports;
    for (const auto& sp : svc->spec().ports()) {
      api::EndpointPort ep;
      ep.set_name(sp.name());
      ep.set_protocol(sp.protocol().empty() ? "TCP" : sp.protocol());
      int32_t port = ResolvePort(sp, *pod);
      if (port == 0) continue;
      ep.set_port(port);
      if (sp.has_app_protocol()) ep.set_app_protocol(sp.app_protocol());
      ports.push_back(std::move(ep));
    }
    std::vector<std::string> ips;
    for (const auto& pip : pod->status().pod_ips())
      ips.push_back(pip.ip());
    if (ips.empty()) ips.push_back(pod->status().pod_ip());
    for (const auto& family : families) {
      for (const auto& ip : ips) {
        auto parsed = net::IpAddress::Parse(ip);
        if (!parsed.ok() || parsed->v6 != (family == "IPv6")) continue;
        api::Endpoint e;
        e.add_addresses(ip);
        auto* cond = e.mutable_conditions();
        cond->set_ready(svc->spec().publish_not_ready_addresses() || (ready && !terminating));
        cond->set_serving(ready);
        cond->set_terminating(terminating);
        if (!pod->spec().hostname().empty() && pod->spec().subdomain() == name) {
          e.set_hostname(pod->spec().hostname());
        }
        auto* ref = e.mutable_target_ref();
        ref->set_kind("Pod");
        ref->set_namespace_(ns);
        ref->set_name(pod->metadata().name());
        ref->set_uid(pod->metadata().uid());
        if (!pod->spec().node_name().empty()) {
          e.set_node_name(pod->spec().node_name());
          if (auto node = nodes_->Get("", pod->spec().node_name())) {
            auto zone = node->metadata().labels().find("topology.kubernetes.io/zone");
            if (zone != node->metadata().labels().end()) e.set_zone(zone->second);
          }
        }
        auto& g = groups[GroupKey(family, ports)];
        g.address_type = family;
        g.ports = ports;
        g.endpoints.push_back(std::move(e));
      }
    }
  }
  // A Service with no endpoints still gets one empty slice per family, so
  // that consumers can tell "no endpoints" from "not synced".
  for (const auto& family : families) {
    bool any = false;
    for (const auto& [k, g] : groups)
      any = any || g.address_type == family;
    if (!any) {
      std::vector<api::EndpointPort> ports;
      for (const auto& sp : svc->spec().ports()) {
        if (api::IsSet(sp.target_port())) {
          auto t = api::ReadIntOrString(sp.target_port(), "targetPort");
          if (t.ok() && t->is_string()) continue;
        }
        api::EndpointPort ep;
        ep.set_name(sp.name());
        ep.set_protocol(sp.protocol().empty() ? "TCP" : sp.protocol());
        ep.set_port(ResolvePort(sp, api::Pod()));
        ports.push_back(std::move(ep));
      }
      groups[GroupKey(family, ports)] = Group{family, ports, {}};
    }
  }

  std::vector<api::EndpointSlice> desired;
  for (auto& [k, g] : groups) {
    size_t n = g.endpoints.size();
    size_t chunks = n == 0 ? 1 : (n + kMaxEndpointsPerSlice - 1) / kMaxEndpointsPerSlice;
    for (size_t c = 0; c < chunks; ++c) {
      api::EndpointSlice s;
      s.set_address_type(g.address_type);
      for (const auto& p : g.ports)
        *s.add_ports() = p;
      for (size_t i = c * kMaxEndpointsPerSlice; i < std::min(n, (c + 1) * kMaxEndpointsPerSlice);
           ++i) {
        *s.add_endpoints() = g.endpoints[i];
      }
      desired.push_back(std::move(s));
    }
  }

  // Reuse existing slices (same address type first), write only changes.
  std::vector<std::shared_ptr<const api::EndpointSlice>> pool = existing;
  std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) {
    return a->metadata().name() < b->metadata().name();
  });
  std::vector<bool> used(pool.size(), false);
  for (auto& want : desired) {
    int match = -1;
    for (size_t i = 0; i < pool.size() && match < 0; ++i) {
      if (!used[i] && SameEndpoints(*pool[i], want)) match = static_cast<int>(i);
    }
    for (size_t i = 0; i < pool.size() && match < 0; ++i) {
      if (!used[i] && pool[i]->address_type() == want.address_type()) match = static_cast<int>(i);
    }
    if (match >= 0) {
      used[match] = true;
      if (SameEndpoints(*pool[match], want)) continue;
      api::EndpointSlice updated = *pool[match];
      updated.clear_endpoints();
      updated.clear_ports();
      *updated.mutable_endpoints() = want.endpoints();
      *updated.mutable_ports() = want.ports();
      auto r = api::UpdateObject(client_, updated);
      if (!r.ok()) return r.status();
      continue;
    }
    auto* meta = want.mutable_metadata();
    meta->set_namespace_(ns);
    meta->set_generate_name(name + "-");
    (*meta->mutable_labels())[kServiceNameLabel] = name;
    (*meta->mutable_labels())[kManagedByLabel] = kManagedByValue;
    *meta->add_owner_references() = MakeControllerRef(*svc);
    auto r = api::CreateObject(client_, want);
    if (!r.ok()) return r.status();
    std::lock_guard lock(pending_mu_);
    pending_creates_[key].insert(r->metadata().name());
  }
  for (size_t i = 0; i < pool.size(); ++i) {
    if (used[i]) continue;
    auto s = api::DeleteObject<api::EndpointSlice>(client_, ns, pool[i]->metadata().name());
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::Ok();
}

}  // namespace skiff::controllers
