#include "dataplane/ebpf/engine.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>

#include "common/log.h"
#include "dataplane/core/maglev.h"

namespace skiff::dataplane::ebpf {
namespace {

Status Update(int fd, const char* map, const void* k, const void* v) {
  if (bpf_map_update_elem(fd, k, v, BPF_ANY) != 0) return MapError(map, "update", errno);
  return Status::Ok();
}

Status Delete(int fd, const char* map, const void* k) {
  if (bpf_map_delete_elem(fd, k) != 0 && errno != ENOENT) return MapError(map, "delete", errno);
  return Status::Ok();
}

template <typename M, typename K>
auto Find(const M& m, const K& k) -> std::optional<typename M::mapped_type> {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

EbpfEngine::EbpfEngine(const LbMaps& maps, uint32_t maglev_size, uint32_t tables_per_pool)
    : maps_(maps), maglev_size_(maglev_size), tables_per_pool_(tables_per_pool) {
  bpf_map_info info;
  std::memset(&info, 0, sizeof(info));
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(maps_.maglev, &info, &len) == 0) max_pools_ = info.max_entries;
}

EbpfEngine::~EbpfEngine() {
  for (auto& p : pools_) {
    if (p.mem) munmap(p.mem, p.bytes);
    if (p.fd >= 0) close(p.fd);
  }
}

Result<EbpfEngine::Pool*> EbpfEngine::EnsurePool(uint32_t pool) {
  if (pool < pools_.size() && pools_[pool].mem) return &pools_[pool];
  if (pool >= pools_.size()) pools_.resize(pool + 1);
  Pool& p = pools_[pool];
  const size_t elems = static_cast<size_t>(tables_per_pool_) * ((maglev_size_ + 1) / 2);
  p.bytes = (elems * 8 + 4095) & ~size_t{4095};
  __u32 key = pool, inner_id = 0;
  if (bpf_map_lookup_elem(maps_.maglev, &key, &inner_id) == 0) {
    p.fd = bpf_map_get_fd_by_id(inner_id);  // pool pinned by an earlier run
  } else {
    bpf_map_create_opts opts;
    std::memset(&opts, 0, sizeof(opts));
    opts.sz = sizeof(opts);
    opts.map_flags = BPF_F_MMAPABLE;
    p.fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "skiff_mgl_pool", 4, 8, static_cast<__u32>(elems),
                          &opts);
    if (p.fd < 0) return MapError(SKIFF_MAP_MAGLEV, "create table pool", errno);
    __u32 value = static_cast<__u32>(p.fd);
    // The one map-in-map update per pool (it waits for an RCU grace period).
    if (bpf_map_update_elem(maps_.maglev, &key, &value, BPF_ANY) != 0) {
      int err = errno;
      close(p.fd);
      p.fd = -1;
      return MapError(SKIFF_MAP_MAGLEV, "publish table pool", err);
    }
  }
  if (p.fd < 0) return MapError(SKIFF_MAP_MAGLEV, "open table pool", errno);
  void* mem = mmap(nullptr, p.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, p.fd, 0);
  if (mem == MAP_FAILED) {
    int err = errno;
    close(p.fd);
    p.fd = -1;
    return MapError(SKIFF_MAP_MAGLEV, "mmap table pool", err);
  }
  p.mem = static_cast<uint8_t*>(mem);
  return &p;
}

Result<State> EbpfEngine::ReadInstalled() {
  std::vector<skiff_member_key> stale;
  auto st = ReadState(maps_, &stale);
  if (!st.ok()) return st.status();
  for (const auto& k : stale)
    bpf_map_delete_elem(maps_.members, &k);
  if (!stale.empty())
    log::Get("proxy")->info("msg=\"dropped leftovers of an interrupted update\" members={}",
                            stale.size());
  installed_ = *st;
  return installed_;
}

void EbpfEngine::ZeroStats(int fd, uint32_t id) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return;
  std::vector<skiff_stats> zero(ncpu);
  std::memset(zero.data(), 0, zero.size() * sizeof(skiff_stats));
  bpf_map_update_elem(fd, &id, zero.data(), BPF_ANY);
}

