#include "dns/cluster_state.h"

#include <algorithm>
#include <ctime>
#include <unordered_set>

#include "common/log.h"
#include "dns/schema.h"

namespace skiff::dns {

struct ClusterState::Fragment {
  std::vector<RecordSpec> records;
  std::vector<std::string> owners;     // distinct record owners
  std::vector<std::string> ancestors;  // distinct names above them, below their apex
};

namespace {

std::string Obj(std::string_view kind, const std::string& ns, const std::string& name) {
  return std::string(kind) + " " + ns + "/" + name;
}

// A DNS label as Kubernetes names are: 1-63 of [A-Za-z0-9-_].
bool IsLabel(const std::string& s) {
  if (s.empty() || s.size() > kMaxLabelLen) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status CheckMeta(std::string_view kind, const std::string& ns, const std::string& name) {
  if (!IsLabel(ns)) {
    return InvalidArgument(Obj(kind, ns, name) + ": namespace \"" + ns +
                           "\" is not a DNS label (1-63 letters, digits, '-')");
  }
  if (!IsLabel(name)) {
    return InvalidArgument(Obj(kind, ns, name) + ": name \"" + name +
                           "\" is not a DNS label (1-63 letters, digits, '-')");
  }
  return Status::Ok();
}

Status CheckPorts(const std::string& obj, const std::vector<ServicePort>& ports) {
  for (size_t i = 0; i < ports.size(); ++i) {
    const ServicePort& p = ports[i];
    std::string field = obj + ": ports[" + std::to_string(i) + "]";
    if (!p.name.empty() && !IsLabel(p.name)) {
      return InvalidArgument(field + ".name \"" + p.name + "\" is not a DNS label");
    }
    if (p.protocol != "TCP" && p.protocol != "UDP" && p.protocol != "SCTP") {
      return InvalidArgument(field + ".protocol \"" + p.protocol + "\" must be TCP, UDP or SCTP");
    }
    if (p.port == 0) return InvalidArgument(field + ".port must be 1-65535");
  }
  return Status::Ok();
}

}  // namespace

Status Validate(const Service& s) {
  SKIFF_RETURN_IF_ERROR(CheckMeta("service", s.ns, s.name));
  const std::string obj = Obj("service", s.ns, s.name);
  if (s.type == ServiceType::kExternalName) {
    if (DottedToWire(s.external_name).size() <= 1) {
      return InvalidArgument(obj + ": externalName \"" + s.external_name +
                             "\" is not a valid domain name");
    }
  } else if (!s.headless()) {
    uint8_t ip[16];
    for (size_t i = 0; i < s.cluster_ips.size(); ++i) {
      if (ParseIp(s.cluster_ips[i], ip) == 0) {
        return InvalidArgument(obj + ": clusterIPs[" + std::to_string(i) + "] \"" +
                               s.cluster_ips[i] + "\" is not an IP address (or \"None\")");
      }
    }
  }
  return CheckPorts(obj, s.ports);
}

Status Validate(const EndpointSlice& s) {
  SKIFF_RETURN_IF_ERROR(CheckMeta("endpointslice", s.ns, s.name));
  const std::string obj = Obj("endpointslice", s.ns, s.name);
  if (!IsLabel(s.service)) {
    return InvalidArgument(obj + ": service (kubernetes.io/service-name) \"" + s.service +
                           "\" is not a DNS label");
  }
  for (size_t i = 0; i < s.endpoints.size(); ++i) {
    const Endpoint& ep = s.endpoints[i];
    std::string field = obj + ": endpoints[" + std::to_string(i) + "]";
    if (!ep.hostname.empty() && !IsLabel(ep.hostname)) {
      return InvalidArgument(field + ".hostname \"" + ep.hostname + "\" is not a DNS label");
    }
    if (s.address_type == AddressType::kFQDN) continue;
    for (size_t j = 0; j < ep.addresses.size(); ++j) {
      uint8_t ip[16];
      size_t n = ParseIp(ep.addresses[j], ip);
      size_t want = s.address_type == AddressType::kIPv4 ? 4 : 16;
      if (n != want) {
        return InvalidArgument(field + ".addresses[" + std::to_string(j) + "] \"" +
                               ep.addresses[j] + "\" is not an " + (want == 4 ? "IPv4" : "IPv6") +
                               " address (addressType)");
      }
    }
  }
  return CheckPorts(obj, s.ports);
}

Status Validate(const Pod& p) {
  SKIFF_RETURN_IF_ERROR(CheckMeta("pod", p.ns, p.name));
  for (size_t i = 0; i < p.ips.size(); ++i) {
    uint8_t ip[16];
    if (ParseIp(p.ips[i], ip) == 0) {
      return InvalidArgument(Obj("pod", p.ns, p.name) + ": podIPs[" + std::to_string(i) + "] \"" +
                             p.ips[i] + "\" is not an IP address");
    }
  }
  return Status::Ok();
}

Status Validate(const ClusterConfig& c) {
  auto apexes = MakeApexes(c);
  return apexes.ok() ? Status::Ok() : apexes.status();
}

ClusterState::ClusterState(ClusterConfig cfg)
    : cfg_(std::move(cfg)), apexes_(MakeApexes(cfg_).value()), cell_(Assemble({})) {
  publisher_ = std::thread([this] { Run(); });
}

ClusterState::~ClusterState() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  publisher_.join();
}

void ClusterState::MarkDirty(const Key& service) {
  dirty_services_.insert(service);
  ++requested_;
}

Status ClusterState::UpsertService(const Service& s) {
  SKIFF_RETURN_IF_ERROR(Validate(s));
  {
    std::lock_guard lock(mu_);
    Key k{s.ns, s.name};
    services_[k] = s;
    MarkDirty(k);
  }
  cv_.notify_one();
  return Status::Ok();
}

void ClusterState::DeleteService(const std::string& ns, const std::string& name) {
  {
    std::lock_guard lock(mu_);
    Key k{ns, name};
    if (services_.erase(k) == 0) return;
    MarkDirty(k);
  }
  cv_.notify_one();
}

Status ClusterState::UpsertEndpointSlice(const EndpointSlice& s) {
  SKIFF_RETURN_IF_ERROR(Validate(s));
  {
    std::lock_guard lock(mu_);
    Key k{s.ns, s.name};
    auto it = slices_.find(k);
    if (it != slices_.end() && it->second.service != s.service) {
      // The slice moved to another Service: the old one changes too.
      Key old{s.ns, it->second.service};
      slices_by_service_[old].erase(s.name);
      MarkDirty(old);
    }
    slices_[k] = s;
    Key svc{s.ns, s.service};
    slices_by_service_[svc].insert(s.name);
    MarkDirty(svc);
  }
  cv_.notify_one();
  return Status::Ok();
}

void ClusterState::DeleteEndpointSlice(const std::string& ns, const std::string& name) {
  {
    std::lock_guard lock(mu_);
    auto it = slices_.find({ns, name});
    if (it == slices_.end()) return;
    Key svc{ns, it->second.service};
    slices_by_service_[svc].erase(name);
    if (slices_by_service_[svc].empty()) slices_by_service_.erase(svc);
    slices_.erase(it);
    MarkDirty(svc);
  }
  cv_.notify_one();
}

Status ClusterState::UpsertPod(const Pod& p) {
  SKIFF_RETURN_IF_ERROR(Validate(p));
  {
    std::lock_guard lock(mu_);
    Key k{p.ns, p.name};
    pods_[k] = p;
    dirty_pods_.insert(k);
    ++requested_;
  }
  cv_.notify_one();
  return Status::Ok();
}

void ClusterState::DeletePod(const std::string& ns, const std::string& name) {
  {
    std::lock_guard lock(mu_);
    Key k{ns, name};
    if (pods_.erase(k) == 0) return;
    dirty_pods_.insert(k);
    ++requested_;
  }
  cv_.notify_one();
}

Status ClusterState::ReplaceAll(const std::vector<Service>& services,
                                const std::vector<EndpointSlice>& slices,
                                const std::vector<Pod>& pods) {
  for (const Service& s : services)
    SKIFF_RETURN_IF_ERROR(Validate(s));
  for (const EndpointSlice& s : slices)
    SKIFF_RETURN_IF_ERROR(Validate(s));
  for (const Pod& p : pods)
    SKIFF_RETURN_IF_ERROR(Validate(p));
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, s] : services_)
      dirty_services_.insert(k);
    for (const auto& [k, s] : slices_by_service_)
      dirty_services_.insert(k);
    for (const auto& [k, p] : pods_)
      dirty_pods_.insert(k);
    services_.clear();
    slices_.clear();
    slices_by_service_.clear();
    pods_.clear();
    for (const Service& s : services) {
      services_[{s.ns, s.name}] = s;
      dirty_services_.insert({s.ns, s.name});
    }
    for (const EndpointSlice& s : slices) {
      slices_[{s.ns, s.name}] = s;
      slices_by_service_[{s.ns, s.service}].insert(s.name);
      dirty_services_.insert({s.ns, s.service});
    }
    for (const Pod& p : pods) {
      pods_[{p.ns, p.name}] = p;
      dirty_pods_.insert({p.ns, p.name});
    }
    replace_all_ = true;  // everything may change: rebuild, do not layer
    ++requested_;
  }
  cv_.notify_one();
  return Status::Ok();
}

