#include "dns/api_source.h"

#include "common/log.h"
#include "common/metrics.h"

namespace skiff::dns {
namespace {

ServiceType TypeOf(const std::string& t) {
  if (t == "NodePort") return ServiceType::kNodePort;
  if (t == "LoadBalancer") return ServiceType::kLoadBalancer;
  if (t == "ExternalName") return ServiceType::kExternalName;
  return ServiceType::kClusterIP;
}

void Report(const Status& s, const std::string& what) {
  if (s.ok()) return;
  static auto& rejected = metrics::Registry::Default().GetCounter(
      "skiff_dns_objects_rejected_total", "API objects skiff-dns could not turn into records.");
  rejected.Inc();
  log::Get("dns")->warn("ignoring {}: {}", what, s.message());
}

}  // namespace

Service ToDnsService(const api::Service& s) {
  Service out;
  out.ns = s.metadata().namespace_();
  out.name = s.metadata().name();
  out.type = TypeOf(s.spec().type());
  out.cluster_ips.assign(s.spec().cluster_ips().begin(), s.spec().cluster_ips().end());
  if (out.cluster_ips.empty() && !s.spec().cluster_ip().empty()) {
    out.cluster_ips.push_back(s.spec().cluster_ip());
  }
  if (out.type == ServiceType::kExternalName) out.cluster_ips.clear();
  for (const auto& p : s.spec().ports()) {
    ServicePort sp;
    sp.name = p.name();
    sp.protocol = p.protocol().empty() ? "TCP" : p.protocol();
    sp.port = static_cast<uint16_t>(p.port());
    out.ports.push_back(std::move(sp));
  }
  out.external_name = s.spec().external_name();
  out.publish_not_ready_addresses = s.spec().publish_not_ready_addresses();
  return out;
}

EndpointSlice ToDnsSlice(const api::EndpointSlice& s) {
  EndpointSlice out;
  out.ns = s.metadata().namespace_();
  out.name = s.metadata().name();
  auto svc = s.metadata().labels().find("kubernetes.io/service-name");
  if (svc != s.metadata().labels().end()) out.service = svc->second;
  out.address_type = s.address_type() == "IPv6"   ? AddressType::kIPv6
                     : s.address_type() == "FQDN" ? AddressType::kFQDN
                                                  : AddressType::kIPv4;
  for (const auto& e : s.endpoints()) {
    Endpoint ep;
    ep.addresses.assign(e.addresses().begin(), e.addresses().end());
    ep.hostname = e.hostname();
    const auto& c = e.conditions();
    ep.ready = !c.has_ready() || c.ready();
    ep.serving = c.has_serving() ? c.serving() : ep.ready;
    ep.terminating = c.has_terminating() && c.terminating();
    if (e.target_ref().kind() == "Pod") ep.target_pod = e.target_ref().name();
    ep.node_name = e.node_name();
    out.endpoints.push_back(std::move(ep));
  }
  for (const auto& p : s.ports()) {
    ServicePort sp;
    sp.name = p.name();
    sp.protocol = p.protocol().empty() ? "TCP" : p.protocol();
    sp.port = static_cast<uint16_t>(p.port());
    out.ports.push_back(std::move(sp));
  }
  return out;
}

Pod ToDnsPod(const api::Pod& p) {
  Pod out;
  out.ns = p.metadata().namespace_();
  out.name = p.metadata().name();
  for (const auto& ip : p.status().pod_ips())
    out.ips.push_back(ip.ip());
  if (out.ips.empty() && !p.status().pod_ip().empty()) out.ips.push_back(p.status().pod_ip());
  return out;
}

ApiClusterSource::ApiClusterSource(std::unique_ptr<api::ApiClient> client, bool watch_pods)
    : client_(std::move(client)), watch_pods_(watch_pods) {}

ApiClusterSource::~ApiClusterSource() {
  Stop();
}

Status ApiClusterSource::Start(ClusterState& state) {
  state_ = &state;
  services_ = std::make_unique<api::Informer<api::Service>>(*client_);
  slices_ = std::make_unique<api::Informer<api::EndpointSlice>>(*client_);
  api::EventHandlers sh;
  sh.on_add = [this](const api::ObjectPtr& o) {
    const auto& s = static_cast<const api::Service&>(*o);
    Report(state_->UpsertService(ToDnsService(s)), "Service " + api::InformerBase::KeyOf(s));
  };
  sh.on_update = [sh](const api::ObjectPtr&, const api::ObjectPtr& o) { sh.on_add(o); };
  sh.on_delete = [this](const api::ObjectPtr& o) {
    const auto* m = api::GetObjectMeta(*o);
    state_->DeleteService(m->namespace_(), m->name());
  };
  services_->AddHandlers(std::move(sh));
  api::EventHandlers eh;
  eh.on_add = [this](const api::ObjectPtr& o) {
    const auto& s = static_cast<const api::EndpointSlice&>(*o);
    Report(state_->UpsertEndpointSlice(ToDnsSlice(s)),
           "EndpointSlice " + api::InformerBase::KeyOf(s));
  };
  eh.on_update = [eh](const api::ObjectPtr&, const api::ObjectPtr& o) { eh.on_add(o); };
  eh.on_delete = [this](const api::ObjectPtr& o) {
    const auto* m = api::GetObjectMeta(*o);
    state_->DeleteEndpointSlice(m->namespace_(), m->name());
  };
  slices_->AddHandlers(std::move(eh));
  if (watch_pods_) {
    pods_ = std::make_unique<api::Informer<api::Pod>>(*client_);
    api::EventHandlers ph;
    ph.on_add = [this](const api::ObjectPtr& o) {
      const auto& p = static_cast<const api::Pod&>(*o);
      if (p.status().pod_ip().empty() && p.status().pod_ips_size() == 0) return;
      Report(state_->UpsertPod(ToDnsPod(p)), "Pod " + api::InformerBase::KeyOf(p));
    };
    ph.on_update = [ph](const api::ObjectPtr&, const api::ObjectPtr& o) { ph.on_add(o); };
    ph.on_delete = [this](const api::ObjectPtr& o) {
      const auto* m = api::GetObjectMeta(*o);
      state_->DeletePod(m->namespace_(), m->name());
    };
    pods_->AddHandlers(std::move(ph));
    pods_->Start();
  }
  services_->Start();
  slices_->Start();
  // Synced once every informer has its first list (however long the API
  // server takes to come up).
  sync_waiter_ = std::thread([this] {
    while (!stopping_) {
      bool all = services_->HasSynced() && slices_->HasSynced() && (!pods_ || pods_->HasSynced());
      if (all) {
        state_->Flush();
        state_->MarkSynced();
        log::Get("dns")->info("synced with the API server: services={} endpointslices={}",
                              services_->size(), slices_->size());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  return Status::Ok();
}

void ApiClusterSource::Stop() {
  stopping_ = true;
  if (sync_waiter_.joinable()) sync_waiter_.join();
  for (api::InformerBase* i :
       std::initializer_list<api::InformerBase*>{services_.get(), slices_.get(), pods_.get()}) {
    if (i) i->Stop();
  }
}

}  // namespace skiff::dns
