#include "controlplane/controllers/endpointslice_mirroring_controller.h"

#include "api/client/typed.h"
#include "common/cidr.h"
#include "controlplane/controllers/endpoints_controller.h"
#include "controlplane/controllers/endpointslice_sync.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

constexpr const char* kServiceIndex = "service-name";

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
  api::InformerOptions mirrored;
  mirrored.label_selector = std::string(kManagedByLabel) + "=" + kMirroringManagedByValue;
  slices_ = std::make_unique<api::Informer<api::EndpointSlice>>(client_, mirrored);
  slices_->AddIndex(kServiceIndex, [](const google::protobuf::Message& m) {
    const auto* meta = api::GetObjectMeta(m);
    auto it = meta->labels().find(kServiceNameLabel);
    std::vector<std::string> out;
    if (it != meta->labels().end()) out.push_back(meta->namespace_() + "/" + it->second);
    return out;
  });

  auto key_of = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  for (api::InformerBase* i :
       std::initializer_list<api::InformerBase*>{services_.get(), endpoints_.get()}) {
    api::EventHandlers h;
    h.on_add = key_of;
    h.on_update = [key_of](const api::ObjectPtr&, const api::ObjectPtr& o) { key_of(o); };
    h.on_delete = key_of;
    i->AddHandlers(std::move(h));
  }
  api::EventHandlers slice;
  slice.on_delete = [this](const api::ObjectPtr& o) {
    auto it = api::GetObjectMeta(*o)->labels().find(kServiceNameLabel);
    if (it != api::GetObjectMeta(*o)->labels().end()) {
      queue_.Add(api::GetObjectMeta(*o)->namespace_() + "/" + it->second);
    }
  };
  slices_->AddHandlers(std::move(slice));

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
  if (!created.empty()) {
    std::lock_guard lock(pending_mu_);
    pending_creates_[key].insert(created.begin(), created.end());
  }
  return written;
}

}  // namespace skiff::controllers
