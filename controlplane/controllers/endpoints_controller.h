// EndpointsController: the core/v1 Endpoints object of every Service with a selector, as
// Kubernetes' endpoints controller keeps it for the tools and users that still read
// Endpoints (`netctl get endpoints web`): named like the Service; one address per matching
// pod with an IP in the Service's primary IP family (hostname when the pod's subdomain is
// the Service, nodeName, targetRef); Ready pods (or all, with publishNotReadyAddresses)
// under addresses, the others under notReadyAddresses; terminating and finished pods left
// out; subsets grouped by the ports each pod resolves (named targetPorts per pod). At most
// 1,000 addresses, then the annotation endpoints.kubernetes.io/over-capacity=truncated.
// Labels: the Service's, service.kubernetes.io/headless for headless Services, and
// endpointslice.kubernetes.io/skip-mirror=true (the mirroring controller leaves these alone;
// the EndpointSlice controller serves the same pods as slices). The object is deleted with
// its Service; a Service without a selector is left to its user. Written only on change.
#pragma once

#include <memory>

#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "skiff/api/core.pb.h"

namespace skiff::controllers {

inline constexpr const char* kSkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";
inline constexpr const char* kHeadlessLabel = "service.kubernetes.io/headless";
inline constexpr const char* kOverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";

class EndpointsController : public Controller {
 public:
  explicit EndpointsController(api::ApiClient& client);
  ~EndpointsController() override;
  std::string name() const override { return "endpoints-controller"; }

  static constexpr int kMaxAddresses = 1000;

  // The Endpoints wanted for `svc` (with a selector) from `pods` of its namespace.
  static api::Endpoints Desired(const api::Service& svc,
                                const std::vector<std::shared_ptr<const api::Pod>>& pods);

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  api::ApiClient& client_;
  std::unique_ptr<api::Informer<api::Service>> services_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  std::unique_ptr<api::Informer<api::Endpoints>> endpoints_;
};

}  // namespace skiff::controllers