void ClusterState::MarkSynced() {
  Flush();  // the first synced answer must reflect the initial lists
  synced_.store(true, std::memory_order_release);
}

void ClusterState::Flush() {
  std::unique_lock lock(mu_);
  uint64_t want = requested_;
  published_cv_.wait(lock, [&] { return published_.load() >= want || stop_; });
}

void ClusterState::ReplaceFragment(const std::string& key, std::shared_ptr<const Fragment> next) {
  // Keeps the name indexes in step and records every name whose answer may
  // have changed (old and new owners and their ancestors).
  auto it = fragments_.find(key);
  if (it != fragments_.end()) {
    const Fragment& old = *it->second;
    for (const std::string& o : old.owners) {
      auto& keys = owners_[o];
      std::erase(keys, key);
      if (keys.empty()) owners_.erase(o);
      affected_.insert(o);
    }
    for (const std::string& a : old.ancestors) {
      if (--ent_refs_[a] == 0) ent_refs_.erase(a);
      affected_.insert(a);
    }
  }
  if (next) {
    for (const std::string& o : next->owners) {
      owners_[o].push_back(key);
      affected_.insert(o);
    }
    for (const std::string& a : next->ancestors) {
      ++ent_refs_[a];
      affected_.insert(a);
    }
    fragments_[key] = std::move(next);
  } else if (it != fragments_.end()) {
    fragments_.erase(it);
  }
}

