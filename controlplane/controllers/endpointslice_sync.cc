#include "controlplane/controllers/endpointslice_sync.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "api/client/typed.h"
#include "api/int_or_string.h"
#include "api/labels.h"

namespace skiff::controllers {
namespace {

using google::protobuf::util::MessageDifferencer;

std::string GroupKey(const std::string& type, const std::vector<api::EndpointPort>& ports) {
  std::string k = type;
  for (const auto& p : ports) {
    k += "|" + p.name() + "/" + p.protocol() + "/" + std::to_string(p.port());
  }
  return k;
}

bool SameEndpoints(const api::EndpointSlice& a, const api::EndpointSlice& b) {
  if (a.address_type() != b.address_type()) return false;
  if (a.ports_size() != b.ports_size() || a.endpoints_size() != b.endpoints_size()) return false;
  for (int i = 0; i < a.ports_size(); ++i) {
    if (!MessageDifferencer::Equals(a.ports(i), b.ports(i))) return false;
  }
  for (int i = 0; i < a.endpoints_size(); ++i) {
    if (!MessageDifferencer::Equals(a.endpoints(i), b.endpoints(i))) return false;
  }
  return true;
}

bool HasLabels(const api::ObjectMeta& meta, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : labels) {
    auto it = meta.labels().find(k);
    if (it == meta.labels().end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

api::EventHandlers QueueOwnKey(WorkQueue& queue) {
  auto key_of = [&queue](const api::ObjectPtr& o) { queue.Add(api::InformerBase::KeyOf(*o)); };
  api::EventHandlers h;
  h.on_add = key_of;
  h.on_update = [key_of](const api::ObjectPtr&, const api::ObjectPtr& o) { key_of(o); };
  h.on_delete = key_of;
  return h;
}

api::EventHandlers QueueServicesOfPod(const api::Informer<api::Service>& services,
                                      WorkQueue& queue) {
  auto enqueue = [&services, &queue](const api::ObjectPtr& o) {
    const auto& pod = static_cast<const api::Pod&>(*o);
    for (const auto& svc : services.List(pod.metadata().namespace_())) {
      if (svc->spec().selector().empty()) continue;
      if (api::Selector::FromLabels(svc->spec().selector()).Matches(pod.metadata().labels())) {
        queue.Add(api::InformerBase::KeyOf(*svc));
      }
    }
  };
  api::EventHandlers h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const api::ObjectPtr& old, const api::ObjectPtr& o) {
    enqueue(old);
    enqueue(o);
  };
  h.on_delete = enqueue;
  return h;
}

std::unique_ptr<api::Informer<api::EndpointSlice>> ManagedSliceInformer(
    api::ApiClient& client, const std::string& managed_by, WorkQueue& queue) {
  api::InformerOptions options;
  options.label_selector = std::string(kManagedByLabel) + "=" + managed_by;
  auto slices = std::make_unique<api::Informer<api::EndpointSlice>>(client, options);
  auto service_key = [](const google::protobuf::Message& m) -> std::string {
    const auto* meta = api::GetObjectMeta(m);
    auto it = meta->labels().find(kServiceNameLabel);
    return it == meta->labels().end() ? "" : meta->namespace_() + "/" + it->second;
  };
  slices->AddIndex(kSliceServiceIndex, [service_key](const google::protobuf::Message& m) {
    std::string key = service_key(m);
    return key.empty() ? std::vector<std::string>{} : std::vector<std::string>{key};
  });
  api::EventHandlers h;
  h.on_delete = [&queue, service_key](const api::ObjectPtr& o) {
    if (std::string key = service_key(*o); !key.empty()) queue.Add(key);
  };
  slices->AddHandlers(std::move(h));
  return slices;
}

bool PendingSliceCreates::Waiting(
    const std::string& key,
    const std::vector<std::shared_ptr<const api::EndpointSlice>>& existing) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return false;
  for (const auto& s : existing)
    it->second.erase(s->metadata().name());
  if (!it->second.empty()) return true;
  pending_.erase(it);
  return false;
}

void PendingSliceCreates::Add(const std::string& key, const std::set<std::string>& names) {
  if (names.empty()) return;
  std::lock_guard lock(mu_);
  pending_[key].insert(names.begin(), names.end());
}

SliceGroup& GroupFor(SliceGroups& groups, const std::string& address_type,
                     const std::vector<api::EndpointPort>& ports) {
  SliceGroup& g = groups[GroupKey(address_type, ports)];
  if (g.address_type.empty()) {
    g.address_type = address_type;
    g.ports = ports;
  }
  return g;
}

int32_t ResolveServicePort(const api::ServicePort& sp, const api::Pod& pod) {
  auto target = api::ReadIntOrString(sp.target_port(), "targetPort");
  if (!target.ok() || !target->is_set()) return sp.port();
  if (target->is_int()) return static_cast<int32_t>(target->int_value);
  std::string proto = sp.protocol().empty() ? "TCP" : sp.protocol();
  for (const auto& c : pod.spec().containers()) {
    for (const auto& p : c.ports()) {
      std::string pp = p.protocol().empty() ? "TCP" : p.protocol();
      if (p.name() == target->string_value && pp == proto) return p.container_port();
    }
  }
  return 0;
}

std::vector<api::EndpointSlice> SlicesFor(const SliceGroups& groups, size_t max_per_slice) {
  std::vector<api::EndpointSlice> out;
  for (const auto& [key, g] : groups) {
    size_t n = g.endpoints.size();
    size_t chunks = n == 0 ? 1 : (n + max_per_slice - 1) / max_per_slice;
    for (size_t c = 0; c < chunks; ++c) {
      api::EndpointSlice s;
      s.set_address_type(g.address_type);
      for (const auto& p : g.ports)
        *s.add_ports() = p;
      for (size_t i = c * max_per_slice; i < std::min(n, (c + 1) * max_per_slice); ++i)
        *s.add_endpoints() = g.endpoints[i];
      out.push_back(std::move(s));
    }
  }
  return out;
}

Status WriteSlices(api::ApiClient& client, const SliceOwner& owner,
                   const std::vector<std::shared_ptr<const api::EndpointSlice>>& existing,
                   std::vector<api::EndpointSlice> desired, std::set<std::string>* created) {
  std::vector<std::shared_ptr<const api::EndpointSlice>> pool = existing;
  std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) {
    return a->metadata().name() < b->metadata().name();
  });
  std::vector<bool> used(pool.size(), false);
  for (auto& want : desired) {
    int match = -1;
    for (size_t i = 0; i < pool.size() && match < 0; ++i) {
      if (!used[i] && SameEndpoints(*pool[i], want)) match = static_cast<int>(i);
    }
    for (size_t i = 0; i < pool.size() && match < 0; ++i) {
      if (!used[i] && pool[i]->address_type() == want.address_type()) match = static_cast<int>(i);
    }
    if (match >= 0) {
      used[match] = true;
      const api::EndpointSlice& have = *pool[match];
      if (SameEndpoints(have, want) && HasLabels(have.metadata(), owner.extra_labels)) continue;
      api::EndpointSlice updated = have;
      *updated.mutable_endpoints() = want.endpoints();
      *updated.mutable_ports() = want.ports();
      for (const auto& [k, v] : owner.extra_labels)
        (*updated.mutable_metadata()->mutable_labels())[k] = v;
      auto r = api::UpdateObject(client, updated);
      if (!r.ok()) return r.status();
      continue;
    }
    auto* meta = want.mutable_metadata();
    meta->set_namespace_(owner.ns);
    meta->set_generate_name(owner.service_name + "-");
    auto& labels = *meta->mutable_labels();
    for (const auto& [k, v] : owner.extra_labels)
      labels[k] = v;
    labels[kServiceNameLabel] = owner.service_name;
    labels[kManagedByLabel] = owner.managed_by;
    *meta->add_owner_references() = owner.owner;
    auto r = api::CreateObject(client, want);
    if (!r.ok()) return r.status();
    if (created) created->insert(r->metadata().name());
  }
  for (size_t i = 0; i < pool.size(); ++i) {
    if (used[i]) continue;
    auto s = api::DeleteObject<api::EndpointSlice>(client, owner.ns, pool[i]->metadata().name());
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::Ok();
}

}  // namespace skiff::controllers
