// The DNS server's input: Services, EndpointSlices and Pods as plain structs
// (Kubernetes field meanings), and ClusterState, which turns incremental
// upserts/deletes of them into immutable Zone snapshots.
//
// Seam for the watch client: the informer adapter calls Upsert*/Delete* for
// every event and MarkSynced() once the initial lists are applied. Until
// then every name under an authoritative apex answers SERVFAIL.
//
// Thread-safety: every method may be called from any thread. Mutations are
// cheap (they record the change); a background publisher thread recompiles
// the changed Services and publishes a new snapshot, coalescing bursts for
// at most `coalesce_window`. Readers use snapshots() without locks.
//
// Incremental publication: each Service (and verified Pod) compiles to a
// fragment of records; indexes map every owner name to its fragments and
// count the fragments below every non-terminal. A change publishes a delta
// Zone holding the complete RRsets of just the names it touched (or
// "absent" markers) on top of the last full zone, so it costs O(change), not
// O(cluster). After kConsolidateAfter without changes, or when a delta would
// exceed kMaxDeltaNames, the full zone is rebuilt and the delta dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "dns/responder.h"
#include "dns/snapshot_cell.h"
#include "dns/zone.h"

namespace skiff::dns {

enum class ServiceType { kClusterIP, kNodePort, kLoadBalancer, kExternalName };

struct ServicePort {
  std::string name;              // "" for an unnamed port (no SRV record)
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  uint16_t port = 0;             // 1..65535
};

struct Service {
  std::string ns;    // metadata.namespace
  std::string name;  // metadata.name
  ServiceType type = ServiceType::kClusterIP;
  // spec.clusterIPs: IPv4/IPv6 literals; {"None"} makes the Service headless;
  // empty means not allocated yet (the name exists without addresses).
  std::vector<std::string> cluster_ips;
  std::vector<ServicePort> ports;
  std::string external_name;  // spec.externalName (ExternalName only)
  bool publish_not_ready_addresses = false;

  bool headless() const { return cluster_ips.size() == 1 && cluster_ips[0] == "None"; }
};

enum class AddressType { kIPv4, kIPv6, kFQDN };

struct Endpoint {
  std::vector<std::string> addresses;  // of the slice's address type
  std::string hostname;                // "" derives one from the address
  bool ready = true;                   // conditions.ready (unset means true)
  bool serving = true;
  bool terminating = false;
  std::string target_pod;  // targetRef.name when it is a Pod
  std::string node_name;
};

struct EndpointSlice {
  std::string ns;
  std::string name;
  std::string service;  // label kubernetes.io/service-name
  AddressType address_type = AddressType::kIPv4;
  std::vector<Endpoint> endpoints;
  std::vector<ServicePort> ports;
};

struct Pod {
  std::string ns;
  std::string name;
  std::vector<std::string> ips;  // status.podIPs
};

struct ClusterConfig {
  std::string zone = "cluster.local";
  uint32_t ttl = 5;           // of every positive record
  uint32_t negative_ttl = 5;  // SOA minimum: how long NXDOMAIN/NODATA may be cached
  // Service and pod ranges ("10.96.0.0/12", "fd00::/108"): authoritative
  // reverse zones. PTRs for known IPs outside them are answered too, but
  // other names there are forwarded.
  std::vector<std::string> reverse_cidrs;
  PodMode pod_mode = PodMode::kInsecure;
  std::chrono::milliseconds coalesce_window{2};
};

// Validators: OK or INVALID_ARGUMENT naming the object and the field.
Status Validate(const Service& s);
Status Validate(const EndpointSlice& s);
Status Validate(const Pod& p);
Status Validate(const ClusterConfig& c);

class ClusterState {
 public:
  // Starts the publisher thread with an empty, unsynced snapshot.
  // The config must be valid (Validate).
  explicit ClusterState(ClusterConfig cfg);
  ~ClusterState();  // stops the publisher; readers must be gone
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // Invalid objects are rejected whole (INVALID_ARGUMENT), nothing applied.
  Status UpsertService(const Service& s);
  void DeleteService(const std::string& ns, const std::string& name);
  Status UpsertEndpointSlice(const EndpointSlice& s);
  void DeleteEndpointSlice(const std::string& ns, const std::string& name);
  Status UpsertPod(const Pod& p);
  void DeletePod(const std::string& ns, const std::string& name);
  // Replaces everything at once (a re-list, a reloaded static file). All
  // objects are validated first; on error nothing changes.
  Status ReplaceAll(const std::vector<Service>& services, const std::vector<EndpointSlice>& slices,
                    const std::vector<Pod>& pods);