std::shared_ptr<const ClusterState::Fragment> ClusterState::MakeFragment(
    std::vector<RecordSpec> records) const {
  auto f = std::make_shared<Fragment>();
  f->records = std::move(records);
  std::unordered_set<std::string> owners, ancestors;
  for (const RecordSpec& r : f->records)
    owners.insert(r.owner);
  for (const std::string& o : owners) {
    // Ancestors strictly below the deepest apex containing the name.
    for (size_t off = static_cast<uint8_t>(o[0]) + 1; off < o.size();
         off += static_cast<uint8_t>(o[off]) + 1) {
      std::string_view suffix(o.data() + off, o.size() - off);
      bool is_apex = std::any_of(apexes_.begin(), apexes_.end(),
                                 [&](const ApexSpec& a) { return a.name == suffix; });
      if (is_apex || o[off] == 0) break;
      ancestors.emplace(suffix);
    }
  }
  f->owners.assign(owners.begin(), owners.end());
  f->ancestors.assign(ancestors.begin(), ancestors.end());
  return f;
}

void ClusterState::CompileDirty() {
  // Called with mu_ held: recompile only what changed; the other fragments
  // are reused as they are.
  const std::string zone_wire = apexes_.front().name;
  for (const Key& k : dirty_services_) {
    const std::string key = "s/" + k.first + "/" + k.second;
    auto it = services_.find(k);
    if (it == services_.end()) {
      ReplaceFragment(key, nullptr);
      continue;
    }
    std::vector<const EndpointSlice*> slices;
    if (auto sl = slices_by_service_.find(k); sl != slices_by_service_.end()) {
      for (const std::string& name : sl->second)
        slices.push_back(&slices_.at({k.first, name}));
    }
    ReplaceFragment(key, MakeFragment(CompileService(it->second, slices, zone_wire)));
  }
  dirty_services_.clear();
  for (const Key& k : dirty_pods_) {
    const std::string key = "p/" + k.first + "/" + k.second;
    auto it = pods_.find(k);
    if (it == pods_.end() || cfg_.pod_mode != PodMode::kVerified) {
      ReplaceFragment(key, nullptr);
      continue;
    }
    ReplaceFragment(key, MakeFragment(CompilePod(it->second, zone_wire)));
  }
  dirty_pods_.clear();
}

ZoneBuilder& ClusterState::StartBuild(ZoneBuilder& b) {
  uint32_t serial = std::max<uint32_t>(last_serial_ + 1, static_cast<uint32_t>(std::time(nullptr)));
  last_serial_ = serial;
  for (ApexSpec a : apexes_) {
    a.serial = serial;
    b.AddApex(a);
  }
  for (const RecordSpec& r : CompileZoneRecords(apexes_.front().name)) {
    b.Add(r.owner, r.type, cfg_.ttl, r.rdata);
  }
  return b;
}

std::shared_ptr<const Zone> ClusterState::Assemble(
    const std::vector<std::shared_ptr<const Fragment>>& fragments) {
  ZoneBuilder b;
  StartBuild(b);
  for (const auto& f : fragments) {
    for (const RecordSpec& r : f->records)
      b.Add(r.owner, r.type, cfg_.ttl, r.rdata);
  }
  return b.Build();
}

