#include "dataplane/inspect/inspect.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "dataplane/ebpf/maps.h"

namespace skiff::dataplane::inspect {
namespace {

using ebpf::LbMaps;

// Opens the pinned maps for the duration of one call.
struct Pinned {
  LbMaps maps;
  ~Pinned() { maps.Close(); }
};

Result<std::unique_ptr<Pinned>> Open(const std::string& root) {
  auto m = ebpf::OpenPinned(root);
  if (!m.ok()) return m.status();
  auto p = std::make_unique<Pinned>();
  p->maps = *m;
  return p;
}

// "ns/name" or "ns/name:port" or "name" -> (ns/name, port selector).
std::pair<std::string, std::string> SplitService(const std::string& s) {
  std::string name = s, port;
  auto colon = s.rfind(':');
  if (colon != std::string::npos) {
    name = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (name.find('/') == std::string::npos) name = "default/" + name;
  return {name, port};
}

bool Matches(const ServicePortInfo& info, const std::string& name, const std::string& port) {
  if (info.name != name) return false;
  return port.empty() || port == info.port_name || port == std::to_string(info.port);
}

std::vector<uint32_t> MatchingServices(const State& st, const std::string& selector) {
  auto [name, port] = SplitService(selector);
  std::vector<uint32_t> ids;
  for (const auto& [id, info] : st.services)
    if (Matches(info, name, port)) ids.push_back(id);
  return ids;
}

std::string SetName(int slot) {
  static const char* names[] = {"cluster/IPv4", "cluster/IPv6", "external/IPv4", "external/IPv6"};
  return names[slot];
}

std::string Percent(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f%%", v);
  return buf;
}

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

std::string Age(uint64_t then) {
  uint64_t now = NowNs();
  if (then == 0 || then > now) return "0s";
  uint64_t s = (now - then) / 1000000000ull;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

std::string Endpoint(const IpAddr& a, uint16_t port_host) {
  return a.is_v4() ? a.ToString() + ":" + std::to_string(port_host)
                   : "[" + a.ToString() + "]:" + std::to_string(port_host);
}

Status NoMatch(const std::string& selector) {
  return NotFound("no Service matches \"" + selector + "\" (try `netctl lb services`)");
}

}  // namespace

std::string Table::ToText() const {
  std::vector<size_t> width(columns.size(), 0);
  for (size_t i = 0; i < columns.size(); ++i)
    width[i] = columns[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(width[i] - cells[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  };
  emit(columns);
  for (const auto& r : rows)
    emit(r);
  return out;
}

json::Value Table::ToJson() const {
  json::Array arr;
  for (const auto& r : rows) {
    json::Object o;
    for (size_t i = 0; i < columns.size() && i < r.size(); ++i) {
      std::string key = columns[i];
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return c == ' ' ? '_' : std::tolower(c); });
      o.Set(key, json::Value(r[i]));
    }
    arr.push_back(json::Value(std::move(o)));
  }
  return json::Value(std::move(arr));
}

Result<Table> Services(const std::string& root) {
  auto p = Open(root);
  if (!p.ok()) return p.status();
  auto st = ebpf::ReadState((*p)->maps);
  if (!st.ok()) return st.status();
  std::map<uint32_t, std::vector<std::string>> frontends;
  for (const auto& [k, v] : st->frontends)
    frontends[v.svc_id].push_back(k.ToString().substr(0, k.ToString().rfind('/')) + "(" +
                                  std::string(ScopeName(v.scope)) + ")");
  Table t;
  t.columns = {"SERVICE",  "PORT",      "PROTOCOL", "FRONTENDS", "BACKENDS",
               "AFFINITY", "NEW FLOWS", "PACKETS",  "BYTES",     "REJECTS"};
  for (const auto& [id, info] : st->services) {
    std::set<uint32_t> active, all;
    for (int i = 0; i < 4; ++i) {
      auto s = st->sets.find(info.sets[i]);
      if (info.sets[i] == 0 || s == st->sets.end()) continue;
      for (const auto& m : s->second.members) {
        all.insert(m.backend_id);
        if (m.active()) active.insert(m.backend_id);
      }
    }
    std::string fes;
    for (const auto& f : frontends[id])
      fes += (fes.empty() ? "" : ",") + f;
    auto stats = ebpf::ReadStats((*p)->maps.svc_stats, id);
    skiff_stats s{};
    if (stats.ok()) s = *stats;
    t.rows.push_back({info.name,
                      info.port_name.empty() ? std::to_string(info.port)
                                             : info.port_name + "/" + std::to_string(info.port),
                      std::string(ProtocolName(info.proto)), fes.empty() ? "<none>" : fes,
                      std::to_string(active.size()) + "/" + std::to_string(all.size()),
                      info.flags & kSvcAffinity
                          ? "ClientIP(" + std::to_string(info.affinity_timeout_s) + "s)"
                          : "None",
                      std::to_string(s.new_flows), std::to_string(s.packets),
                      std::to_string(s.bytes), std::to_string(s.rejects)});
  }
  return t;
}

Result<Table> Backends(const std::string& root, const std::string& selector) {
  auto p = Open(root);
  if (!p.ok()) return p.status();
  auto st = ebpf::ReadState((*p)->maps);
  if (!st.ok()) return st.status();
  auto ids = MatchingServices(*st, selector);
  if (ids.empty()) return NoMatch(selector);
  Table t;
  t.columns = {"SERVICE", "PORT", "SET",       "BACKEND", "STATE",
               "WEIGHT",  "NODE", "NEW FLOWS", "PACKETS", "BYTES"};
  for (uint32_t id : ids) {
    const auto& info = st->services.at(id);
    for (int i = 0; i < 4; ++i) {
      auto s = st->sets.find(info.sets[i]);
      if (info.sets[i] == 0 || s == st->sets.end()) continue;
      if (i >= kSetExternal4 && info.sets[i] == info.sets[i - 2]) continue;  // same as cluster
      for (const auto& m : s->second.members) {
        auto b = st->backends.find(m.backend_id);
        if (b == st->backends.end()) continue;
        auto stats = ebpf::ReadStats((*p)->maps.be_stats, m.backend_id);
        skiff_stats bs{};
        if (stats.ok()) bs = *stats;
        t.rows.push_back(
            {info.name, info.port_name.empty() ? std::to_string(info.port) : info.port_name,
             SetName(i) + "#" + std::to_string(info.sets[i]),
             Endpoint(b->second.addr, b->second.port),
             m.terminating ? "terminating" : (m.weight ? "active" : "drained"),
             std::to_string(m.weight), b->second.local ? "local" : "remote",
             std::to_string(bs.new_flows), std::to_string(bs.packets), std::to_string(bs.bytes)});
      }
    }
  }
  return t;
}

Result<Table> Maglev(const std::string& root, const std::string& selector) {
  auto p = Open(root);
  if (!p.ok()) return p.status();
  auto st = ebpf::ReadState((*p)->maps);
  if (!st.ok()) return st.status();
  auto ids = MatchingServices(*st, selector);
  if (ids.empty()) return NoMatch(selector);
  Table t;
  t.columns = {"SERVICE", "PORT", "SET", "TABLE SIZE", "BACKEND", "SLOTS", "SHARE"};
  std::set<uint32_t> done;
  for (uint32_t id : ids) {
    const auto& info = st->services.at(id);
    for (int i = 0; i < 4; ++i) {
      uint32_t set = info.sets[i];
      if (set == 0 || !done.insert(set).second) continue;
      auto table = ebpf::ReadMaglev((*p)->maps, set);
      if (!table.ok()) continue;
      std::map<uint32_t, size_t> slots;
      for (uint32_t b : *table)
        slots[b]++;
      for (const auto& [bid, n] : slots) {
        auto b = st->backends.find(bid);
        std::string be = bid == 0                  ? "<empty>"
                         : b == st->backends.end() ? "#" + std::to_string(bid)
                                                   : Endpoint(b->second.addr, b->second.port);
        t.rows.push_back({info.name,
                          info.port_name.empty() ? std::to_string(info.port) : info.port_name,
                          SetName(i) + "#" + std::to_string(set), std::to_string(table->size()), be,
                          std::to_string(n), Percent(100.0 * n / table->size())});
      }
    }
  }
  return t;
}

Result<Table> Conntrack(const std::string& root, const std::string& selector) {
  auto p = Open(root);
  if (!p.ok()) return p.status();
  auto st = ebpf::ReadState((*p)->maps);
  if (!st.ok()) return st.status();
  std::set<uint32_t> want;
  if (!selector.empty()) {
    auto ids = MatchingServices(*st, selector);
    if (ids.empty()) return NoMatch(selector);
    want.insert(ids.begin(), ids.end());
  }
  Table t;
  t.columns = {"PROTOCOL",   "DIRECTION", "SOURCE", "DESTINATION",
               "TRANSLATED", "SERVICE",   "STATE",  "IDLE"};
  auto row = [&](Family f, const uint8_t* saddr, const uint8_t* daddr, uint16_t sport,
                 uint16_t dport, uint8_t proto, const skiff_ct_value& v) {
    if (!want.empty() && !want.count(v.svc_id)) return;
    IpAddr s, d;
    s.family = d.family = f;
    size_t n = f == Family::kV4 ? 4 : 16;
    std::memcpy(s.bytes.data(), saddr, n);
    std::memcpy(d.bytes.data(), daddr, n);
    bool reply = v.flags & SKIFF_CT_REPLY;
    std::string xl =
        (reply ? "src=" : "dst=") + Endpoint(ebpf::AddrFromBpf(v.addr, f), ntohs(v.port));
    if (v.flags & SKIFF_CT_SNAT)
      xl += std::string(reply ? " dst=" : " src=") +
            Endpoint(ebpf::AddrFromBpf(v.addr2, f), ntohs(v.port2));
    auto info = st->services.find(v.svc_id);
    t.rows.push_back(
        {proto == SKIFF_PROTO_TCP ? "TCP" : "UDP", reply ? "reply" : "original",
         Endpoint(s, ntohs(sport)), Endpoint(d, ntohs(dport)), xl,
         info == st->services.end() ? "#" + std::to_string(v.svc_id) : info->second.DisplayName(),
         v.flags & SKIFF_CT_CLOSING ? "closing" : "open", Age(v.last_seen_ns)});
  };
  SKIFF_RETURN_IF_ERROR(
      ebpf::ForEach((*p)->maps.ct4, sizeof(skiff_ct4_key), sizeof(skiff_ct_value),
                    [&](const void* k, const void* v) {
                      auto* key = static_cast<const skiff_ct4_key*>(k);
                      row(Family::kV4, reinterpret_cast<const uint8_t*>(&key->saddr),
                          reinterpret_cast<const uint8_t*>(&key->daddr), key->sport, key->dport,
                          key->proto, *static_cast<const skiff_ct_value*>(v));
                    }));
  SKIFF_RETURN_IF_ERROR(
      ebpf::ForEach((*p)->maps.ct6, sizeof(skiff_ct6_key), sizeof(skiff_ct_value),
                    [&](const void* k, const void* v) {
                      auto* key = static_cast<const skiff_ct6_key*>(k);
                      row(Family::kV6, reinterpret_cast<const uint8_t*>(key->saddr),
                          reinterpret_cast<const uint8_t*>(key->daddr), key->sport, key->dport,
                          key->proto, *static_cast<const skiff_ct_value*>(v));
                    }));
  return t;
}

Result<Table> Stats(const std::string& root) {
  auto p = Open(root);
  if (!p.ok()) return p.status();
  const LbMaps& m = (*p)->maps;
  Table t;
  t.columns = {"MAP", "ENTRIES", "MAX ENTRIES"};
  struct M {
    const char* name;
    int fd;
    size_t key, value;
  } maps[] = {{SKIFF_MAP_SVC4, m.svc4, sizeof(skiff_svc4_key), sizeof(skiff_svc_value)},
              {SKIFF_MAP_SVC6, m.svc6, sizeof(skiff_svc6_key), sizeof(skiff_svc_value)},
              {SKIFF_MAP_SVC_INFO, m.svc_info, 4, sizeof(skiff_svc_info)},
              {SKIFF_MAP_BACKENDS, m.backends, 4, sizeof(skiff_backend)},
              {SKIFF_MAP_MEMBERS, m.members, sizeof(skiff_member_key), sizeof(skiff_member_value)},
              {SKIFF_MAP_CT4, m.ct4, sizeof(skiff_ct4_key), sizeof(skiff_ct_value)},
              {SKIFF_MAP_CT6, m.ct6, sizeof(skiff_ct6_key), sizeof(skiff_ct_value)},
              {SKIFF_MAP_AFFINITY, m.affinity, sizeof(skiff_aff_key), sizeof(skiff_aff_value)},
              {SKIFF_MAP_SOCK_NAT, m.sknat, sizeof(skiff_sknat_key), sizeof(skiff_sknat_value)},
              {SKIFF_MAP_NODE_IPS, m.nodeip, sizeof(skiff_nodeip_key), 4}};
  for (const auto& x : maps) {
    size_t n = 0;
    SKIFF_RETURN_IF_ERROR(
        ebpf::ForEach(x.fd, x.key, x.value, [&](const void*, const void*) { ++n; }));
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    bpf_obj_get_info_by_fd(x.fd, &info, &len);
    t.rows.push_back({x.name, std::to_string(n), std::to_string(info.max_entries)});
  }
  auto st = ebpf::ReadState(m);
  if (st.ok()) {
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    bpf_obj_get_info_by_fd(m.maglev, &info, &len);
    t.rows.push_back(
        {SKIFF_MAP_MAGLEV, std::to_string(st->sets.size()), std::to_string(info.max_entries)});
  }
  auto cfg = ebpf::ReadConfig(m);
  if (cfg.ok()) t.rows.push_back({"maglev table size", std::to_string(cfg->maglev_size), ""});
  return t;
}

}  // namespace skiff::dataplane::inspect
