#include "controlplane/controllers/endpointslice_controller.h"

#include <algorithm>
#include <map>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "api/labels.h"
#include "common/cidr.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {}  // namespace

EndpointSliceController::EndpointSliceController(api::ApiClient& client) : client_(client) {}

EndpointSliceController::~EndpointSliceController() {
  Stop();
}

void EndpointSliceController::StartInformers() {
  services_ = std::make_unique<api::Informer<api::Service>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  nodes_ = std::make_unique<api::Informer<api::Node>>(client_);
  slices_ = ManagedSliceInformer(client_, kManagedByValue, queue_);
  services_->AddHandlers(QueueOwnKey(queue_));
  pods_->AddHandlers(QueueServicesOfPod(*services_, queue_));

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

Status EndpointSliceController::Reconcile(const std::string& key) {
  // Wait for complete caches, or a half-filled pod cache empties slices.
  if (!pods_->HasSynced() || !slices_->HasSynced() || !services_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto svc = services_->Get(ns, name);
  auto existing = slices_->Indexed(kSliceServiceIndex, key);
  if (pending_.Waiting(key, existing)) {
    queue_.AddAfter(key, std::chrono::milliseconds(50));
    return Status::Ok();
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
  SliceGroups groups;
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
      int32_t port = ResolveServicePort(sp, *pod);
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
        GroupFor(groups, family, ports).endpoints.push_back(std::move(e));
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
        ep.set_port(ResolveServicePort(sp, api::Pod()));
        ports.push_back(std::move(ep));
      }
      GroupFor(groups, family, ports);
    }
  }

  SliceOwner owner{ns, name, kManagedByValue, MakeControllerRef(*svc), {}};
  std::set<std::string> created;
  Status written =
      WriteSlices(client_, owner, existing, SlicesFor(groups, kMaxEndpointsPerSlice), &created);
  pending_.Add(key, created);
  return written;
}

}  // namespace skiff::controllers
