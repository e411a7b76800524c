// The built-in host-local-style allocator: one address per range set,
// round-robin from the last address handed out (so a freed address is not
// reused immediately), static requests honoured, gateways never handed out.
// Every function expects the store to be locked by the caller.
#pragma once

#include <string_view>
#include <vector>

#include "cni/ipam/config.h"
#include "cni/ipam/store.h"
#include "cni/spec/error.h"

namespace skiff::cni::ipam {

struct Allocation {
  IpPrefix address;  // the address with its subnet's prefix length
  IpAddr gateway;    // the range's gateway
  size_t range_set = 0;
};

// Reserves one address per range set for (container_id, ifname). On any
// failure nothing stays reserved. Errors: kTryAgainLater when a range set is
// exhausted, kInvalidConfig when a requested address is outside the ranges,
// is a gateway or is taken, kIoFailure for store errors.
Expected<std::vector<Allocation>> Allocate(Store& store, const Config& config,
                                           std::string_view container_id, std::string_view ifname);

// True when every range set still has at least one free address.
Expected<bool> HasFreeAddresses(Store& store, const Config& config);

}  // namespace skiff::cni::ipam
