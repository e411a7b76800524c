#include "dataplane/core/core.h"

#include <algorithm>
#include <cassert>

namespace skiff::dataplane {

struct Core::Plan::Contribution {
  std::map<FrontendKey, FrontendValue> frontends;
  std::map<uint32_t, ServicePortInfo> services;
  std::vector<uint32_t> set_refs;     // one per (service port, set slot) in use
  std::set<FrontendKey> blocked;      // wanted but owned by another Service
  std::map<uint32_t, int> set_delta;  // filled by PlanService for Commit
  std::map<uint32_t, int> backend_delta;
  std::map<uint32_t, BackendSet> new_sets;  // id -> content, for pending sets
  std::map<uint32_t, Backend> new_backends;
};

namespace {
std::string SvcIdentity(const ServicePortInfo& info) {
  return info.name + "\n" + info.port_name + "\n" + std::string(ProtocolName(info.proto));
}
}  // namespace

Core::Core(NodeInfo node, CoreLimits limits)
    : node_(std::move(node)),
      svc_alloc_(limits.max_services),
      set_alloc_(limits.max_sets, std::chrono::milliseconds(limits.set_quarantine_ms)),
      backend_alloc_(limits.max_backends) {}

Core::~Core() = default;

std::vector<std::string> Core::SetService(Service s) {
  std::string key = s.Key();
  services_[key] = std::move(s);
  return {key};
}

std::vector<std::string> Core::RemoveService(const std::string& key) {
  services_.erase(key);
  return {key};
}

std::vector<std::string> Core::SetSlice(EndpointSlice s) {
  std::vector<std::string> affected;
  std::string key = s.Key();
  auto it = slices_.find(key);
  if (it != slices_.end()) {
    std::string old = it->second.ServiceKey();
    slices_by_service_[old].erase(key);
    if (slices_by_service_[old].empty()) slices_by_service_.erase(old);
    affected.push_back(old);
  }
  std::string svc = s.ServiceKey();
  slices_[key] = std::move(s);
  slices_by_service_[svc].insert(key);
  if (affected.empty() || affected[0] != svc) affected.push_back(svc);
  return affected;
}

std::vector<std::string> Core::RemoveSlice(const std::string& key) {
  auto it = slices_.find(key);
  if (it == slices_.end()) return {};
  std::string svc = it->second.ServiceKey();
  slices_by_service_[svc].erase(key);
  if (slices_by_service_[svc].empty()) slices_by_service_.erase(svc);
  slices_.erase(it);
  return {svc};
}

std::vector<std::string> Core::AllServiceKeys() const {
  std::set<std::string> keys;
  for (const auto& [k, _] : services_)
    keys.insert(k);
  for (const auto& [k, _] : installed_)
    keys.insert(k);
  return {keys.begin(), keys.end()};
}

uint32_t Core::SvcId(Plan& plan, const ServicePortInfo& info) {
  std::string ident = SvcIdentity(info);
  if (auto it = svc_ids_.find(ident); it != svc_ids_.end()) return it->second;
  if (auto it = plan.pending_svc_ids.find(ident); it != plan.pending_svc_ids.end())
    return it->second;
  uint32_t id = svc_alloc_.Allocate();
  if (id) {
    plan.pending_svc_ids[ident] = id;
    plan.new_svc_ids.push_back(id);
  }
  return id;
}

uint32_t Core::BackendId(Plan& plan, const Backend& b) {
  if (auto it = backend_ids_.find(b); it != backend_ids_.end()) return it->second;
  if (auto it = plan.pending_backends.find(b); it != plan.pending_backends.end()) return it->second;
  uint32_t id = backend_alloc_.Allocate();
  if (id) {
    plan.pending_backends[b] = id;
    plan.new_backend_ids.push_back(id);
    plan.next->new_backends[id] = b;
  }
  return id;
}

uint32_t Core::SetId(Plan& plan, const BackendSet& set) {
  if (auto it = set_ids_.find(set); it != set_ids_.end()) return it->second;
  if (auto it = plan.pending_sets.find(set); it != plan.pending_sets.end()) return it->second;
  uint32_t id = set_alloc_.Allocate();
  if (id) {
    plan.pending_sets[set] = id;
    plan.new_set_ids.push_back(id);
    plan.next->new_sets[id] = set;
  }
  return id;
}

void Core::ReleasePlanIds(Plan& plan) {
  for (uint32_t id : plan.new_svc_ids)
    svc_alloc_.ReleaseNow(id);
  for (uint32_t id : plan.new_set_ids)
    set_alloc_.ReleaseNow(id);
  for (uint32_t id : plan.new_backend_ids)
    backend_alloc_.ReleaseNow(id);
  plan.new_svc_ids.clear();
  plan.new_set_ids.clear();
  plan.new_backend_ids.clear();
}

Core::Plan Core::PlanService(const std::string& key) {
  assert(!plan_open_ && "Commit or Abort the previous plan first");
  plan_open_ = true;
  Plan plan;
  plan.service = key;
  plan.next = std::make_shared<Contribution>();
  Contribution& next = *plan.next;
  static const Contribution kEmpty;
  auto inst = installed_.find(key);
  const Contribution& old = inst == installed_.end() ? kEmpty : *inst->second;

  auto fail = [&](std::string reason, std::string message) {
    plan.issues.push_back({Issue::Severity::kError, std::move(reason), std::move(message)});
    plan.ok = false;
    ReleasePlanIds(plan);
    plan.next.reset();
    return std::move(plan);
  };

  if (auto it = services_.find(key); it != services_.end()) {
    std::vector<const EndpointSlice*> slices;
    if (auto s = slices_by_service_.find(key); s != slices_by_service_.end())
      for (const auto& sk : s->second)
        slices.push_back(&slices_.at(sk));
    auto tr = Translate(it->second, slices, node_);
    if (!tr.ok()) return fail("invalid_service", tr.status().message());
    for (auto& w : tr->warnings)
      plan.issues.push_back({Issue::Severity::kWarning, "warning", w});

    for (const PortSpec& ps : tr->ports) {
      ServicePortInfo info = ps.info;
      BackendSet contents[4];
      for (int i = 0; i < 4; ++i) {
        if (ps.sets[i].empty()) continue;
        for (const BackendSpec& b : ps.sets[i]) {
          uint32_t bid = BackendId(plan, b.backend);
          if (!bid) return fail("ids_exhausted", "service " + key + ": no free backend id");
          contents[i].members.push_back({bid, b.weight, b.terminating});
        }
        std::sort(contents[i].members.begin(), contents[i].members.end());
        uint32_t sid = SetId(plan, contents[i]);
        if (!sid) return fail("ids_exhausted", "service " + key + ": no free backend-set id");
        info.sets[i] = sid;
        next.set_refs.push_back(sid);
      }
      uint32_t svc_id = SvcId(plan, info);
      if (!svc_id) return fail("ids_exhausted", "service " + key + ": no free service id");
      next.services[svc_id] = info;
      for (const FrontendSpec& fe : ps.frontends) {
        if (next.frontends.count(fe.key)) {
          plan.issues.push_back(
              {Issue::Severity::kWarning, "duplicate_frontend",
               "service " + key + ": frontend " + fe.key.ToString() + " listed twice; kept once"});
          continue;
        }
        auto owner = frontend_owner_.find(fe.key);
        if (owner != frontend_owner_.end() && owner->second != key) {
          plan.issues.push_back({Issue::Severity::kError, "duplicate_frontend",
                                 "service " + key + ": frontend " + fe.key.ToString() +
                                     " is already used by service " + owner->second +
                                     "; skipped until that one releases it"});
          next.blocked.insert(fe.key);
          continue;
        }
        bool ext = fe.scope != Scope::kCluster;
        int slot = (ext ? kSetExternal4 : kSetCluster4) + (fe.key.addr.is_v4() ? 0 : 1);
        uint16_t count = contents[slot].ActiveCount();
        next.frontends[fe.key] = FrontendValue{
            svc_id,  count ? info.sets[slot] : 0, info.affinity_timeout_s, count, fe.flags,
            fe.scope};
      }
    }
  }

  // Frontends and service ports: direct diff of this Service's entries.
  for (const auto& [k, v] : next.frontends) {
    auto o = old.frontends.find(k);
    if (o == old.frontends.end() || !(o->second == v))
      plan.changes.upsert_frontends.emplace_back(k, v);
  }
  for (const auto& [k, _] : old.frontends)
    if (!next.frontends.count(k)) plan.changes.delete_frontends.push_back(k);
  for (const auto& [id, info] : next.services) {
    auto o = old.services.find(id);
    if (o == old.services.end() || !(o->second == info))
      plan.changes.upsert_services.emplace_back(id, info);
  }
  for (const auto& [id, _] : old.services)
    if (!next.services.count(id)) plan.changes.delete_services.push_back(id);

  // Sets and backends: reference-count deltas; only 0 <-> >0 transitions
  // become operations.
  for (uint32_t id : old.set_refs)
    next.set_delta[id]--;
  for (uint32_t id : next.set_refs)
    next.set_delta[id]++;
  auto set_content = [&](uint32_t id) -> const BackendSet& {
    if (auto it = sets_.find(id); it != sets_.end()) return it->second.set;
    return next.new_sets.at(id);
  };
  for (const auto& [id, d] : next.set_delta) {
    if (d == 0) continue;
    auto it = sets_.find(id);
    int cur = it == sets_.end() ? 0 : it->second.refs;
    int now = cur + d;
    const BackendSet& content = set_content(id);
    if (cur == 0 && now > 0) {
      plan.changes.add_sets.emplace_back(id, content);
      for (const auto& m : content.members)
        next.backend_delta[m.backend_id]++;
    } else if (cur > 0 && now == 0) {
      plan.changes.delete_sets.push_back(id);
      for (const auto& m : content.members)
        next.backend_delta[m.backend_id]--;
    }
  }
  for (const auto& [id, d] : next.backend_delta) {
    if (d == 0) continue;
    auto it = backends_.find(id);
    int cur = it == backends_.end() ? 0 : it->second.refs;
    int now = cur + d;
    if (cur == 0 && now > 0) {
      const Backend& b = it != backends_.end() ? it->second.backend : next.new_backends.at(id);
      plan.changes.add_backends.emplace_back(id, b);
    } else if (cur > 0 && now == 0) {
      plan.changes.delete_backends.push_back(id);
    }
  }
  return plan;
}

void Core::Commit(Plan plan) {
  assert(plan_open_);
  plan_open_ = false;
  if (!plan.ok || !plan.next) return;
  Contribution& next = *plan.next;
  static const Contribution kEmpty;
  auto inst = installed_.find(plan.service);
  const Contribution& old = inst == installed_.end() ? kEmpty : *inst->second;

  for (const auto& [content, id] : plan.pending_sets) {
    set_ids_[content] = id;
    sets_[id] = SetEntry{content, 0};
  }
  for (const auto& [b, id] : plan.pending_backends) {
    backend_ids_[b] = id;
    backends_[id] = BackendEntry{b, 0};
  }
  for (const auto& [ident, id] : plan.pending_svc_ids) {
    svc_ids_[ident] = id;
    svc_refs_[id] = SvcRef{0, ident};
  }
  // Every pending id is now owned by the maps above (released via refcounts).
  for (const auto& [id, d] : next.set_delta) {
    auto it = sets_.find(id);
    if (it == sets_.end()) continue;
    it->second.refs += d;
    if (it->second.refs <= 0 && d < 0) {
      set_ids_.erase(it->second.set);
      sets_.erase(it);
      set_alloc_.Release(id);
    }
  }
  for (const auto& [id, d] : next.backend_delta) {
    auto it = backends_.find(id);
    if (it == backends_.end()) continue;
    it->second.refs += d;
    if (it->second.refs <= 0 && d < 0) {
      backend_ids_.erase(it->second.backend);
      backends_.erase(it);
      backend_alloc_.Release(id);
    }
  }
  // Pending entities that ended up unreferenced (cannot happen for sets in
  // use; guards against leaks when a set was planned but not referenced).
  for (uint32_t id : plan.new_set_ids)
    if (auto it = sets_.find(id); it != sets_.end() && it->second.refs == 0) {
      set_ids_.erase(it->second.set);
      sets_.erase(it);
      set_alloc_.Release(id);
    }
  for (uint32_t id : plan.new_backend_ids)
    if (auto it = backends_.find(id); it != backends_.end() && it->second.refs == 0) {
      backend_ids_.erase(it->second.backend);
      backends_.erase(it);
      backend_alloc_.Release(id);
    }
  for (const auto& [id, _] : old.services)
    svc_refs_[id].refs--;
  for (const auto& [id, _] : next.services)
    svc_refs_[id].refs++;
  for (const auto& [id, _] : old.services) {
    auto it = svc_refs_.find(id);
    if (it == svc_refs_.end() || it->second.refs > 0) continue;
    svc_ids_.erase(it->second.ident);
    svc_alloc_.Release(id);
    svc_refs_.erase(it);
  }

  // Frontend ownership and waiters.
  for (const auto& [k, _] : old.frontends) {
    if (next.frontends.count(k)) continue;
    auto o = frontend_owner_.find(k);
    if (o != frontend_owner_.end() && o->second == plan.service) {
      frontend_owner_.erase(o);
      if (auto w = frontend_waiters_.find(k); w != frontend_waiters_.end())
        retries_.insert(w->second.begin(), w->second.end());
    }
  }
  for (const auto& [k, _] : next.frontends)
    frontend_owner_[k] = plan.service;
  for (const auto& k : old.blocked) {
    auto w = frontend_waiters_.find(k);
    if (w == frontend_waiters_.end()) continue;
    w->second.erase(plan.service);
    if (w->second.empty()) frontend_waiters_.erase(w);
  }
  for (const auto& k : next.blocked)
    frontend_waiters_[k].insert(plan.service);

  next.set_delta.clear();
  next.backend_delta.clear();
  next.new_sets.clear();
  next.new_backends.clear();
  if (next.frontends.empty() && next.services.empty() && next.blocked.empty())
    installed_.erase(plan.service);
  else
    installed_[plan.service] = plan.next;
}

void Core::Abort(Plan plan) {
  assert(plan_open_);
  plan_open_ = false;
  ReleasePlanIds(plan);
}

std::vector<std::string> Core::TakeRetries() {
  std::vector<std::string> out(retries_.begin(), retries_.end());
  retries_.clear();
  return out;
}

void Core::Adopt(const State& installed) {
  for (const auto& [id, b] : installed.backends) {
    if (backends_.count(id) || backend_ids_.count(b)) continue;
    backend_ids_[b] = id;
    backends_[id] = BackendEntry{b, 0};
    backend_alloc_.MarkUsed(id);
  }
  for (const auto& [id, s] : installed.sets) {
    if (sets_.count(id) || set_ids_.count(s)) continue;
    bool members_known = std::all_of(s.members.begin(), s.members.end(), [&](const Member& m) {
      return backends_.count(m.backend_id) > 0;
    });
    if (!members_known) continue;  // inconsistent pinned state: rebuild it
    set_ids_[s] = id;
    sets_[id] = SetEntry{s, 0};
    set_alloc_.MarkUsed(id);
  }
  for (const auto& [id, info] : installed.services) {
    std::string ident = SvcIdentity(info);
    if (svc_refs_.count(id) || svc_ids_.count(ident)) continue;
    svc_ids_[ident] = id;
    svc_refs_[id] = SvcRef{0, ident};
    svc_alloc_.MarkUsed(id);
  }
}

void Core::ReleaseAdopted() {
  for (auto it = sets_.begin(); it != sets_.end();) {
    if (it->second.refs == 0) {
      set_ids_.erase(it->second.set);
      set_alloc_.Release(it->first);
      it = sets_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = backends_.begin(); it != backends_.end();) {
    if (it->second.refs == 0) {
      backend_ids_.erase(it->second.backend);
      backend_alloc_.Release(it->first);
      it = backends_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = svc_refs_.begin(); it != svc_refs_.end();) {
    if (it->second.refs == 0) {
      svc_ids_.erase(it->second.ident);
      svc_alloc_.Release(it->first);
      it = svc_refs_.erase(it);
    } else {
      ++it;
    }
  }
}

State Core::Snapshot() const {
  State s;
  for (const auto& [_, c] : installed_) {
    s.frontends.insert(c->frontends.begin(), c->frontends.end());
    s.services.insert(c->services.begin(), c->services.end());
  }
  for (const auto& [id, e] : sets_)
    if (e.refs > 0) s.sets[id] = e.set;
  for (const auto& [id, e] : backends_)
    if (e.refs > 0) s.backends[id] = e.backend;
  return s;
}

std::vector<std::string> Core::OrphanSlices() const {
  std::vector<std::string> out;
  for (const auto& [key, slice] : slices_)
    if (!services_.count(slice.ServiceKey())) out.push_back(key);
  return out;
}

}  // namespace skiff::dataplane
