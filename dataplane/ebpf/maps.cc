#include "dataplane/ebpf/maps.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace skiff::dataplane::ebpf {

void LbMaps::Close() {
  for (int* fd : {&svc4, &svc6, &backends, &members, &maglev, &ct4, &ct6, &affinity, &sknat,
                  &nodeip, &svc_stats, &be_stats, &svc_info, &config}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

Status MapError(const char* map, const char* op, int err) {
  if (err < 0) err = -err;
  std::string msg = std::string(op) + " on map " + map + ": " + std::strerror(err);
  if (err == E2BIG || err == ENOSPC || err == ENOMEM)
    return Status(StatusCode::kResourceExhausted, msg + " (map full)");
  if (err == ENOENT) return NotFound(msg);
  return Internal(msg);
}

Result<LbMaps> OpenPinned(const std::string& root) {
  LbMaps m;
  struct Pin {
    const char* name;
    int* fd;
  } pins[] = {{SKIFF_MAP_SVC4, &m.svc4},
              {SKIFF_MAP_SVC6, &m.svc6},
              {SKIFF_MAP_BACKENDS, &m.backends},
              {SKIFF_MAP_MEMBERS, &m.members},
              {SKIFF_MAP_MAGLEV, &m.maglev},
              {SKIFF_MAP_CT4, &m.ct4},
              {SKIFF_MAP_CT6, &m.ct6},
              {SKIFF_MAP_AFFINITY, &m.affinity},
              {SKIFF_MAP_SOCK_NAT, &m.sknat},
              {SKIFF_MAP_NODE_IPS, &m.nodeip},
              {SKIFF_MAP_SVC_STATS, &m.svc_stats},
              {SKIFF_MAP_BE_STATS, &m.be_stats},
              {SKIFF_MAP_SVC_INFO, &m.svc_info},
              {SKIFF_MAP_CONFIG, &m.config}};
  for (auto& p : pins) {
    std::string path = root + "/" + p.name;
    *p.fd = bpf_obj_get(path.c_str());
    if (*p.fd < 0) {
      int err = errno;
      m.Close();
      return NotFound("opening pinned map " + path + ": " + std::strerror(err) +
                      " (is skiff-proxy running with --bpf-root " + root + "?)");
    }
  }
  return m;
}

skiff_addr AddrToBpf(const IpAddr& a) {
  skiff_addr out;
  std::memset(&out, 0, sizeof(out));
  std::memcpy(out.bytes, a.bytes.data(), a.is_v4() ? 4 : 16);
  return out;
}

IpAddr AddrFromBpf(const skiff_addr& a, Family family) {
  IpAddr out;
  out.family = family;
  std::memcpy(out.bytes.data(), a.bytes, family == Family::kV4 ? 4 : 16);
  return out;
}

void ToBpf(const FrontendKey& k, skiff_svc4_key* out4, skiff_svc6_key* out6) {
  if (k.addr.is_v4()) {
    std::memset(out4, 0, sizeof(*out4));
    std::memcpy(&out4->addr, k.addr.bytes.data(), 4);
    out4->port = htons(k.port);
    out4->proto = static_cast<__u8>(k.proto);
  } else {
    std::memset(out6, 0, sizeof(*out6));
    std::memcpy(out6->addr, k.addr.bytes.data(), 16);
    out6->port = htons(k.port);
    out6->proto = static_cast<__u8>(k.proto);
  }
}

skiff_svc_value ToBpf(const FrontendValue& v) {
  skiff_svc_value out;
  std::memset(&out, 0, sizeof(out));
  out.svc_id = v.svc_id;
  out.set_id = v.set_id;
  out.affinity_timeout_s = v.affinity_timeout_s;
  out.count = v.count;
  out.flags = v.flags;
  out.scope = static_cast<__u8>(v.scope);
  return out;
}

FrontendValue FromBpf(const skiff_svc_value& v) {
  return FrontendValue{v.svc_id, v.set_id, v.affinity_timeout_s,
                       v.count,  v.flags,  static_cast<Scope>(v.scope)};
}

skiff_backend ToBpf(const Backend& b) {
  skiff_backend out;
  std::memset(&out, 0, sizeof(out));
  out.addr = AddrToBpf(b.addr);
  out.port = htons(b.port);
  out.proto = static_cast<__u8>(b.proto);
  out.family = b.addr.is_v4() ? SKIFF_AF_INET : SKIFF_AF_INET6;
  out.flags = b.local ? SKIFF_BE_LOCAL : 0;
  return out;
}

Backend FromBpf(const skiff_backend& b) {
  Family f = b.family == SKIFF_AF_INET ? Family::kV4 : Family::kV6;
  return Backend{AddrFromBpf(b.addr, f), ntohs(b.port), static_cast<Protocol>(b.proto),
                 (b.flags & SKIFF_BE_LOCAL) != 0};
}

skiff_svc_info ToBpf(const ServicePortInfo& s) {
  skiff_svc_info out;
  std::memset(&out, 0, sizeof(out));
  std::strncpy(out.name, s.name.c_str(), sizeof(out.name) - 1);
  std::strncpy(out.port_name, s.port_name.c_str(), sizeof(out.port_name) - 1);
  for (int i = 0; i < 4; ++i)
    out.sets[i] = s.sets[i];
  out.affinity_timeout_s = s.affinity_timeout_s;
  out.port = s.port;
  out.proto = static_cast<__u8>(s.proto);
  out.flags = s.flags;
  return out;
}

ServicePortInfo FromBpf(const skiff_svc_info& s) {
  ServicePortInfo out;
  out.name.assign(s.name, strnlen(s.name, sizeof(s.name)));
  out.port_name.assign(s.port_name, strnlen(s.port_name, sizeof(s.port_name)));
  for (int i = 0; i < 4; ++i)
    out.sets[i] = s.sets[i];
  out.affinity_timeout_s = s.affinity_timeout_s;
  out.port = s.port;
  out.proto = static_cast<Protocol>(s.proto);
  out.flags = s.flags;
  return out;
}

Status ForEach(int fd, size_t key_size, size_t value_size,
               const std::function<void(const void*, const void*)>& fn) {
  std::vector<uint8_t> key(key_size), next(key_size), value(value_size);
  void* prev = nullptr;
  while (true) {
    if (bpf_map_get_next_key(fd, prev, next.data()) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return MapError("?", "iterate", errno);
    }
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0) fn(next.data(), value.data());
    key = next;
    prev = key.data();
  }
}

Result<skiff_config> ReadConfig(const LbMaps& maps) {
  skiff_config cfg;
  __u32 zero = 0;
  if (bpf_map_lookup_elem(maps.config, &zero, &cfg) != 0)
    return MapError(SKIFF_MAP_CONFIG, "lookup", errno);
  return cfg;
}

Result<State> ReadState(const LbMaps& maps, std::vector<skiff_member_key>* stale_members) {
  State s;
  SKIFF_RETURN_IF_ERROR(ForEach(maps.svc4, sizeof(skiff_svc4_key), sizeof(skiff_svc_value),
                                [&](const void* k, const void* v) {
                                  auto* key = static_cast<const skiff_svc4_key*>(k);
                                  FrontendKey fk;
                                  fk.addr.family = Family::kV4;
                                  std::memcpy(fk.addr.bytes.data(), &key->addr, 4);
                                  fk.port = ntohs(key->port);
                                  fk.proto = static_cast<Protocol>(key->proto);
                                  s.frontends[fk] =
                                      FromBpf(*static_cast<const skiff_svc_value*>(v));
                                }));
  SKIFF_RETURN_IF_ERROR(ForEach(maps.svc6, sizeof(skiff_svc6_key), sizeof(skiff_svc_value),
                                [&](const void* k, const void* v) {
                                  auto* key = static_cast<const skiff_svc6_key*>(k);
                                  FrontendKey fk;
                                  fk.addr.family = Family::kV6;
                                  std::memcpy(fk.addr.bytes.data(), key->addr, 16);
                                  fk.port = ntohs(key->port);
                                  fk.proto = static_cast<Protocol>(key->proto);
                                  s.frontends[fk] =
                                      FromBpf(*static_cast<const skiff_svc_value*>(v));
                                }));
  SKIFF_RETURN_IF_ERROR(ForEach(
      maps.svc_info, sizeof(__u32), sizeof(skiff_svc_info), [&](const void* k, const void* v) {
        s.services[*static_cast<const __u32*>(k)] = FromBpf(*static_cast<const skiff_svc_info*>(v));
      }));
  SKIFF_RETURN_IF_ERROR(ForEach(
      maps.backends, sizeof(__u32), sizeof(skiff_backend), [&](const void* k, const void* v) {
        s.backends[*static_cast<const __u32*>(k)] = FromBpf(*static_cast<const skiff_backend*>(v));
      }));
  std::map<uint32_t, BackendSet> sets;
  SKIFF_RETURN_IF_ERROR(
      ForEach(maps.members, sizeof(skiff_member_key), sizeof(skiff_member_value),
              [&](const void* k, const void* v) {
                auto* key = static_cast<const skiff_member_key*>(k);
                auto* val = static_cast<const skiff_member_value*>(v);
                sets[key->set_id].members.push_back(
                    {key->backend_id, val->weight, (val->flags & SKIFF_MEMBER_TERMINATING) != 0});
              }));
  // A set is installed when its members exist and its table pool does.
  skiff_config cfg;
  __u32 zero = 0;
  if (bpf_map_lookup_elem(maps.config, &zero, &cfg) != 0 || cfg.tables_per_pool == 0)
    cfg.tables_per_pool = 0;
  for (auto& [id, set] : sets) {
    __u32 pool = cfg.tables_per_pool ? id / cfg.tables_per_pool : 0;
    __u32 inner_id = 0;
    bool has_table = cfg.tables_per_pool && bpf_map_lookup_elem(maps.maglev, &pool, &inner_id) == 0;
    if (!has_table) {
      if (stale_members)
        for (const auto& m : set.members)
          stale_members->push_back({id, m.backend_id});
      continue;
    }
    std::sort(set.members.begin(), set.members.end());
    s.sets[id] = std::move(set);
  }
  return s;
}

Result<std::vector<uint32_t>> ReadMaglev(const LbMaps& maps, uint32_t set_id) {
  auto cfg = ReadConfig(maps);
  if (!cfg.ok()) return cfg.status();
  if (cfg->tables_per_pool == 0 || cfg->maglev_size == 0)
    return NotFound("no Maglev configuration in " SKIFF_MAP_CONFIG);
  __u32 pool = set_id / cfg->tables_per_pool;
  __u32 inner_id = 0;
  if (bpf_map_lookup_elem(maps.maglev, &pool, &inner_id) != 0)
    return NotFound("backend set " + std::to_string(set_id) + " has no Maglev table");
  int fd = bpf_map_get_fd_by_id(inner_id);
  if (fd < 0) return MapError(SKIFF_MAP_MAGLEV, "open table pool", errno);
  const size_t half = (cfg->maglev_size + 1) / 2;
  const size_t bytes =
      (static_cast<size_t>(cfg->tables_per_pool) * half * 8 + 4095) & ~size_t{4095};
  void* mem = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) return MapError(SKIFF_MAP_MAGLEV, "mmap table pool", errno);
  const auto* elems = static_cast<const uint64_t*>(mem) + (set_id % cfg->tables_per_pool) * half;
  std::vector<uint32_t> table(cfg->maglev_size);
  for (size_t i = 0; i < table.size(); ++i) {
    uint64_t e = elems[i / 2];
    table[i] = static_cast<uint32_t>((i & 1) ? e >> 32 : e);
  }
  munmap(mem, bytes);
  return table;
}

Result<skiff_stats> ReadStats(int fd, uint32_t id) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return Internal("cannot count possible CPUs");
  std::vector<skiff_stats> per(ncpu);
  if (bpf_map_lookup_elem(fd, &id, per.data()) != 0) return MapError("stats", "lookup", errno);
  skiff_stats sum;
  std::memset(&sum, 0, sizeof(sum));
  for (const auto& s : per) {
    sum.packets += s.packets;
    sum.bytes += s.bytes;
    sum.new_flows += s.new_flows;
    sum.rejects += s.rejects;
  }
  return sum;
}

}  // namespace skiff::dataplane::ebpf
