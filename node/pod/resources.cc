#include "node/pod/resources.h"

#include <algorithm>

#include "api/quantity.h"

namespace skiff::node {
namespace {

Status Read(const google::protobuf::Map<std::string, std::string>& m, const std::string& what,
            ResourceAmounts* out) {
  for (const auto& [name, text] : m) {
    auto q = api::Quantity::Parse(text);
    if (!q.ok()) return InvalidArgument(what + "[" + name + "]: " + q.status().message());
    if (name == "cpu") out->cpu_milli = q->MilliValue();
    if (name == "memory") out->memory_bytes = q->Value();
    if (name == "ephemeral-storage") out->ephemeral_bytes = q->Value();
  }
  return Status::Ok();
}

bool IsSidecar(const api::Container& c) {
  return c.has_restart_policy() && c.restart_policy() == "Always";
}

void Add(ResourceAmounts* a, const ResourceAmounts& b) {
  a->cpu_milli += b.cpu_milli;
  a->memory_bytes += b.memory_bytes;
  a->ephemeral_bytes += b.ephemeral_bytes;
}

void Max(ResourceAmounts* a, const ResourceAmounts& b) {
  a->cpu_milli = std::max(a->cpu_milli, b.cpu_milli);
  a->memory_bytes = std::max(a->memory_bytes, b.memory_bytes);
  a->ephemeral_bytes = std::max(a->ephemeral_bytes, b.ephemeral_bytes);
}

}  // namespace

Result<ContainerResources> ResourcesOf(const api::Container& c) {
  ContainerResources r;
  std::string base = "container " + c.name() + " resources.";
  SKIFF_RETURN_IF_ERROR(Read(c.resources().requests(), base + "requests", &r.requests));
  SKIFF_RETURN_IF_ERROR(Read(c.resources().limits(), base + "limits", &r.limits));
  // As the API defaults: a limit without a request requests the limit.
  if (!c.resources().requests().contains("cpu")) r.requests.cpu_milli = r.limits.cpu_milli;
  if (!c.resources().requests().contains("memory")) r.requests.memory_bytes = r.limits.memory_bytes;
  return r;
}

Result<ResourceAmounts> PodRequests(const api::Pod& pod) {
  ResourceAmounts apps, init_max, sidecars;
  for (const auto& c : pod.spec().containers()) {
    auto r = ResourcesOf(c);
    if (!r.ok()) return r.status();
    Add(&apps, r->requests);
  }
  for (const auto& c : pod.spec().init_containers()) {
    auto r = ResourcesOf(c);
    if (!r.ok()) return r.status();
    if (IsSidecar(c)) {
      Add(&sidecars, r->requests);
    } else {
      // A regular init container runs next to the sidecars started before it.
      ResourceAmounts with = sidecars;
      Add(&with, r->requests);
      Max(&init_max, with);
    }
  }
  Add(&apps, sidecars);
  Max(&apps, init_max);
  return apps;
}

Result<ContainerResources> PodCgroupResources(const api::Pod& pod) {
  ContainerResources total;
  bool cpu_limited = true, mem_limited = true;
  auto add = [&](const api::Container& c) -> Status {
    auto r = ResourcesOf(c);
    if (!r.ok()) return r.status();
    Add(&total.requests, r->requests);
    if (r->limits.cpu_milli == 0) cpu_limited = false;
    if (r->limits.memory_bytes == 0) mem_limited = false;
    total.limits.cpu_milli += r->limits.cpu_milli;
    total.limits.memory_bytes += r->limits.memory_bytes;
    return Status::Ok();
  };
  for (const auto& c : pod.spec().containers())
    SKIFF_RETURN_IF_ERROR(add(c));
  ContainerResources init_max;
  for (const auto& c : pod.spec().init_containers()) {
    if (IsSidecar(c)) {
      SKIFF_RETURN_IF_ERROR(add(c));
      continue;
    }
    auto r = ResourcesOf(c);
    if (!r.ok()) return r.status();
    if (r->limits.cpu_milli == 0) cpu_limited = false;
    if (r->limits.memory_bytes == 0) mem_limited = false;
    Max(&init_max.limits, r->limits);
  }
  total.limits.cpu_milli = std::max(total.limits.cpu_milli, init_max.limits.cpu_milli);
  total.limits.memory_bytes = std::max(total.limits.memory_bytes, init_max.limits.memory_bytes);
  if (!cpu_limited) total.limits.cpu_milli = 0;
  if (!mem_limited) total.limits.memory_bytes = 0;
  return total;
}

}  // namespace skiff::node
