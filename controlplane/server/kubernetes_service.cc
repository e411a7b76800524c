#include "controlplane/server/kubernetes_service.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <google/protobuf/util/message_differencer.h>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "common/cidr.h"
#include "common/log.h"
#include "skiff/api/core.pb.h"

namespace skiff::server {
namespace {

constexpr const char* kNamespace = "default";
constexpr const char* kName = "kubernetes";

bool IsLoopback(const net::IpAddress& ip) {
  if (!ip.v6) return ip.bytes[0] == 127;
  std::array<uint8_t, 16> one{};
  one[15] = 1;
  return ip.bytes == one;
}

bool IsUnspecified(const net::IpAddress& ip) {
  return ip.bytes == std::array<uint8_t, 16>{};
}

// The first address of each service range: the Service's ClusterIP(s).
std::vector<std::string> ServiceIps(const std::vector<std::string>& cidrs) {
  std::vector<std::string> out;
  for (const std::string& text : cidrs) {
    auto cidr = net::Cidr::Parse(text);
    if (cidr.ok() && cidr->Size() >= 2) out.push_back(cidr->AddressAt(1).ToString());
  }
  return out;
}

api::Service DesiredService(const KubernetesServiceOptions& o) {
  api::Service svc;
  svc.mutable_metadata()->set_name(kName);
  svc.mutable_metadata()->set_namespace_(kNamespace);
  auto& labels = *svc.mutable_metadata()->mutable_labels();
  labels["component"] = "apiserver";
  labels["provider"] = "kubernetes";
  auto* spec = svc.mutable_spec();
  spec->set_type("ClusterIP");
  spec->set_session_affinity("None");
  for (const std::string& ip : ServiceIps(o.service_cidrs)) {
    if (spec->cluster_ip().empty()) spec->set_cluster_ip(ip);
    spec->add_cluster_ips(ip);
    spec->add_ip_families(ip.find(':') != std::string::npos ? "IPv6" : "IPv4");
  }
  if (spec->ip_families_size() > 1) spec->set_ip_family_policy("RequireDualStack");
  auto* port = spec->add_ports();
  port->set_name("https");
  port->set_protocol("TCP");
  port->set_port(443);
  api::SetInt(port->mutable_target_port(), o.port);
  return svc;
}

Status EnsureService(api::ApiClient& client, const KubernetesServiceOptions& o) {
  api::Service want = DesiredService(o);
  auto have = api::GetObject<api::Service>(client, kNamespace, kName);
  if (have.ok()) {
    const auto& ports = have->spec().ports();
    // Someone's edit (a named or missing targetPort included) is put back.
    bool same = false;
    if (ports.size() == 1 && ports[0].port() == 443) {
      auto target = api::ReadIntOrString(ports[0].target_port(), "targetPort");
      same = target.ok() && target->is_int() && target->int_value == o.port;
    }
    if (same) return Status::Ok();
    *have->mutable_spec()->mutable_ports() = want.spec().ports();
    return api::UpdateObject(client, *have).status().WithContext("service default/kubernetes");
  }
  if (have.status().code() != StatusCode::kNotFound) return have.status();
  auto created = api::CreateObject(client, want);
  if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
  // The first address is someone else's (a store from before this Service existed): take any.
  log::Get("server")->warn("service default/kubernetes: {}; letting the allocator pick its IP",
                           created.status().ToString());
  want.mutable_spec()->clear_cluster_ip();
  want.mutable_spec()->clear_cluster_ips();
  return api::CreateObject(client, want).status().WithContext("service default/kubernetes");
}

Status EnsureEndpoints(api::ApiClient& client, const KubernetesServiceOptions& o) {
  if (o.advertise_address.empty()) return Status::Ok();
  api::Endpoints want;
  want.mutable_metadata()->set_name(kName);
  want.mutable_metadata()->set_namespace_(kNamespace);
  auto* subset = want.add_subsets();
  subset->add_addresses()->set_ip(o.advertise_address);
  auto* port = subset->add_ports();
  port->set_name("https");
  port->set_port(o.port);
  port->set_protocol("TCP");
  auto have = api::GetObject<api::Endpoints>(client, kNamespace, kName);
  if (have.ok()) {
    if (have->subsets_size() == 1 &&
        google::protobuf::util::MessageDifferencer::Equals(have->subsets(0), *subset)) {
      return Status::Ok();
    }
    *have->mutable_subsets() = want.subsets();
    return api::UpdateObject(client, *have).status().WithContext("endpoints default/kubernetes");
  }
  if (have.status().code() != StatusCode::kNotFound) return have.status();
  return api::CreateObject(client, want).status().WithContext("endpoints default/kubernetes");
}

}  // namespace

Status EnsureKubernetesService(api::ApiClient& client, const KubernetesServiceOptions& options) {
  SKIFF_RETURN_IF_ERROR(EnsureService(client, options));
  return EnsureEndpoints(client, options);
}

std::vector<std::string> KubernetesServiceNames(const KubernetesServiceOptions& options) {
  std::vector<std::string> out = {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                  "kubernetes.default.svc.cluster.local"};
  for (std::string& ip : ServiceIps(options.service_cidrs))
    out.push_back(std::move(ip));
  if (!options.advertise_address.empty()) out.push_back(options.advertise_address);
  return out;
}

std::string DefaultAdvertiseAddress(const std::string& listen_host) {
  if (listen_host == "localhost") return "";
  if (!listen_host.empty()) {
    auto listen = net::IpAddress::Parse(listen_host);
    if (!listen.ok() || IsLoopback(*listen)) return "";
    if (!IsUnspecified(*listen)) return listen->ToString();
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string out;
  for (ifaddrs* i = list; i && out.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char buf[INET_ADDRSTRLEN];
    auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf)) out = buf;
  }
  freeifaddrs(list);
  return out;
}

}  // namespace skiff::server