  // Initial state received: cluster names stop answering SERVFAIL.
  void MarkSynced();
  bool synced() const { return synced_.load(std::memory_order_acquire); }

  // Blocks until every change made before the call is published.
  void Flush();

  SnapshotCell<Zone>& snapshots() { return cell_; }
  const ClusterConfig& config() const { return cfg_; }
  uint64_t generation() const { return published_.load(std::memory_order_acquire); }
  // Wall time of the last rebuild, seconds (for metrics).
  double last_build_seconds() const { return last_build_s_.load(std::memory_order_relaxed); }

 private:
  struct Fragment;                                  // compiled records of one Service or Pod
  using Key = std::pair<std::string, std::string>;  // namespace, name
  struct DeltaName {
    std::string name;
    enum State { kOwned, kNonTerminal, kGone } state;
  };
  struct DeltaPlan {
    std::vector<DeltaName> names;
    std::vector<std::shared_ptr<const Fragment>> fragments;  // owning any of the names
  };
  static constexpr size_t kMaxDeltaNames = 4096;
  static constexpr std::chrono::milliseconds kConsolidateAfter{500};

  void MarkDirty(const Key& service) /* requires mu_ */;
  void Run();
  void CompileDirty();  // requires mu_
  void ReplaceFragment(const std::string& key, std::shared_ptr<const Fragment> next);  // mu_
  std::shared_ptr<const Fragment> MakeFragment(std::vector<RecordSpec> records) const;
  DeltaPlan PlanDelta();  // requires mu_
  ZoneBuilder& StartBuild(ZoneBuilder& b);
  std::shared_ptr<const Zone> Assemble(const std::vector<std::shared_ptr<const Fragment>>& f);
  std::shared_ptr<const Zone> AssembleDelta(const DeltaPlan& plan);

  const ClusterConfig cfg_;
  std::vector<ApexSpec> apexes_;
  uint32_t last_serial_ = 0;  // publisher thread (and the constructor)
  SnapshotCell<Zone> cell_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable published_cv_;
  std::map<Key, Service> services_;
  std::map<Key, EndpointSlice> slices_;
  std::map<Key, std::set<std::string>> slices_by_service_;  // -> slice names
  std::map<Key, Pod> pods_;
  std::set<Key> dirty_services_;
  std::set<Key> dirty_pods_;
  // "s/<ns>/<name>" (Service) or "p/<ns>/<name>" (Pod) -> compiled records.
  std::map<std::string, std::shared_ptr<const Fragment>> fragments_;
  std::unordered_map<std::string, std::vector<std::string>> owners_;  // name -> fragment keys
  std::unordered_map<std::string, uint32_t> ent_refs_;  // non-terminal -> fragments below it
  std::unordered_set<std::string> affected_;            // names changed since the full zone
  bool replace_all_ = false;
  std::shared_ptr<const Zone> base_;  // last full zone (publisher thread)
  uint64_t requested_ = 0;            // change sequence
  bool stop_ = false;
  std::atomic<uint64_t> published_{0};
  std::atomic<bool> synced_{false};
  std::atomic<double> last_build_s_{0};
  std::thread publisher_;
};

}  // namespace skiff::dns