Status EbpfEngine::WriteSet(uint32_t id, const BackendSet& set) {
  if (id == 0 || id / tables_per_pool_ >= max_pools_)
    return Status(StatusCode::kResourceExhausted,
                  "backend set id " + std::to_string(id) + " beyond map skiff_maglev_v1 capacity");
  std::vector<MaglevBackend> mb;
  for (const auto& m : set.members) {
    auto b = installed_.backends.find(m.backend_id);
    if (b == installed_.backends.end())
      return Internal("backend set " + std::to_string(id) + " references unknown backend " +
                      std::to_string(m.backend_id));
    mb.push_back({m.backend_id, b->second.addr, b->second.port, b->second.proto,
                  m.active() ? m.weight : uint16_t{0}});
  }
  std::vector<uint32_t> table = BuildMaglevTable(mb, maglev_size_);
  auto pool = EnsurePool(id / tables_per_pool_);
  if (!pool.ok()) return pool.status();
  // Two slots per 8-byte element (low half = even slot), as lb_select reads.
  const size_t half = (maglev_size_ + 1) / 2;
  auto* elems = reinterpret_cast<uint64_t*>((*pool)->mem) + (id % tables_per_pool_) * half;
  for (size_t k = 0; k < half; ++k) {
    uint64_t lo = table[2 * k];
    uint64_t hi = 2 * k + 1 < table.size() ? table[2 * k + 1] : 0;
    elems[k] = lo | (hi << 32);
  }
  // Members after the table: "members exist" implies "table complete" for a
  // restarted proxy that finds this set pinned.
  for (const auto& m : set.members) {
    skiff_member_key k{id, m.backend_id};
    skiff_member_value v;
    std::memset(&v, 0, sizeof(v));
    v.weight = m.weight;
    v.flags = m.terminating ? SKIFF_MEMBER_TERMINATING : 0;
    SKIFF_RETURN_IF_ERROR(Update(maps_.members, SKIFF_MAP_MEMBERS, &k, &v));
  }
  return Status::Ok();
}

Status EbpfEngine::RemoveSet(uint32_t id, const BackendSet& set) {
  // The table stays: its id is quarantined by core before reuse.
  for (const auto& m : set.members) {
    skiff_member_key k{id, m.backend_id};
    SKIFF_RETURN_IF_ERROR(Delete(maps_.members, SKIFF_MAP_MEMBERS, &k));
  }
  return Status::Ok();
}

Status EbpfEngine::WriteFrontend(const FrontendKey& k, const FrontendValue& v) {
  skiff_svc4_key k4;
  skiff_svc6_key k6;
  ToBpf(k, &k4, &k6);
  skiff_svc_value bv = ToBpf(v);
  if (k.addr.is_v4()) return Update(maps_.svc4, SKIFF_MAP_SVC4, &k4, &bv);
  return Update(maps_.svc6, SKIFF_MAP_SVC6, &k6, &bv);
}

Status EbpfEngine::RemoveFrontend(const FrontendKey& k) {
  skiff_svc4_key k4;
  skiff_svc6_key k6;
  ToBpf(k, &k4, &k6);
  if (k.addr.is_v4()) return Delete(maps_.svc4, SKIFF_MAP_SVC4, &k4);
  return Delete(maps_.svc6, SKIFF_MAP_SVC6, &k6);
}

