#include "controlplane/controllers/endpoints_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "api/client/typed.h"
#include "api/labels.h"
#include "common/cidr.h"
#include "controlplane/controllers/endpointslice_sync.h"
#include "controlplane/controllers/pod_util.h"

namespace skiff::controllers {
namespace {

using google::protobuf::util::MessageDifferencer;

// The pod's IP in `family` (IPv4/IPv6), or "".
std::string PodIpOf(const api::Pod& pod, const std::string& family) {
  std::vector<std::string> ips;
  for (const auto& pip : pod.status().pod_ips())
    ips.push_back(pip.ip());
  if (ips.empty() && !pod.status().pod_ip().empty()) ips.push_back(pod.status().pod_ip());
  for (const auto& ip : ips) {
    auto parsed = net::IpAddress::Parse(ip);
    if (parsed.ok() && parsed->v6 == (family == "IPv6")) return ip;
  }
  return "";
}

std::string PortsKey(const std::vector<api::CoreEndpointPort>& ports) {
  std::string k;
  for (const auto& p : ports)
    k += p.name() + "/" + p.protocol() + "/" + std::to_string(p.port()) + "|";
  return k;
}

bool SameEndpoints(const api::Endpoints& a, const api::Endpoints& b) {
  if (a.subsets_size() != b.subsets_size()) return false;
  for (int i = 0; i < a.subsets_size(); ++i) {
    if (!MessageDifferencer::Equals(a.subsets(i), b.subsets(i))) return false;
  }
  auto same_map = [](const auto& x, const auto& y) {
    return std::map<std::string, std::string>(x.begin(), x.end()) ==
           std::map<std::string, std::string>(y.begin(), y.end());
  };
  return same_map(a.metadata().labels(), b.metadata().labels()) &&
         a.metadata().annotations().contains(kOverCapacityAnnotation) ==
             b.metadata().annotations().contains(kOverCapacityAnnotation);
}

}  // namespace

EndpointsController::EndpointsController(api::ApiClient& client) : client_(client) {}

EndpointsController::~EndpointsController() {
  Stop();
}

void EndpointsController::StartInformers() {
  services_ = std::make_unique<api::Informer<api::Service>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  endpoints_ = std::make_unique<api::Informer<api::Endpoints>>(client_);
  services_->AddHandlers(QueueOwnKey(queue_));
  pods_->AddHandlers(QueueServicesOfPod(*services_, queue_));
  // Someone edited or deleted an Endpoints we keep: put it right.
  api::EventHandlers eps = QueueOwnKey(queue_);
  eps.on_add = nullptr;
  endpoints_->AddHandlers(std::move(eps));

  endpoints_->Start();
  pods_->Start();
  services_->Start();
}

void EndpointsController::StopInformers() {
  for (api::InformerBase* i :
       std::initializer_list<api::InformerBase*>{services_.get(), pods_.get(), endpoints_.get()}) {
    if (i) i->Stop();
  }
}

api::Endpoints EndpointsController::Desired(
    const api::Service& svc, const std::vector<std::shared_ptr<const api::Pod>>& pods) {
  const std::string& ns = svc.metadata().namespace_();
  const std::string& name = svc.metadata().name();
  const bool publish_not_ready = svc.spec().publish_not_ready_addresses();
  const std::string family =
      svc.spec().ip_families_size() > 0 ? svc.spec().ip_families(0) : std::string("IPv4");
  api::Selector selector = api::Selector::FromLabels(svc.spec().selector());

  // Subsets keyed by their port lists (Kubernetes' RepackSubsets), addresses by IP.
  struct Subset {
    std::vector<api::CoreEndpointPort> ports;
    std::map<std::string, api::EndpointAddress> ready, not_ready;
  };
  std::map<std::string, Subset> subsets;
  int total = 0;
  bool truncated = false;
  std::vector<std::shared_ptr<const api::Pod>> sorted = pods;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a->metadata().name() < b->metadata().name();
  });
  for (const auto& pod : sorted) {
    if (!selector.Matches(pod->metadata().labels())) continue;
    if (pod->status().phase() == "Succeeded" || pod->status().phase() == "Failed") continue;
    if (pod->metadata().has_deletion_timestamp() && !publish_not_ready) continue;
    std::string ip = PodIpOf(*pod, family);
    if (ip.empty()) continue;
    if (total == kMaxAddresses) {
      truncated = true;
      break;
    }
    ++total;
    api::EndpointAddress address;
    address.set_ip(ip);
    if (!pod->spec().hostname().empty() && pod->spec().subdomain() == name) {
      address.set_hostname(pod->spec().hostname());
    }
    if (!pod->spec().node_name().empty()) address.set_node_name(pod->spec().node_name());
    auto* ref = address.mutable_target_ref();
    ref->set_kind("Pod");
    ref->set_namespace_(ns);
    ref->set_name(pod->metadata().name());
    ref->set_uid(pod->metadata().uid());
    std::vector<api::CoreEndpointPort> ports;
    for (const auto& sp : svc.spec().ports()) {
      int32_t port = ResolveServicePort(sp, *pod);
      if (port == 0) continue;
      api::CoreEndpointPort p;
      p.set_name(sp.name());
      p.set_port(port);
      p.set_protocol(sp.protocol().empty() ? "TCP" : sp.protocol());
      if (sp.has_app_protocol()) p.set_app_protocol(sp.app_protocol());
      ports.push_back(std::move(p));
    }
    std::sort(ports.begin(), ports.end(), [](const auto& a, const auto& b) {
      return std::make_tuple(a.name(), a.port(), a.protocol()) <
             std::make_tuple(b.name(), b.port(), b.protocol());
    });
    Subset& s = subsets[PortsKey(ports)];
    s.ports = ports;
    bool ready = publish_not_ready || IsPodReady(*pod);
    (ready ? s.ready : s.not_ready)[ip] = std::move(address);
  }

  api::Endpoints out;
  auto* meta = out.mutable_metadata();
  meta->set_name(name);
  meta->set_namespace_(ns);
  *meta->mutable_labels() = svc.metadata().labels();
  (*meta->mutable_labels())[kSkipMirrorLabel] = "true";
  if (svc.spec().cluster_ip() == "None") (*meta->mutable_labels())[kHeadlessLabel] = "";
  if (truncated) (*meta->mutable_annotations())[kOverCapacityAnnotation] = "truncated";
  for (auto& [key, s] : subsets) {
    api::EndpointSubset* subset = out.add_subsets();
    for (auto& [ip, a] : s.ready)
      *subset->add_addresses() = std::move(a);
    for (auto& [ip, a] : s.not_ready)
      *subset->add_not_ready_addresses() = std::move(a);
    for (auto& p : s.ports)
      *subset->add_ports() = std::move(p);
  }
  return out;
}