std::shared_ptr<const Zone> ClusterState::AssembleDelta(const DeltaPlan& plan) {
  ZoneBuilder b;
  StartBuild(b);
  b.SetBase(base_);
  std::unordered_set<std::string_view> names;
  names.reserve(plan.names.size() * 2);
  for (const auto& n : plan.names)
    names.insert(n.name);
  // Complete RRsets of every affected name, from every fragment owning it.
  for (const auto& f : plan.fragments) {
    for (const RecordSpec& r : f->records) {
      if (names.count(r.owner)) b.Add(r.owner, r.type, cfg_.ttl, r.rdata);
    }
  }
  for (const auto& n : plan.names) {
    if (n.state == DeltaName::kNonTerminal) b.Add(n.name, 0, 0, {});
    if (n.state == DeltaName::kGone) b.MarkAbsent(n.name);
  }
  return b.Build();
}

ClusterState::DeltaPlan ClusterState::PlanDelta() {
  // Called with mu_ held: snapshot what the delta needs so it can be built
  // without the lock.
  DeltaPlan plan;
  std::unordered_set<const Fragment*> seen;
  plan.names.reserve(affected_.size());
  for (const std::string& name : affected_) {
    DeltaName n{name, DeltaName::kGone};
    if (auto o = owners_.find(name); o != owners_.end()) {
      n.state = DeltaName::kOwned;
      for (const std::string& key : o->second) {
        const auto& f = fragments_.at(key);
        if (seen.insert(f.get()).second) plan.fragments.push_back(f);
      }
    } else if (ent_refs_.count(name)) {
      n.state = DeltaName::kNonTerminal;
    }
    plan.names.push_back(std::move(n));
  }
  return plan;
}

void ClusterState::Run() {
  auto logger = log::Get("dns");
  std::unique_lock lock(mu_);
  uint64_t done = 0;
  bool delta_active = false;
  auto consolidate_at = std::chrono::steady_clock::time_point::max();
  while (true) {
    auto deadline =
        std::min(consolidate_at, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    cv_.wait_until(lock, deadline, [&] { return stop_ || requested_ != done; });
    if (stop_) break;
    const auto now = std::chrono::steady_clock::now();
    if (requested_ == done) {
      if (delta_active && now >= consolidate_at) {
        // Quiet again: fold the delta into a fresh base so lookups take one
        // probe and the next delta starts empty.
        std::vector<std::shared_ptr<const Fragment>> all;
        all.reserve(fragments_.size());
        for (const auto& [k, f] : fragments_)
          all.push_back(f);
        affected_.clear();
        lock.unlock();
        base_ = Assemble(all);
        cell_.Publish(base_);
        lock.lock();
        delta_active = false;
        consolidate_at = std::chrono::steady_clock::time_point::max();
        continue;
      }
      lock.unlock();
      cell_.Reclaim();  // free snapshots whose readers have moved on
      lock.lock();
      continue;
    }
    // Let a burst of events land in the same snapshot.
    lock.unlock();
    std::this_thread::sleep_for(cfg_.coalesce_window);
    lock.lock();
    uint64_t target = requested_;
    auto start = std::chrono::steady_clock::now();
    CompileDirty();
    std::shared_ptr<const Zone> zone;
    const bool full = base_ == nullptr || replace_all_ || affected_.size() > kMaxDeltaNames;
    size_t changed = affected_.size();
    if (full) {
      std::vector<std::shared_ptr<const Fragment>> all;
      all.reserve(fragments_.size());
      for (const auto& [k, f] : fragments_)
        all.push_back(f);
      affected_.clear();
      replace_all_ = false;
      lock.unlock();
      base_ = Assemble(all);
      zone = base_;
      delta_active = false;
      consolidate_at = std::chrono::steady_clock::time_point::max();
    } else {
      DeltaPlan plan = PlanDelta();
      lock.unlock();
      zone = AssembleDelta(plan);
      delta_active = true;
      consolidate_at = std::chrono::steady_clock::now() + kConsolidateAfter;
    }
    size_t nodes = zone->node_count(), records = zone->record_count();
    cell_.Publish(std::move(zone));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    last_build_s_.store(secs, std::memory_order_relaxed);
    logger->debug(
        "snapshot published generation={} kind={} changed_names={} names={} records={} "
        "build_ms={:.2f}",
        target, full ? "full" : "delta", changed, nodes, records, secs * 1e3);
    lock.lock();
    done = target;
    published_.store(done, std::memory_order_release);
    published_cv_.notify_all();
  }
  published_cv_.notify_all();
}

}  // namespace skiff::dns
