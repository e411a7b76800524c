// EndpointSliceMirroringController: a Service without a selector gets its endpoints from an
// Endpoints object its user writes (the classic way to point a Service at something outside
// the cluster); as in Kubernetes, this controller mirrors such Endpoints into EndpointSlices
// so that everything reading slices (skiff-proxy, skiff-dns) serves them. Per subset and IP
// family one slice family: addresses as ready/serving endpoints, notReadyAddresses as not
// ready, hostname, nodeName and targetRef kept, the subset's ports; at most 1,000 addresses
// per subset (Kubernetes' --mirroring-max-endpoints-per-subset), at most 1,000 endpoints per
// slice. Slices carry the Endpoints' labels plus kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io and are
// owned by the Endpoints. Not mirrored (and mirrored slices removed): Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true (what the endpoints controller writes), and
// Endpoints whose Service is missing or has a selector.
#pragma once

#include <memory>

#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "controlplane/controllers/endpointslice_sync.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"

namespace skiff::controllers {

inline constexpr const char* kMirroringManagedByValue = "endpointslicemirroring-controller.k8s.io";

class EndpointSliceMirroringController : public Controller {
 public:
  explicit EndpointSliceMirroringController(api::ApiClient& client);
  ~EndpointSliceMirroringController() override;
  std::string name() const override { return "endpointslicemirroring-controller"; }

  static constexpr int kMaxAddressesPerSubset = 1000;
  static constexpr int kMaxEndpointsPerSlice = 1000;

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  api::ApiClient& client_;
  PendingSliceCreates pending_;
  std::unique_ptr<api::Informer<api::Service>> services_;
  std::unique_ptr<api::Informer<api::Endpoints>> endpoints_;
  std::unique_ptr<api::Informer<api::EndpointSlice>> slices_;
};

}  // namespace skiff::controllers
