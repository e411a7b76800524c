#include "controlplane/apiserver/admission.h"

#include "api/quantity.h"
#include "controlplane/apiserver/allocators.h"
#include "skiff/api/core.pb.h"

namespace skiff::apiserver {
namespace {

// Status fields a new object starts with, as the Kubernetes API server sets
// them: Namespaces are Active with the "kubernetes" finalizer, Pods Pending
// with their QoS class.
class InitialStatus : public AdmissionPlugin {
 public:
  Status Admit(const AdmissionRequest& req) override {
    if (req.operation != Operation::kCreate) return Status::Ok();
    if (req.object->GetDescriptor() == api::Namespace::descriptor()) {
      auto* ns = static_cast<api::Namespace*>(req.object);
      if (ns->spec().finalizers_size() == 0) ns->mutable_spec()->add_finalizers("kubernetes");
      ns->mutable_status()->set_phase("Active");
    } else if (req.object->GetDescriptor() == api::Pod::descriptor()) {
      auto* pod = static_cast<api::Pod*>(req.object);
      if (pod->status().phase().empty()) pod->mutable_status()->set_phase("Pending");
      pod->mutable_status()->set_qos_class(QosClass(pod->spec()));
    }
    return Status::Ok();
  }

 private:
  // Guaranteed: every container has cpu and memory limits equal to requests;
  // BestEffort: no container has any request or limit; else Burstable.
  static std::string QosClass(const api::PodSpec& spec) {
    bool any = false, guaranteed = true;
    auto visit = [&](const api::Container& c) {
      const auto& req = c.resources().requests();
      const auto& lim = c.resources().limits();
      if (!req.empty() || !lim.empty()) any = true;
      for (const char* r : {"cpu", "memory"}) {
        auto l = lim.find(r);
        if (l == lim.end()) {
          guaranteed = false;
          continue;
        }
        auto q = req.find(r);
        if (q != req.end()) {
          auto a = api::Quantity::Parse(q->second);
          auto b = api::Quantity::Parse(l->second);
          if (!a.ok() || !b.ok() || !(*a == *b)) guaranteed = false;
        }
      }
    };
    for (const auto& c : spec.containers())
      visit(c);
    for (const auto& c : spec.init_containers())
      visit(c);
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }
};

Result<std::vector<net::Cidr>> ParseCidrs(const std::vector<std::string>& texts,
                                          std::string_view flag) {
  std::vector<net::Cidr> out;
  for (const auto& t : texts) {
    auto c = net::Cidr::Parse(t);
    if (!c.ok()) return c.status().WithContext(flag);
    for (const auto& prev : out) {
      if (prev.v6() == c->v6()) {
        return InvalidArgument(std::string(flag) + ": at most one range per IP family");
      }
    }
    out.push_back(*c);
  }
  if (out.empty()) return InvalidArgument(std::string(flag) + ": at least one range is required");
  return out;
}

}  // namespace

Result<std::vector<std::unique_ptr<AdmissionPlugin>>> DefaultAdmissionPlugins(
    store::Store& store, const NetworkRanges& ranges) {
  auto service_cidrs = ParseCidrs(ranges.service_cidrs, "service CIDR");
  if (!service_cidrs.ok()) return service_cidrs.status();
  auto cluster_cidrs = ParseCidrs(ranges.cluster_cidrs, "cluster CIDR");
  if (!cluster_cidrs.ok()) return cluster_cidrs.status();
  int lo = 0, hi = 0;
  if (std::sscanf(ranges.node_port_range.c_str(), "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 ||
      lo > hi) {
    return InvalidArgument("node port range \"" + ranges.node_port_range +
                           "\": want LOW-HIGH within 1-65535");
  }
  std::vector<std::unique_ptr<AdmissionPlugin>> plugins;
  plugins.push_back(std::make_unique<InitialStatus>());
  plugins.push_back(std::make_unique<ServiceAllocator>(store, *service_cidrs, lo, hi));
  plugins.push_back(std::make_unique<NodeCidrAllocator>(
      store, *cluster_cidrs, ranges.node_cidr_mask_v4, ranges.node_cidr_mask_v6));
  return plugins;
}

}  // namespace skiff::apiserver
