// The backend-agnostic proxy core: keeps the latest Services and
// EndpointSlices, turns one Service at a time into frontends / service ports /
// backend sets / backends with stable ids, and plans the minimal ChangeSet
// for that Service alone (one Service change touches only its entries, so a
// change costs the same with 1 or 100,000 Services installed).
//
// Protocol: Set*/Remove* record objects; PlanService(key) computes a Plan
// without changing anything; the caller applies plan.changes to its engine
// and then calls Commit(plan) on success or Abort(plan) on failure, before the
// next PlanService. Backend sets and backends are shared between Services
// with identical content and reference-counted.
//
// Not thread-safe: one owner thread drives it (the proxy's event loop).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dataplane/core/ids.h"
#include "dataplane/core/model.h"
#include "dataplane/core/state.h"
#include "dataplane/core/translate.h"

namespace skiff::dataplane {

struct Issue {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kError;
  // Metric label: "invalid_service", "duplicate_frontend", "ids_exhausted",
  // "orphan_endpointslice", "warning".
  std::string reason;
  std::string message;
};

struct CoreLimits {
  uint32_t max_services = 262144;  // svc_id < max
  uint32_t max_sets = 131072;
  uint32_t max_backends = 262144;
  // A freed backend-set id (= Maglev table slot) is reused only after this.
  uint32_t set_quarantine_ms = 2000;
};

class Core {
 public:
  struct Plan {
    std::string service;  // "namespace/name"
    ChangeSet changes;
    std::vector<Issue> issues;
    bool ok = true;  // false: invalid input, nothing to apply, old entries stay

   private:
    friend class Core;
    struct Contribution;
    std::shared_ptr<Contribution> next;
    std::vector<uint32_t> new_svc_ids, new_set_ids, new_backend_ids;
    std::map<BackendSet, uint32_t> pending_sets;
    std::map<Backend, uint32_t> pending_backends;
    std::map<std::string, uint32_t> pending_svc_ids;
  };

  explicit Core(NodeInfo node, CoreLimits limits = {});
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Object store. Each returns the Service keys whose plan may have changed.
  std::vector<std::string> SetService(Service s);
  std::vector<std::string> RemoveService(const std::string& key);
  std::vector<std::string> SetSlice(EndpointSlice s);
  std::vector<std::string> RemoveSlice(const std::string& key);
  // Every Service key known (objects) or installed.
  std::vector<std::string> AllServiceKeys() const;

  Plan PlanService(const std::string& key);
  void Commit(Plan plan);
  void Abort(Plan plan);
  // Services that wanted a frontend another Service released; plan them again.
  std::vector<std::string> TakeRetries();

  // Seeds ids from what an engine found installed (pinned maps after a
  // restart) so unchanged entities keep their ids and flows their counters.
  void Adopt(const State& installed);
  // Forgets adopted ids nothing references any more (after the first sync).
  void ReleaseAdopted();

  // Everything committed, as one State.
  State Snapshot() const;
  // Slices whose Service is unknown, "namespace/name".
  std::vector<std::string> OrphanSlices() const;
  size_t installed_services() const { return installed_.size(); }

 private:
  struct SetEntry {
    BackendSet set;
    int refs = 0;
  };
  struct BackendEntry {
    Backend backend;
    int refs = 0;
  };
  using Contribution = Plan::Contribution;

  uint32_t SvcId(Plan& plan, const ServicePortInfo& info);
  uint32_t BackendId(Plan& plan, const Backend& b);
  uint32_t SetId(Plan& plan, const BackendSet& set);
  void ReleasePlanIds(Plan& plan);

  NodeInfo node_;
  std::map<std::string, Service> services_;
  std::map<std::string, EndpointSlice> slices_;
  std::map<std::string, std::set<std::string>> slices_by_service_;
  std::map<std::string, std::shared_ptr<Contribution>> installed_;
  std::map<FrontendKey, std::string> frontend_owner_;
  std::map<FrontendKey, std::set<std::string>> frontend_waiters_;
  std::set<std::string> retries_;

  IdAllocator svc_alloc_, set_alloc_, backend_alloc_;
  std::map<std::string, uint32_t> svc_ids_;  // service port identity -> svc_id
  struct SvcRef {
    int refs = 0;
    std::string ident;
  };
  std::map<uint32_t, SvcRef> svc_refs_;
  std::map<BackendSet, uint32_t> set_ids_;
  std::map<uint32_t, SetEntry> sets_;
  std::map<Backend, uint32_t> backend_ids_;
  std::map<uint32_t, BackendEntry> backends_;
  bool plan_open_ = false;
};

}  // namespace skiff::dataplane