Status EndpointsController::Reconcile(const std::string& key) {
  if (!pods_->HasSynced() || !services_->HasSynced() || !endpoints_->HasSynced()) {
    queue_.AddAfter(key, std::chrono::milliseconds(100));
    return Status::Ok();
  }
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto svc = services_->Get(ns, name);
  auto have = endpoints_->Get(ns, name);
  if (!svc) {
    // Only ours (skip-mirror) go with the Service; a user's Endpoints stays.
    if (have && have->metadata().labels().contains(kSkipMirrorLabel)) {
      Status s = api::DeleteObject<api::Endpoints>(client_, ns, name);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    }
    return Status::Ok();
  }
  if (svc->spec().selector().empty()) return Status::Ok();

  api::Endpoints want = Desired(*svc, pods_->List(ns));
  if (have && SameEndpoints(*have, want)) return Status::Ok();
  if (!have) {
    auto r = api::CreateObject(client_, want);
    if (r.ok() || r.status().code() != StatusCode::kAlreadyExists) return r.status();
    return Status(StatusCode::kUnavailable, "endpoints " + key + " exists: cache not yet seen");
  }
  api::Endpoints updated = *have;
  *updated.mutable_subsets() = want.subsets();
  *updated.mutable_metadata()->mutable_labels() = want.metadata().labels();
  auto* annotations = updated.mutable_metadata()->mutable_annotations();
  annotations->erase(kOverCapacityAnnotation);
  for (const auto& [k, v] : want.metadata().annotations())
    (*annotations)[k] = v;
  return api::UpdateObject(client_, updated).status();
}

}  // namespace skiff::controllers
