#include "controlplane/scheduler/resources.h"

#include <algorithm>
#include <map>
#include <vector>

#include "api/quantity.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

using ResourceList = std::map<std::string, api::Quantity, std::less<>>;
using ProtoList = google::protobuf::Map<std::string, std::string>;

Result<ResourceList> ParseList(const ProtoList& list, std::string_view path) {
  ResourceList out;
  for (const auto& [name, text] : list) {
    auto q = api::Quantity::Parse(text);
    if (!q.ok()) {
      return InvalidArgument(std::string(path) + "[" + name + "]: " + q.status().message());
    }
    out[name] = *q;
  }
  return out;
}

void AddList(ResourceList* into, const ResourceList& from) {
  for (const auto& [name, q] : from) {
    auto it = into->find(name);
    if (it == into->end()) {
      into->emplace(name, q);
    } else {
      it->second = it->second.Add(q);
    }
  }
}

void MaxList(ResourceList* into, const ResourceList& from) {
  for (const auto& [name, q] : from) {
    auto it = into->find(name);
    if (it == into->end()) {
      into->emplace(name, q);
    } else if (q > it->second) {
      it->second = q;
    }
  }
}

// Containers without a cpu / memory request count as asking for kube-scheduler's defaults.
void ApplyNonMissing(ResourceList* list) {
  if (!list->contains("cpu"))
    list->emplace("cpu", api::Quantity::FromMilli(kDefaultMilliCpuRequest));
  if (!list->contains("memory")) {
    list->emplace("memory", api::Quantity::FromUnits(kDefaultMemoryRequest));
  }
}

Resources ToResources(const ResourceList& list) {
  Resources r;
  for (const auto& [name, q] : list) {
    if (name == "cpu") {
      r.milli_cpu += q.MilliValue();
    } else if (name == "memory") {
      r.memory += q.Value();
    } else if (name == "ephemeral-storage") {
      r.ephemeral_storage += q.Value();
    } else if (name == "pods") {
      r.allowed_pods += q.Value();
    } else if (IsScalarResourceName(name)) {
      r.AddScalar(name, q.Value());
    }
  }
  return r;
}

std::string ContainerPath(const char* field, int i) {
  return "spec." + std::string(field) + "[" + std::to_string(i) + "].resources.requests";
}

// A pod's resource lists, parsed once for both aggregations.
struct PodLists {
  std::vector<ResourceList> containers;
  std::vector<std::pair<ResourceList, bool>> inits;  // (requests, restartable sidecar)
  ResourceList pod_level;                            // spec.resources.requests
  ResourceList overhead;
};

Result<PodLists> ParsePodLists(const api::Pod& pod) {
  const api::PodSpec& spec = pod.spec();
  PodLists out;
  for (int i = 0; i < spec.containers_size(); ++i) {
    auto c = ParseList(spec.containers(i).resources().requests(), ContainerPath("containers", i));
    if (!c.ok()) return c.status();
    out.containers.push_back(std::move(*c));
  }
  for (int i = 0; i < spec.init_containers_size(); ++i) {
    const api::Container& ic = spec.init_containers(i);
    auto c = ParseList(ic.resources().requests(), ContainerPath("initContainers", i));
    if (!c.ok()) return c.status();
    out.inits.emplace_back(std::move(*c),
                           ic.has_restart_policy() && ic.restart_policy() == "Always");
  }
  if (spec.has_resources()) {
    auto level = ParseList(spec.resources().requests(), "spec.resources.requests");
    if (!level.ok()) return level.status();
    out.pod_level = std::move(*level);
  }
  auto overhead = ParseList(spec.overhead(), "spec.overhead");
  if (!overhead.ok()) return overhead.status();
  out.overhead = std::move(*overhead);
  return out;
}

// Kubernetes' PodRequests (resource helpers), on exact quantities.
ResourceList AggregateRequests(const PodLists& lists, bool non_missing) {
  ResourceList reqs;
  for (const ResourceList& container : lists.containers) {
    if (non_missing) {
      ResourceList c = container;
      ApplyNonMissing(&c);
      AddList(&reqs, c);
    } else {
      AddList(&reqs, container);
    }
  }
  // An init container runs with every restartable (sidecar) init container before it; the
  // sidecars also keep running next to the regular containers.
  ResourceList sidecars, init_max;
  for (const auto& [requests, sidecar] : lists.inits) {
    ResourceList c = requests;
    if (non_missing) ApplyNonMissing(&c);
    if (sidecar) {
      AddList(&reqs, c);
      AddList(&sidecars, c);
      MaxList(&init_max, sidecars);
    } else {
      AddList(&c, sidecars);
      MaxList(&init_max, c);
    }
  }
  MaxList(&reqs, init_max);
  for (const auto& [name, q] : lists.pod_level) {
    if (name == "cpu" || name == "memory") reqs[name] = q;
  }
  AddList(&reqs, lists.overhead);
  return reqs;
}

}  // namespace

bool IsScalarResourceName(std::string_view name) {
  return name.find('/') != std::string_view::npos || name.starts_with("hugepages-") ||
         name.starts_with("attachable-volumes-");
}

int64_t Resources::Scalar(std::string_view name) const {
  auto it = std::lower_bound(scalars.begin(), scalars.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  return it != scalars.end() && it->first == name ? it->second : 0;
}

void Resources::AddScalar(std::string_view name, int64_t value) {
  auto it = std::lower_bound(scalars.begin(), scalars.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it != scalars.end() && it->first == name) {
    it->second += value;
  } else {
    scalars.insert(it, {std::string(name), value});
  }
}

void Resources::Add(const Resources& o) {
  milli_cpu += o.milli_cpu;
  memory += o.memory;
  ephemeral_storage += o.ephemeral_storage;
  allowed_pods += o.allowed_pods;
  for (const auto& [name, v] : o.scalars)
    AddScalar(name, v);
}

void Resources::Sub(const Resources& o) {
  milli_cpu -= o.milli_cpu;
  memory -= o.memory;
  ephemeral_storage -= o.ephemeral_storage;
  allowed_pods -= o.allowed_pods;
  for (const auto& [name, v] : o.scalars)
    AddScalar(name, -v);
}

bool Resources::IsEmptyRequest() const {
  return milli_cpu == 0 && memory == 0 && ephemeral_storage == 0 &&
         std::all_of(scalars.begin(), scalars.end(), [](const auto& e) { return e.second == 0; });
}

Result<Resources> ParseResourceList(const ProtoList& list, std::string_view path) {
  auto parsed = ParseList(list, path);
  if (!parsed.ok()) return parsed.status();
  return ToResources(*parsed);
}

Result<PodRequests> ComputePodRequests(const api::Pod& pod) {
  auto lists = ParsePodLists(pod);
  if (!lists.ok()) return lists.status();
  PodRequests out;
  out.requests = ToResources(AggregateRequests(*lists, false));
  out.requests.allowed_pods = 0;
  Resources nz = ToResources(AggregateRequests(*lists, true));
  out.non_zero_milli_cpu = nz.milli_cpu;
  out.non_zero_memory = nz.memory;
  return out;
}

Result<Resources> NodeAllocatable(const api::Node& node) {
  if (!node.status().allocatable().empty()) {
    return ParseResourceList(node.status().allocatable(), "status.allocatable");
  }
  return ParseResourceList(node.status().capacity(), "status.capacity");
}

}  // namespace skiff::scheduler
