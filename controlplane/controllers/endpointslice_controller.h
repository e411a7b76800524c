// EndpointSliceController: for every Service with a selector, the
// EndpointSlices listing the pods that match it, as Kubernetes' controller
// maintains them — one slice family per IP family (addressType IPv4/IPv6),
// at most 100 endpoints per slice, ports resolved per pod (named targetPorts
// look up the pod's container ports; pods that resolve differently go to
// different slices), conditions ready / serving / terminating,
// publishNotReadyAddresses, hostname (pods whose spec.subdomain is the
// Service's name and that set spec.hostname), targetRef, nodeName and zone.
// Slices carry the labels kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by and are owned by their Service.
// Only slices whose content changed are written.
#pragma once

#include <memory>

#include "api/client/informer.h"
#include "controlplane/controllers/controller.h"
#include "controlplane/controllers/endpointslice_sync.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"

namespace skiff::controllers {

inline constexpr const char* kManagedByValue = "endpointslice-controller.k8s.io";

class EndpointSliceController : public Controller {
 public:
  explicit EndpointSliceController(api::ApiClient& client);
  ~EndpointSliceController() override;
  std::string name() const override { return "endpointslice-controller"; }

  static constexpr int kMaxEndpointsPerSlice = 100;

 protected:
  void StartInformers() override;
  void StopInformers() override;
  Status Reconcile(const std::string& key) override;

 private:
  api::ApiClient& client_;
  PendingSliceCreates pending_;
  std::unique_ptr<api::Informer<api::Service>> services_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  std::unique_ptr<api::Informer<api::Node>> nodes_;
  std::unique_ptr<api::Informer<api::EndpointSlice>> slices_;
};

}  // namespace skiff::controllers
