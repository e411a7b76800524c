// libFuzzer target: arbitrary Node and Pod objects through the scheduler's parsing, cache
// and scheduling cycle. Objects normally pass the API server's validation first; the
// scheduler must still never crash on whatever an older or foreign writer stored, and must
// always say why a pod does not fit.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/pod_info.h"
#include "skiff/api/core.pb.h"

using namespace skiff::scheduler;
namespace api = skiff::api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // First byte: where the Node's bytes end and the Pod's begin.
  size_t split = 1 + (static_cast<size_t>(data[0]) * (size - 1)) / 255;
  auto node = std::make_shared<api::Node>();
  auto pod = std::make_shared<api::Pod>();
  if (!node->ParseFromArray(data + 1, static_cast<int>(split - 1))) return 0;
  if (!pod->ParseFromArray(data + split, static_cast<int>(size - split))) return 0;
  if (node->metadata().name().empty() || node->metadata().name() == "plain") {
    node->mutable_metadata()->set_name("fuzzed");
  }
  pod->mutable_spec()->clear_node_name();

  Cache cache;
  (void)cache.UpsertNode(node);
  auto plain = std::make_shared<api::Node>();
  plain->mutable_metadata()->set_name("plain");
  (*plain->mutable_status()->mutable_allocatable())["cpu"] = "4";
  (*plain->mutable_status()->mutable_allocatable())["pods"] = "10";
  (void)cache.UpsertNode(plain);

  auto info = NewPodInfo(pod);
  if (!info.ok()) {
    if (info.status().message().empty()) std::abort();  // errors must say what is wrong
    return 0;
  }
  Algorithm algo({.seed = 1});
  for (int round = 0; round < 2; ++round) {
    ScheduleOutcome out = algo.Schedule(**info, cache);
    if (out.kind == ScheduleOutcome::Kind::kUnschedulable &&
        out.message.rfind("0/2 nodes are available:", 0) != 0) {
      std::abort();
    }
    if (out.kind == ScheduleOutcome::Kind::kScheduled) {
      // A second pod like it then sees the first one (affinity, spread, ports, resources).
      auto copy = std::make_shared<api::Pod>(*pod);
      copy->mutable_metadata()->set_uid(pod->metadata().uid() + "-placed");
      auto placed = NewPodInfo(copy);
      if (placed.ok()) cache.AddPod(*placed, out.node);
    }
  }
  return 0;
}
