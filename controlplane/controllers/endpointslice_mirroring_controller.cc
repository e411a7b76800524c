#include "controlplane/controllers/endpointslice_mirroring_controller.h"

#include "api/client/typed.h"
#include "common/cidr.h"
#include "controlplane/controllers/endpoints_controller.h"
#include "controlplane/controllers/endpointslice_sync.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

api::Endpoint MirrorAddress(const api::EndpointAddress& a, bool ready) {
  api::Endpoint e;
  e.add_addresses(a.ip());
  e.mutable_conditions()->set_ready(ready);
  e.mutable_conditions()->set_serving(ready);
  e.mutable_conditions()->set_terminating(false);
  if (!a.hostname().empty()) e.set_hostname(a.hostname());
  if (!a.node_name().empty()) e.set_node_name(a.node_name());
  if (a.has_target_ref()) *e.mutable_target_ref() = a.target_ref();
  return e;
}

// The endpoints' slice groups: one per subset and address family.
SliceGroups GroupsOf(const api::Endpoints& eps, int max_per_subset) {
  SliceGroups groups;
  for (const api::EndpointSubset& subset : eps.subsets()) {
    std::vector<api::EndpointPort> ports;
    for (const api::CoreEndpointPort& p : subset.ports()) {
      api::EndpointPort port;
      port.set_name(p.name());
      port.set_port(p.port());
      port.set_protocol(p.protocol().empty() ? "TCP" : p.protocol());
      if (p.has_app_protocol()) port.set_app_protocol(p.app_protocol());
      ports.push_back(std::move(port));
    }
    int mirrored = 0;
    auto add = [&](const api::EndpointAddress& a, bool ready) {
      auto ip = net::IpAddress::Parse(a.ip());
      if (!ip.ok() || mirrored == max_per_subset) return;
      ++mirrored;
      GroupFor(groups, ip->v6 ? "IPv6" : "IPv4", ports)
          .endpoints.push_back(MirrorAddress(a, ready));
    };
    for (const auto& a : subset.addresses())
      add(a, true);
    for (const auto& a : subset.not_ready_addresses())
      add(a, false);
  }
  return groups;
}

}  // namespace

EndpointSliceMirroringController::EndpointSliceMirroringController(api::ApiClient& client)
    : client_(client) {}

EndpointSliceMirroringController::~EndpointSliceMirroringController() {
  Stop();
}

void EndpointSliceMirroringController::StartInformers() {
  services_ = std::make_unique<api::Informer<api::Service>>(client_);
  endpoints_ = std::make_unique<api::Informer<api::Endpoints>>(client_);
  slices_ = ManagedSliceInformer(client_, kMirroringManagedByValue, queue_);
  services_->AddHandlers(QueueOwnKey(queue_));
  endpoints_->AddHandlers(QueueOwnKey(queue_));

  slices_->Start();
  endpoints_->Start();
  services_->Start();
}

void EndpointSliceMirroringController::StopInformers() {
  for (api::InformerBase* i : std::initializer_list<api::InformerBase*>{
           services_.get(), endpoints_.get(), slices_.get()}) {
    if (i) i->Stop();
  }
}

Status EndpointSliceMirroringController::Reconcile(const std::string& key) {
  if (!services_->HasSynced() || !endpoints_->HasSynced() || !slices_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto existing = slices_->Indexed(kSliceServiceIndex, key);
  if (pending_.Waiting(key, existing)) {
    queue_.AddAfter(key, std::chrono::milliseconds(50));
    return Status::Ok();
  }
  auto svc = services_->Get(ns, name);
  auto eps = endpoints_->Get(ns, name);
  bool mirror = svc && svc->spec().selector().empty() && svc->spec().type() != "ExternalName" &&
                eps && !eps->metadata().labels().contains(kSkipMirrorLabel);
  if (!mirror) {
    for (const auto& s : existing) {
      Status d = api::DeleteObject<api::EndpointSlice>(client_, ns, s->metadata().name());
      if (!d.ok() && d.code() != StatusCode::kNotFound) return d;
    }
    return Status::Ok();
  }
  SliceOwner owner{ns, name, kMirroringManagedByValue, MakeControllerRef(*eps), {}};
  for (const auto& [k, v] : eps->metadata().labels()) {
    if (k != kServiceNameLabel && k != kManagedByLabel) owner.extra_labels[k] = v;
  }
  std::set<std::string> created;
  Status written = WriteSlices(
      client_, owner, existing,
      SlicesFor(GroupsOf(*eps, kMaxAddressesPerSubset), kMaxEndpointsPerSlice), &created);
  pending_.Add(key, created);
  return written;
}

}  // namespace skiff::controllers
