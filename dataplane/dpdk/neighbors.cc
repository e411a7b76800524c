#include "dataplane/dpdk/neighbors.h"

namespace skiff::dataplane::dpdk {
namespace {
constexpr uint64_t kProbeEveryMs = 1000;
constexpr uint64_t kRefreshAfterMs = 30000;
constexpr uint64_t kForgetAfterMs = 600000;
}  // namespace

NeighborManager::NeighborManager(std::vector<PortInfo> ports, ServicesFn services,
                                 PublishFn publish, Prober probe, size_t max_entries)
    : routes_(std::move(ports), {}),
      services_(std::move(services)),
      publish_(std::move(publish)),
      probe_(std::move(probe)),
      max_entries_(max_entries) {
  ports_ = routes_.ports();  // with addr4/addr6 filled in
}

void NeighborManager::Learn(const Learned* l, size_t n, uint64_t now_ms) {
  for (size_t i = 0; i < n; ++i) {
    auto it = table_.find(l[i].key);
    if (it == table_.end()) {
      if (table_.size() >= max_entries_ && !wanted_.count(l[i].key)) continue;
      it = table_.emplace(l[i].key, Entry{}).first;
      it->second.used_ms = now_ms;
    }
    Entry& e = it->second;
    if (!e.resolved || !(e.mac == l[i].mac)) dirty_ = true;
    e.mac = l[i].mac;
    e.resolved = true;
    e.learned_ms = now_ms;
  }
}

std::set<NeighborKey> NeighborManager::Wanted() {
  std::shared_ptr<const ServiceTables> svc = services_ ? services_() : nullptr;
  if (svc && svc.get() == wanted_for_) return wanted_;
  std::set<NeighborKey> w;
  for (uint16_t i = 0; i < ports_.size(); ++i) {
    if (ports_[i].gateway4) w.insert(NeighborKey{i, kFamily4, *ports_[i].gateway4});
    if (ports_[i].gateway6) w.insert(NeighborKey{i, kFamily6, *ports_[i].gateway6});
  }
  if (svc) {
    svc->ForEachBackend([&](const BackendRef& b) {
      NeighborKey k;
      k.family = b.family;
      if (routes_.Route(b.addr.b, b.family, &k.port, &k.addr)) w.insert(k);
    });
  }
  wanted_for_ = svc.get();
  hold_ = std::move(svc);
  return w;
}

void NeighborManager::Tick(uint64_t now_ms) {
  wanted_ = Wanted();
  for (const NeighborKey& k : wanted_) {
    Entry& e = table_[k];
    e.used_ms = now_ms;
    bool stale = e.resolved && now_ms - e.learned_ms > kRefreshAfterMs;
    bool due = !e.probed || now_ms - e.probed_ms >= (e.resolved ? kRefreshAfterMs : kProbeEveryMs);
    if ((!e.resolved || stale) && due) {
      const PortInfo& p = ports_[k.port];
      const auto& src = k.family == kFamily4 ? p.addr4 : p.addr6;
      if (src && probe_ && probe_(k.port, k.family, *src, k.addr)) ++probes_;
      e.probed = true;
      e.probed_ms = now_ms;
    }
  }
  for (auto it = table_.begin(); it != table_.end();) {
    if (!wanted_.count(it->first) &&
        now_ms - std::max(it->second.used_ms, it->second.learned_ms) > kForgetAfterMs) {
      dirty_ |= it->second.resolved;
      it = table_.erase(it);
    } else {
      ++it;
    }
  }
  if (dirty_) Publish();
}

void NeighborManager::Publish() {
  std::map<NeighborKey, Mac> macs;
  for (const auto& [k, e] : table_)
    if (e.resolved) macs[k] = e.mac;
  if (publish_) publish_(std::make_shared<NetTables>(ports_, std::move(macs)));
  dirty_ = false;
}

size_t NeighborManager::resolved() const {
  size_t n = 0;
  for (const auto& [_, e] : table_)
    n += e.resolved ? 1 : 0;
  return n;
}

size_t NeighborManager::wanted_unresolved() const {
  size_t n = 0;
  for (const auto& k : wanted_) {
    auto it = table_.find(k);
    n += it == table_.end() || !it->second.resolved ? 1 : 0;
  }
  return n;
}

}  // namespace skiff::dataplane::dpdk
