// The data plane's content in backend-agnostic form: frontends -> service
// ports -> backend sets -> backends, keyed by the ids the engines store. A
// State is what is (or should be) installed; a ChangeSet is the minimal list
// of operations that turns one State into another, in an order that never
// lets a reader see a reference to something missing:
//   add backends, add sets, upsert service ports, upsert frontends,
//   delete frontends, delete service ports, delete sets, delete backends.
// Sets and backends are immutable under their id (content changes get a new
// id), so a frontend switches to a new backend set with one atomic update.
// Value types, thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/core/ip.h"

namespace skiff::dataplane {

enum class Scope : uint8_t { kCluster = 1, kNodePort = 2, kExternal = 3, kLoadBalancer = 4 };
std::string_view ScopeName(Scope s);  // "ClusterIP", "NodePort", "ExternalIP", "LoadBalancer"

// Flags, same bits as SKIFF_SVC_* in skiff_maps.h.
inline constexpr uint8_t kSvcAffinity = 1u << 0;
inline constexpr uint8_t kSvcSnatRemote = 1u << 1;
inline constexpr uint8_t kSvcExternal = 1u << 2;

// Indexes of ServicePortInfo::sets, same as SKIFF_SET_*.
inline constexpr int kSetCluster4 = 0, kSetCluster6 = 1, kSetExternal4 = 2, kSetExternal6 = 3;

struct FrontendKey {
  IpAddr addr;        // zero address of its family for NodePort frontends
  uint16_t port = 0;  // host order
  Protocol proto = Protocol::kTCP;
  auto operator<=>(const FrontendKey&) const = default;
  std::string ToString() const;  // "10.96.0.10:80/TCP", "*:30080/TCP", "[fd00::1]:80/UDP"
};

struct FrontendValue {
  uint32_t svc_id = 0;
  uint32_t set_id = 0;  // 0 = no ready backend: reject
  uint32_t affinity_timeout_s = 0;
  uint16_t count = 0;  // active backends in the set
  uint8_t flags = 0;
  Scope scope = Scope::kCluster;
  bool operator==(const FrontendValue&) const = default;
};

struct Backend {
  IpAddr addr;
  uint16_t port = 0;  // host order
  Protocol proto = Protocol::kTCP;
  bool local = true;  // runs on this node
  auto operator<=>(const Backend&) const = default;
  std::string ToString() const;  // "10.1.0.5:8080/TCP"
};

struct Member {
  uint32_t backend_id = 0;
  uint16_t weight = 1;       // 0: kept for inspection, no new flows
  bool terminating = false;  // keeps its flows, gets no new ones
  auto operator<=>(const Member&) const = default;
  bool active() const { return weight > 0 && !terminating; }
};

struct BackendSet {
  std::vector<Member> members;  // sorted by backend_id
  uint16_t ActiveCount() const;
  auto operator<=>(const BackendSet&) const = default;
};

// One Service port ("default/web" port "http"): the unit of counters, ids
// and session affinity.
struct ServicePortInfo {
  std::string name;       // "namespace/name"
  std::string port_name;  // may be empty
  uint16_t port = 0;
  Protocol proto = Protocol::kTCP;
  uint8_t flags = 0;  // of the cluster frontends
  uint32_t affinity_timeout_s = 0;
  uint32_t sets[4] = {0, 0, 0, 0};  // kSetCluster4 ... ; 0 = none
  bool operator==(const ServicePortInfo&) const;
  std::string DisplayName() const;  // "default/web:http" (or ":80" when unnamed)
};

struct State {
  std::map<FrontendKey, FrontendValue> frontends;
  std::map<uint32_t, ServicePortInfo> services;
  std::map<uint32_t, BackendSet> sets;
  std::map<uint32_t, Backend> backends;
  bool operator==(const State&) const = default;
};

struct ChangeSet {
  std::vector<std::pair<uint32_t, Backend>> add_backends;
  std::vector<std::pair<uint32_t, BackendSet>> add_sets;
  std::vector<std::pair<uint32_t, ServicePortInfo>> upsert_services;
  std::vector<std::pair<FrontendKey, FrontendValue>> upsert_frontends;
  std::vector<FrontendKey> delete_frontends;
  std::vector<uint32_t> delete_services;
  std::vector<uint32_t> delete_sets;
  std::vector<uint32_t> delete_backends;

  bool empty() const;
  size_t size() const;  // number of operations
  // Applies this change set to `state` (what an engine does to its maps).
  void ApplyTo(State& state) const;
  // Appends `other`, keeping the phase order above.
  void Merge(const ChangeSet& other);
};

// The minimal change set turning `from` into `to`. Sets or backends present
// in both under the same id with different content are replaced (delete +
// add); ids are meant to be immutable, so this only happens after adopting
// foreign state.
ChangeSet Diff(const State& from, const State& to);

}  // namespace skiff::dataplane
