#include "dataplane/dpdk/tables.h"

#include <algorithm>
#include <bit>

#include "dataplane/core/maglev.h"

namespace skiff::dataplane::dpdk {
namespace {

uint8_t FamilyOf(const IpAddr& a) {
  return a.is_v4() ? kFamily4 : kFamily6;
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return h;
}

// Reads only the family's bytes: IPv4 addresses may be followed by other
// packet fields.
uint64_t AddrHash(const uint8_t* addr, uint8_t family) {
  uint64_t a, b = 0;
  if (family == kFamily4) {
    uint32_t v;
    std::memcpy(&v, addr, 4);
    a = v;
  } else {
    a = Load64(addr);
    b = Load64(addr + 8);
  }
  return Mix(a * 0x9e3779b97f4a7c15ull ^ b * 0xc2b2ae3d27d4eb4full ^ family);
}

bool AddrEq(const uint8_t* a, const uint8_t* b, uint8_t family) {
  if (family == kFamily4) return std::memcmp(a, b, 4) == 0;
  return Load64(a) == Load64(b) && Load64(a + 8) == Load64(b + 8);
}

size_t TableSize(size_t n) {
  return std::bit_ceil(std::max<size_t>(16, n * 2));
}

}  // namespace

Result<std::shared_ptr<const SetTable>> SetTable::Build(uint32_t id, const BackendSet& set,
                                                        const std::map<uint32_t, Backend>& backends,
                                                        uint32_t maglev_size) {
  auto t = std::make_shared<SetTable>();
  t->id_ = id;
  if (set.members.size() >= 65535)
    return Status(StatusCode::kResourceExhausted,
                  "backend set " + std::to_string(id) + " has more than 65534 members");
  std::vector<MaglevBackend> mb;
  std::map<uint32_t, uint16_t> index;
  for (const Member& m : set.members) {
    auto b = backends.find(m.backend_id);
    if (b == backends.end())
      return Internal("backend set " + std::to_string(id) + " references unknown backend " +
                      std::to_string(m.backend_id));
    // Identical to the eBPF engine's inputs: inactive members get weight 0.
    mb.push_back({m.backend_id, b->second.addr, b->second.port, b->second.proto,
                  m.active() ? m.weight : uint16_t{0}});
    BackendRef r;
    r.addr = RawAddr::From(b->second.addr);
    r.port_be = static_cast<uint16_t>((b->second.port >> 8) | (b->second.port << 8));
    r.family = FamilyOf(b->second.addr);
    r.local = b->second.local ? 1 : 0;
    r.proto = b->second.proto;
    r.backend_id = m.backend_id;
    index[m.backend_id] = static_cast<uint16_t>(t->members_.size() + 1);
    t->members_.push_back(r);
    t->active_.push_back(m.active() ? 1 : 0);
  }
  std::vector<uint32_t> table = BuildMaglevTable(mb, maglev_size);
  t->slots_.resize(table.size());
  for (size_t i = 0; i < table.size(); ++i)
    t->slots_[i] = table[i] ? index[table[i]] : 0;
  return std::shared_ptr<const SetTable>(std::move(t));
}

const BackendRef* SetTable::FindActive(uint32_t backend_id) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), backend_id,
                             [](const BackendRef& r, uint32_t id) { return r.backend_id < id; });
  if (it == members_.end() || it->backend_id != backend_id) return nullptr;
  return active_[it - members_.begin()] ? &*it : nullptr;
}

uint64_t ServiceTables::Hash(const uint8_t* addr, uint8_t family, uint16_t port_be, uint8_t proto) {
  return Mix(AddrHash(addr, family) ^ (uint64_t{port_be} << 8 | proto) * 0x165667b19e3779f9ull);
}

