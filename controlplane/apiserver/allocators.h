// Admission plugins that reserve from shared ranges: Service cluster IPs and
// node ports, node pod CIDRs. Each reservation is a store key under
// /registry/ranges/ holding "namespace/name" of its owner, created in the
// same Txn as the object (compare create_revision == 0), so two writers can
// never get the same address and a failed write reserves nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/cidr.h"
#include "controlplane/apiserver/admission.h"

namespace skiff::apiserver {

class ServiceAllocator : public AdmissionPlugin {
 public:
  ServiceAllocator(store::Store& store, std::vector<net::Cidr> cidrs, int port_min, int port_max)
      : store_(store), cidrs_(std::move(cidrs)), port_min_(port_min), port_max_(port_max) {}
  Status Admit(const AdmissionRequest& request) override;

 private:
  store::Store& store_;
  std::vector<net::Cidr> cidrs_;  // at most one per family, the first is the default
  int port_min_, port_max_;
};

class NodeCidrAllocator : public AdmissionPlugin {
 public:
  NodeCidrAllocator(store::Store& store, std::vector<net::Cidr> cidrs, int mask_v4, int mask_v6)
      : store_(store), cidrs_(std::move(cidrs)), mask_v4_(mask_v4), mask_v6_(mask_v6) {}
  Status Admit(const AdmissionRequest& request) override;

 private:
  store::Store& store_;
  std::vector<net::Cidr> cidrs_;
  int mask_v4_, mask_v6_;
};

// A reservation key's current owner ("" when free), read from the store.
Result<std::string> ReservationOwner(store::Store& store, const std::string& key);

}  // namespace skiff::apiserver
