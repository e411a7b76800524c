#include "dataplane/proxy/api_source.h"

#include "api/client/remote_client.h"
#include "api/int_or_string.h"
#include "common/log.h"

namespace skiff::dataplane {
namespace {

Protocol ProtocolOf(const std::string& p) {
  if (p == "UDP") return Protocol::kUDP;
  if (p == "SCTP") return Protocol::kSCTP;
  return Protocol::kTCP;
}

}  // namespace

Service ToModel(const api::Service& s) {
  Service out;
  out.ns = s.metadata().namespace_();
  out.name = s.metadata().name();
  const auto& spec = s.spec();
  out.type = spec.type() == "NodePort"       ? ServiceType::kNodePort
             : spec.type() == "LoadBalancer" ? ServiceType::kLoadBalancer
             : spec.type() == "ExternalName" ? ServiceType::kExternalName
                                             : ServiceType::kClusterIP;
  out.cluster_ips.assign(spec.cluster_ips().begin(), spec.cluster_ips().end());
  if (out.cluster_ips.empty() && !spec.cluster_ip().empty())
    out.cluster_ips.push_back(spec.cluster_ip());
  out.external_ips.assign(spec.external_ips().begin(), spec.external_ips().end());
  for (const auto& ing : s.status().load_balancer().ingress()) {
    if (!ing.ip().empty()) out.lb_ingress_ips.push_back(ing.ip());
  }
  for (const auto& p : spec.ports()) {
    ServicePort sp;
    sp.name = p.name();
    sp.protocol = ProtocolOf(p.protocol());
    sp.port = p.port();
    sp.node_port = p.node_port();
    auto target = api::ReadIntOrString(p.target_port(), "targetPort");
    if (target.ok() && target->is_int()) {
      sp.target_port.number = static_cast<int32_t>(target->int_value);
    } else if (target.ok() && target->is_string()) {
      sp.target_port.name = target->string_value;
    } else {
      sp.target_port.number = p.port();
    }
    out.ports.push_back(std::move(sp));
  }
  out.session_affinity =
      spec.session_affinity() == "ClientIP" ? SessionAffinity::kClientIP : SessionAffinity::kNone;
  if (spec.session_affinity_config().client_ip().has_timeout_seconds()) {
    out.affinity_timeout_s = spec.session_affinity_config().client_ip().timeout_seconds();
  }
  out.external_traffic_policy =
      spec.external_traffic_policy() == "Local" ? TrafficPolicy::kLocal : TrafficPolicy::kCluster;
  out.internal_traffic_policy =
      spec.has_internal_traffic_policy() && spec.internal_traffic_policy() == "Local"
          ? TrafficPolicy::kLocal
          : TrafficPolicy::kCluster;
  return out;
}

EndpointSlice ToModel(const api::EndpointSlice& s) {
  EndpointSlice out;
  out.ns = s.metadata().namespace_();
  out.name = s.metadata().name();
  auto svc = s.metadata().labels().find("kubernetes.io/service-name");
  if (svc != s.metadata().labels().end()) out.service_name = svc->second;
  out.address_type = s.address_type() == "IPv6"   ? AddressType::kIPv6
                     : s.address_type() == "FQDN" ? AddressType::kFQDN
                                                  : AddressType::kIPv4;
  for (const auto& e : s.endpoints()) {
    Endpoint ep;
    ep.addresses.assign(e.addresses().begin(), e.addresses().end());
    if (e.conditions().has_ready()) ep.ready = e.conditions().ready();
    if (e.conditions().has_serving()) ep.serving = e.conditions().serving();
    if (e.conditions().has_terminating()) ep.terminating = e.conditions().terminating();
    ep.node_name = e.node_name();
    ep.zone = e.zone();
    out.endpoints.push_back(std::move(ep));
  }
  for (const auto& p : s.ports()) {
    EndpointPort ep;
    ep.name = p.name();
    ep.protocol = ProtocolOf(p.protocol());
    ep.port = p.port();
    out.ports.push_back(std::move(ep));
  }
  return out;
}

ApiServiceSource::ApiServiceSource(std::unique_ptr<api::ApiClient> client)
    : client_(std::move(client)) {}

ApiServiceSource::~ApiServiceSource() {
  Stop();
}

void ApiServiceSource::Emit(ServiceEvent ev) {
  std::lock_guard lock(emit_mu_);  // two informers and the sync waiter share the handler
  handler_(std::move(ev));
}

Status ApiServiceSource::Start(EventHandler handler) {
  handler_ = std::move(handler);
  services_ = std::make_unique<api::Informer<api::Service>>(*client_);
  slices_ = std::make_unique<api::Informer<api::EndpointSlice>>(*client_);
  api::EventHandlers sh;
  sh.on_add = [this](const api::ObjectPtr& o) {
    ServiceEvent ev;
    ev.kind = ServiceEvent::Kind::kUpsertService;
    ev.service = ToModel(static_cast<const api::Service&>(*o));
    Emit(std::move(ev));
  };
  sh.on_update = [sh](const api::ObjectPtr&, const api::ObjectPtr& o) { sh.on_add(o); };
  sh.on_delete = [this](const api::ObjectPtr& o) {
    ServiceEvent ev;
    ev.kind = ServiceEvent::Kind::kDeleteService;
    ev.key = api::InformerBase::KeyOf(*o);
    Emit(std::move(ev));
  };
  services_->AddHandlers(std::move(sh));
  api::EventHandlers eh;
  eh.on_add = [this](const api::ObjectPtr& o) {
    ServiceEvent ev;
    ev.kind = ServiceEvent::Kind::kUpsertSlice;
    ev.slice = ToModel(static_cast<const api::EndpointSlice&>(*o));
    Emit(std::move(ev));
  };
  eh.on_update = [eh](const api::ObjectPtr&, const api::ObjectPtr& o) { eh.on_add(o); };
  eh.on_delete = [this](const api::ObjectPtr& o) {
    ServiceEvent ev;
    ev.kind = ServiceEvent::Kind::kDeleteSlice;
    ev.key = api::InformerBase::KeyOf(*o);
    Emit(std::move(ev));
  };
  slices_->AddHandlers(std::move(eh));
  // Slices first: a Service arriving after its endpoints is installed whole.
  slices_->Start();
  services_->Start();
  sync_waiter_ = std::thread([this] {
    while (!stopping_) {
      if (services_->HasSynced() && slices_->HasSynced()) {
        // Informers deliver a list's adds before they report synced, so
        // every existing object has been emitted by now.
        ServiceEvent ev;
        ev.kind = ServiceEvent::Kind::kSynced;
        Emit(std::move(ev));
        log::Get("proxy")->info("msg=\"synced with the API server\" services={} endpointslices={}",
                                services_->size(), slices_->size());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  return Status::Ok();
}

void ApiServiceSource::Stop() {
  stopping_ = true;
  if (sync_waiter_.joinable()) sync_waiter_.join();
  if (services_) services_->Stop();
  if (slices_) slices_->Stop();
}

bool ApiServiceSource::Healthy() const {
  return services_ && slices_ && services_->HasSynced() && slices_->HasSynced();
}

Result<std::unique_ptr<ServiceSource>> MakeApiServiceSource(const std::string& path) {
  auto client = api::ConnectFromFile(path);
  if (!client.ok()) return client.status().WithContext("--config " + path);
  return std::unique_ptr<ServiceSource>(new ApiServiceSource(std::move(*client)));
}

}  // namespace skiff::dataplane