Status EbpfEngine::Apply(const ChangeSet& cs) {
  std::vector<std::function<void()>> undo;
  State& inst = installed_;
  auto rollback = [&](Status s) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it)
      (*it)();
    return s;
  };
  // Backends. `inst` is updated as we go (WriteSet reads backends from it)
  // and restored by the undo log.
  for (const auto& [id, b] : cs.add_backends) {
    auto prev = Find(inst.backends, id);
    if (prev && *prev == b) continue;
    skiff_backend v = ToBpf(b);
    Status s = Update(maps_.backends, SKIFF_MAP_BACKENDS, &id, &v);
    if (!s.ok()) return rollback(s);
    if (!prev) ZeroStats(maps_.be_stats, id);
    inst.backends[id] = b;
    undo.push_back([this, id = id, prev]() {
      if (prev) {
        skiff_backend pv = ToBpf(*prev);
        bpf_map_update_elem(maps_.backends, &id, &pv, BPF_ANY);
        installed_.backends[id] = *prev;
      } else {
        bpf_map_delete_elem(maps_.backends, &id);
        installed_.backends.erase(id);
      }
    });
  }
  for (const auto& [id, set] : cs.add_sets) {
    auto prev = Find(inst.sets, id);
    if (prev && *prev == set) continue;
    if (prev) RemoveSet(id, *prev).ok();
    Status s = WriteSet(id, set);
    if (!s.ok()) {
      RemoveSet(id, set).ok();
      if (prev) WriteSet(id, *prev).ok();
      return rollback(s);
    }
    inst.sets[id] = set;
    undo.push_back([this, id = id, set = set, prev]() {
      RemoveSet(id, set).ok();
      installed_.sets.erase(id);
      if (prev && WriteSet(id, *prev).ok()) installed_.sets[id] = *prev;
    });
  }
  for (const auto& [id, info] : cs.upsert_services) {
    auto prev = Find(inst.services, id);
    if (prev && *prev == info) continue;
    skiff_svc_info v = ToBpf(info);
    Status s = Update(maps_.svc_info, SKIFF_MAP_SVC_INFO, &id, &v);
    if (!s.ok()) return rollback(s);
    if (!prev) ZeroStats(maps_.svc_stats, id);
    inst.services[id] = info;
    undo.push_back([this, id = id, prev]() {
      if (prev) {
        skiff_svc_info pv = ToBpf(*prev);
        bpf_map_update_elem(maps_.svc_info, &id, &pv, BPF_ANY);
        installed_.services[id] = *prev;
      } else {
        bpf_map_delete_elem(maps_.svc_info, &id);
        installed_.services.erase(id);
      }
    });
  }
  for (const auto& [k, v] : cs.upsert_frontends) {
    auto prev = Find(inst.frontends, k);
    if (prev && *prev == v) continue;
    Status s = WriteFrontend(k, v);
    if (!s.ok()) return rollback(s);
    inst.frontends[k] = v;
    undo.push_back([this, k = k, prev]() {
      if (prev) {
        WriteFrontend(k, *prev).ok();
        installed_.frontends[k] = *prev;
      } else {
        RemoveFrontend(k).ok();
        installed_.frontends.erase(k);
      }
    });
  }
  for (const auto& k : cs.delete_frontends) {
    auto prev = Find(inst.frontends, k);
    Status s = RemoveFrontend(k);
    if (!s.ok()) return rollback(s);
    inst.frontends.erase(k);
    if (prev)
      undo.push_back([this, k = k, prev]() {
        WriteFrontend(k, *prev).ok();
        installed_.frontends[k] = *prev;
      });
  }
  // Past this point only deletions of unreferenced entries remain; a failure
  // there leaves garbage that the next resync removes, never a dangling
  // reference, so no rollback is needed.
  for (uint32_t id : cs.delete_services) {
    Delete(maps_.svc_info, SKIFF_MAP_SVC_INFO, &id).ok();
    inst.services.erase(id);
  }
  for (uint32_t id : cs.delete_sets) {
    auto prev = Find(inst.sets, id);
    if (prev) RemoveSet(id, *prev).ok();
    inst.sets.erase(id);
  }
  for (uint32_t id : cs.delete_backends) {
    Delete(maps_.backends, SKIFF_MAP_BACKENDS, &id).ok();
    inst.backends.erase(id);
  }
  return Status::Ok();
}

}  // namespace skiff::dataplane::ebpf
