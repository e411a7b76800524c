#include "dataplane/core/state.h"

#include <cstring>

namespace skiff::dataplane {

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kCluster:
      return "ClusterIP";
    case Scope::kNodePort:
      return "NodePort";
    case Scope::kExternal:
      return "ExternalIP";
    case Scope::kLoadBalancer:
      return "LoadBalancer";
  }
  return "?";
}

namespace {
std::string HostPort(const IpAddr& a, uint16_t port, Protocol proto, bool wildcard) {
  std::string host = wildcard && a.IsZero() ? "*" : a.ToString();
  if (!a.is_v4() && host != "*") host = "[" + host + "]";
  return host + ":" + std::to_string(port) + "/" + std::string(ProtocolName(proto));
}
}  // namespace

std::string FrontendKey::ToString() const {
  return HostPort(addr, port, proto, true);
}
std::string Backend::ToString() const {
  return HostPort(addr, port, proto, false);
}

uint16_t BackendSet::ActiveCount() const {
  uint16_t n = 0;
  for (const auto& m : members)
    n += m.active() ? 1 : 0;
  return n;
}

bool ServicePortInfo::operator==(const ServicePortInfo& o) const {
  return name == o.name && port_name == o.port_name && port == o.port && proto == o.proto &&
         flags == o.flags && affinity_timeout_s == o.affinity_timeout_s &&
         std::memcmp(sets, o.sets, sizeof(sets)) == 0;
}

std::string ServicePortInfo::DisplayName() const {
  return name + ":" + (port_name.empty() ? std::to_string(port) : port_name);
}

bool ChangeSet::empty() const {
  return size() == 0;
}

size_t ChangeSet::size() const {
  return add_backends.size() + add_sets.size() + upsert_services.size() + upsert_frontends.size() +
         delete_frontends.size() + delete_services.size() + delete_sets.size() +
         delete_backends.size();
}

void ChangeSet::ApplyTo(State& s) const {
  for (const auto& [id, b] : add_backends)
    s.backends[id] = b;
  for (const auto& [id, set] : add_sets)
    s.sets[id] = set;
  for (const auto& [id, info] : upsert_services)
    s.services[id] = info;
  for (const auto& [k, v] : upsert_frontends)
    s.frontends[k] = v;
  for (const auto& k : delete_frontends)
    s.frontends.erase(k);
  for (uint32_t id : delete_services)
    s.services.erase(id);
  for (uint32_t id : delete_sets)
    s.sets.erase(id);
  for (uint32_t id : delete_backends)
    s.backends.erase(id);
}

void ChangeSet::Merge(const ChangeSet& o) {
  auto append = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
  append(add_backends, o.add_backends);
  append(add_sets, o.add_sets);
  append(upsert_services, o.upsert_services);
  append(upsert_frontends, o.upsert_frontends);
  append(delete_frontends, o.delete_frontends);
  append(delete_services, o.delete_services);
  append(delete_sets, o.delete_sets);
  append(delete_backends, o.delete_backends);
}

namespace {
// Walks two sorted maps: added/changed entries go to `upsert`, missing ones
// to `remove`.
template <typename Map, typename Upsert, typename Remove>
void DiffMaps(const Map& from, const Map& to, Upsert upsert, Remove remove) {
  auto a = from.begin();
  auto b = to.begin();
  while (a != from.end() || b != to.end()) {
    if (b == to.end() || (a != from.end() && a->first < b->first)) {
      remove(a->first);
      ++a;
    } else if (a == from.end() || b->first < a->first) {
      upsert(b->first, b->second, false);
      ++b;
    } else {
      if (!(a->second == b->second)) upsert(b->first, b->second, true);
      ++a;
      ++b;
    }
  }
}
}  // namespace

ChangeSet Diff(const State& from, const State& to) {
  ChangeSet cs;
  DiffMaps(
      from.backends, to.backends,
      [&](uint32_t id, const Backend& b, bool changed) {
        if (changed) cs.delete_backends.push_back(id);
        cs.add_backends.emplace_back(id, b);
      },
      [&](uint32_t id) { cs.delete_backends.push_back(id); });
  DiffMaps(
      from.sets, to.sets,
      [&](uint32_t id, const BackendSet& s, bool) { cs.add_sets.emplace_back(id, s); },
      [&](uint32_t id) { cs.delete_sets.push_back(id); });
  DiffMaps(
      from.services, to.services,
      [&](uint32_t id, const ServicePortInfo& s, bool) { cs.upsert_services.emplace_back(id, s); },
      [&](uint32_t id) { cs.delete_services.push_back(id); });
  DiffMaps(
      from.frontends, to.frontends,
      [&](const FrontendKey& k, const FrontendValue& v, bool) {
        cs.upsert_frontends.emplace_back(k, v);
      },
      [&](const FrontendKey& k) { cs.delete_frontends.push_back(k); });
  // A backend whose content changed under the same id is deleted and re-added;
  // deletions run last, so drop those from the delete list (add overwrites).
  std::erase_if(cs.delete_backends, [&](uint32_t id) { return to.backends.count(id) > 0; });
  return cs;
}

}  // namespace skiff::dataplane
