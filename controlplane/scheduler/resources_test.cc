#include "controlplane/scheduler/resources.h"

#include <gtest/gtest.h>

#include "controlplane/scheduler/testing/builders.h"

namespace skiff::scheduler {
namespace {

using testing::NodeBuilder;
using testing::PodBuilder;

api::Container* AddInit(PodBuilder& p, const std::string& cpu, const std::string& memory,
                        bool sidecar = false) {
  auto* c = p.spec().add_init_containers();
  c->set_name("init-" + std::to_string(p.spec().init_containers_size()));
  if (!cpu.empty()) (*c->mutable_resources()->mutable_requests())["cpu"] = cpu;
  if (!memory.empty()) (*c->mutable_resources()->mutable_requests())["memory"] = memory;
  if (sidecar) c->set_restart_policy("Always");
  return c;
}

TEST(PodRequests, SumOfContainersAtLeastLargestInitContainer) {
  PodBuilder p("p");
  p.Req("500m", "1Gi");
  auto* second = p.spec().add_containers();
  second->set_name("c2");
  (*second->mutable_resources()->mutable_requests())["cpu"] = "250m";
  AddInit(p, "2", "512Mi");
  auto r = ComputePodRequests(p.pod());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requests.milli_cpu, 2000);
  EXPECT_EQ(r->requests.memory, 1LL << 30);
  // Non-zero: c2 has no memory request and counts 200Mi; init container max still wins cpu.
  EXPECT_EQ(r->non_zero_milli_cpu, 2000);
  EXPECT_EQ(r->non_zero_memory, (1LL << 30) + kDefaultMemoryRequest);
}

TEST(PodRequests, SidecarsAddToEverythingAfterThem) {
  PodBuilder p("p");
  p.Req("1");
  AddInit(p, "500m", "", /*sidecar=*/true);
  AddInit(p, "1200m", "");  // runs next to the sidecar: 1700m
  auto r = ComputePodRequests(p.pod());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests.milli_cpu, 1700);
  PodBuilder q("q");
  q.Req("1");
  AddInit(q, "500m", "", true);
  AddInit(q, "100m", "");
  EXPECT_EQ(ComputePodRequests(q.pod())->requests.milli_cpu, 1500);
}

TEST(PodRequests, OverheadPodLevelAndScalars) {
  PodBuilder p("p");
  p.Req("100m", "100Mi").Resource("example.com/gpu", "2").Resource("ephemeral-storage", "1Gi");
  (*p.spec().mutable_overhead())["cpu"] = "50m";
  auto r = ComputePodRequests(p.pod());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests.milli_cpu, 150);
  EXPECT_EQ(r->requests.Scalar("example.com/gpu"), 2);
  EXPECT_EQ(r->requests.ephemeral_storage, 1LL << 30);
  (*p.spec().mutable_resources()->mutable_requests())["cpu"] = "2";
  EXPECT_EQ(ComputePodRequests(p.pod())->requests.milli_cpu, 2050);
  // Fractions of a millicore round up, as Kubernetes' MilliValue does.
  PodBuilder tiny("t");
  tiny.Req("0.0001");
  EXPECT_EQ(ComputePodRequests(tiny.pod())->requests.milli_cpu, 1);
  EXPECT_FALSE(ComputePodRequests(tiny.pod())->requests.IsEmptyRequest());
  EXPECT_TRUE(ComputePodRequests(PodBuilder("e").pod())->requests.IsEmptyRequest());
}

TEST(PodRequests, BadQuantityNamesTheField) {
  PodBuilder p("p");
  p.Req("lots");
  auto r = ComputePodRequests(p.pod());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("spec.containers[0].resources.requests[cpu]"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("\"lots\""), std::string::npos);
}

TEST(NodeAllocatableTest, FallsBackToCapacity) {
  NodeBuilder n("n", "");
  auto& cap = *n.node().mutable_status()->mutable_capacity();
  cap["cpu"] = "8";
  cap["memory"] = "16Gi";
  cap["pods"] = "110";
  cap["example.com/gpu"] = "4";
  cap["unknown"] = "3";  // not a resource the scheduler tracks
  auto a = NodeAllocatable(n.node());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->milli_cpu, 8000);
  EXPECT_EQ(a->memory, 16LL << 30);
  EXPECT_EQ(a->allowed_pods, 110);
  EXPECT_EQ(a->Scalar("example.com/gpu"), 4);
  EXPECT_EQ(a->scalars.size(), 1u);
  NodeBuilder m("m", "3");
  auto b = NodeAllocatable(m.node());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->milli_cpu, 3000) << "allocatable wins over capacity";
}

TEST(ResourceNames, ScalarNames) {
  EXPECT_TRUE(IsScalarResourceName("example.com/gpu"));
  EXPECT_TRUE(IsScalarResourceName("hugepages-1Gi"));
  EXPECT_TRUE(IsScalarResourceName("kubernetes.io/batch-cpu"));
  EXPECT_FALSE(IsScalarResourceName("cpu"));
  EXPECT_FALSE(IsScalarResourceName("storage"));
}

}  // namespace
}  // namespace skiff::scheduler
