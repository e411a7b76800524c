// Admission plugins: kind-specific steps of a write that the generic registry
// cannot know: allocating Service cluster IPs and node ports, node pod CIDRs,
// defaults that depend on the store. A plugin may change the object and add
// compares and ops to the write's store Txn, so that what it reserves is
// written atomically with the object (or not at all).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/store/store.h"

namespace google::protobuf {
class Message;
}

namespace skiff::apiserver {

enum class Operation { kCreate, kUpdate, kDelete };

struct AdmissionRequest {
  Operation operation;
  // The object being written (create/update), after defaulting and
  // validation; null on delete.
  google::protobuf::Message* object = nullptr;
  // The stored object (update/delete); null on create.
  const google::protobuf::Message* old = nullptr;
  // The write: plugins append compares and ops.
  store::TxnRequest* txn = nullptr;
};

class AdmissionPlugin {
 public:
  virtual ~AdmissionPlugin() = default;
  // Called for every write of every kind; plugins ignore kinds not theirs.
  // Errors reject the write (INVALID_ARGUMENT with a field path for bad
  // values). A conflict on what a plugin reserved surfaces as the Txn
  // failing; the registry then retries the write from the start.
  virtual Status Admit(const AdmissionRequest& request) = 0;
};

struct NetworkRanges {
  std::vector<std::string> service_cidrs = {"10.96.0.0/12"};  // one per IP family
  std::string node_port_range = "30000-32767";
  std::vector<std::string> cluster_cidrs = {"10.244.0.0/16"};  // pod addresses
  int node_cidr_mask_v4 = 24;
  int node_cidr_mask_v6 = 64;
};

// Service clusterIP(s), ipFamilies and nodePorts; Node podCIDR(s);
// Namespace and Pod status defaults. INVALID_ARGUMENT for malformed ranges.
Result<std::vector<std::unique_ptr<AdmissionPlugin>>> DefaultAdmissionPlugins(
    store::Store& store, const NetworkRanges& ranges);

}  // namespace skiff::apiserver