Result<std::shared_ptr<const ServiceTables>> ServiceTables::Build(
    const State& state, const std::map<uint32_t, std::shared_ptr<const SetTable>>& sets) {
  auto t = std::make_shared<ServiceTables>();
  t->services_ = state.services;
  t->entries_.reserve(state.frontends.size());
  std::map<uint32_t, std::shared_ptr<const SetTable>> used;
  for (const auto& [k, v] : state.frontends) {
    FrontendEntry e;
    e.addr = RawAddr::From(k.addr);
    e.port_be = static_cast<uint16_t>((k.port >> 8) | (k.port << 8));
    e.proto = static_cast<uint8_t>(k.proto);
    e.family = FamilyOf(k.addr);
    e.svc_id = v.svc_id;
    e.affinity_timeout_s = v.affinity_timeout_s;
    e.flags = v.flags;
    e.scope = v.scope;
    if (v.set_id != 0 && v.count != 0) {
      auto s = sets.find(v.set_id);
      if (s == sets.end())
        return Internal("frontend " + k.ToString() + " references unknown backend set " +
                        std::to_string(v.set_id));
      e.set = s->second.get();
      used[v.set_id] = s->second;
    }
    t->entries_.push_back(e);
  }
  for (auto& [_, s] : used)
    t->sets_.push_back(s);

  t->slots_.assign(TableSize(t->entries_.size()), 0);
  t->mask_ = t->slots_.size() - 1;
  t->vip_slots_.assign(TableSize(t->entries_.size()), 0);
  t->vip_mask_ = t->vip_slots_.size() - 1;
  for (uint32_t i = 0; i < t->entries_.size(); ++i) {
    const FrontendEntry& e = t->entries_[i];
    uint64_t h = Hash(e.addr.b, e.family, e.port_be, e.proto) & t->mask_;
    while (t->slots_[h])
      h = (h + 1) & t->mask_;
    t->slots_[h] = i + 1;
    if (std::all_of(e.addr.b, e.addr.b + 16, [](uint8_t b) { return b == 0; })) continue;
    uint64_t v = AddrHash(e.addr.b, e.family) & t->vip_mask_;
    bool dup = false;
    while (t->vip_slots_[v]) {
      const FrontendEntry& o = t->entries_[t->vip_slots_[v] - 1];
      if (o.family == e.family && AddrEq(o.addr.b, e.addr.b, e.family)) {
        dup = true;
        break;
      }
      v = (v + 1) & t->vip_mask_;
    }
    if (!dup) t->vip_slots_[v] = i + 1;
  }
  return std::shared_ptr<const ServiceTables>(std::move(t));
}

const FrontendEntry* ServiceTables::Find(const uint8_t* addr, uint8_t family, uint16_t port_be,
                                         uint8_t proto) const {
  uint64_t h = Hash(addr, family, port_be, proto) & mask_;
  while (uint32_t i = slots_[h]) {
    const FrontendEntry& e = entries_[i - 1];
    if (e.port_be == port_be && e.proto == proto && e.family == family &&
        AddrEq(e.addr.b, addr, family))
      return &e;
    h = (h + 1) & mask_;
  }
  return nullptr;
}

bool ServiceTables::IsVip(const uint8_t* addr, uint8_t family) const {
  uint64_t h = AddrHash(addr, family) & vip_mask_;
  while (uint32_t i = vip_slots_[h]) {
    const FrontendEntry& e = entries_[i - 1];
    if (e.family == family && AddrEq(e.addr.b, addr, family)) return true;
    h = (h + 1) & vip_mask_;
  }
  return false;
}

NetTables::NetTables(std::vector<PortInfo> ports, std::map<NeighborKey, Mac> neighbors)
    : ports_(std::move(ports)), neighbors_(std::move(neighbors)) {
  for (uint16_t i = 0; i < ports_.size(); ++i) {
    for (const auto& a : ports_[i].addresses) {
      self_.push_back({RawAddr::From(a.addr), FamilyOf(a.addr), i});
      auto& first = a.addr.is_v4() ? ports_[i].addr4 : ports_[i].addr6;
      if (!first) first = RawAddr::From(a.addr);
    }
    if (index_by_id_.size() <= ports_[i].port_id) index_by_id_.resize(ports_[i].port_id + 1, -1);
    index_by_id_[ports_[i].port_id] = i;
  }
}

int NetTables::SelfPort(const uint8_t* addr, uint8_t family) const {
  for (const Self& s : self_)
    if (s.family == family && AddrEq(s.addr.b, addr, family)) return s.port;
  return -1;
}

bool NetTables::OnLink(uint16_t port, const uint8_t* addr, uint8_t family) const {
  if (port >= ports_.size()) return false;
  IpAddr ip;
  ip.family = family == kFamily4 ? Family::kV4 : Family::kV6;
  std::memcpy(ip.bytes.data(), addr, family == kFamily4 ? 4 : 16);
  for (const auto& a : ports_[port].addresses)
    if (a.Contains(ip)) return true;
  return false;
}

bool NetTables::Route(const uint8_t* dst, uint8_t family, uint16_t* port, RawAddr* next_hop) const {
  IpAddr ip;
  ip.family = family == kFamily4 ? Family::kV4 : Family::kV6;
  std::memcpy(ip.bytes.data(), dst, family == kFamily4 ? 4 : 16);
  for (uint16_t i = 0; i < ports_.size(); ++i)
    for (const auto& a : ports_[i].addresses)
      if (a.Contains(ip)) {
        *port = i;
        *next_hop = RawAddr::From(ip);
        return true;
      }
  for (uint16_t i = 0; i < ports_.size(); ++i) {
    const auto& gw = family == kFamily4 ? ports_[i].gateway4 : ports_[i].gateway6;
    if (gw) {
      *port = i;
      *next_hop = *gw;
      return true;
    }
  }
  return false;
}

bool NetTables::Resolve(const uint8_t* dst, uint8_t family, NextHop* out) const {
  NeighborKey k;
  k.family = family;
  if (!Route(dst, family, &k.port, &k.addr)) return false;
  auto it = neighbors_.find(k);
  if (it == neighbors_.end()) return false;
  out->port = k.port;
  std::memcpy(out->mac, it->second.b, 6);
  return true;
}

}  // namespace skiff::dataplane::dpdk
