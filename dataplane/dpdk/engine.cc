#include "dataplane/dpdk/engine.h"

namespace skiff::dataplane::dpdk {
namespace {

Status Exhausted(const std::string& what, uint32_t id, uint32_t max, const char* flag) {
  return Status(StatusCode::kResourceExhausted, what + " " + std::to_string(id) +
                                                    " is beyond the engine's capacity " +
                                                    std::to_string(max) + " (raise " + flag + ")");
}

}  // namespace

DpdkEngine::DpdkEngine(Publisher* publisher, CounterSet* counters, EngineLimits limits)
    : publisher_(publisher), counters_(counters), limits_(limits) {}

Result<State> DpdkEngine::ReadInstalled() {
  return installed_;
}

Status DpdkEngine::Apply(const ChangeSet& changes) {
  if (changes.empty()) return Status::Ok();
  State next = installed_;
  changes.ApplyTo(next);
  if (next.frontends.size() > limits_.max_frontends)
    return Exhausted("frontend count", static_cast<uint32_t>(next.frontends.size()),
                     limits_.max_frontends, "--max-frontends");
  for (const auto& [id, _] : changes.upsert_services)
    if (id >= limits_.max_services)
      return Exhausted("service id", id, limits_.max_services, "--max-services");
  for (const auto& [id, _] : changes.add_backends)
    if (id >= limits_.max_backends)
      return Exhausted("backend id", id, limits_.max_backends, "--max-backends");

  std::map<uint32_t, std::shared_ptr<const SetTable>> sets = sets_;
  for (uint32_t id : changes.delete_sets)
    sets.erase(id);
  for (const auto& [id, set] : changes.add_sets) {
    auto t = SetTable::Build(id, set, next.backends, limits_.maglev_size);
    if (!t.ok()) return t.status();
    sets[id] = *t;
  }
  auto tables = ServiceTables::Build(next, sets);
  if (!tables.ok()) return tables.status();

  // Counters of ids that change hands start from zero.
  if (counters_) {
    for (const auto& [id, info] : changes.upsert_services) {
      auto it = installed_.services.find(id);
      if (it == installed_.services.end() || it->second.name != info.name ||
          it->second.port_name != info.port_name || it->second.proto != info.proto)
        counters_->ResetService(id);
    }
    for (const auto& [id, _] : changes.add_backends)
      if (!installed_.backends.count(id)) counters_->ResetBackend(id);
  }
  {
    std::lock_guard<std::mutex> l(publish_mu_);
    publisher_->Publish(std::move(tables).value(), nullptr);
  }
  installed_ = std::move(next);
  sets_ = std::move(sets);
  return Status::Ok();
}

void DpdkEngine::SetNet(std::shared_ptr<const NetTables> net) {
  std::lock_guard<std::mutex> l(publish_mu_);
  publisher_->Publish(nullptr, std::move(net));
}

std::shared_ptr<const SetTable> DpdkEngine::set(uint32_t id) const {
  auto it = sets_.find(id);
  return it == sets_.end() ? nullptr : it->second;
}

}  // namespace skiff::dataplane::dpdk
