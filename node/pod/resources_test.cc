#include "node/pod/resources.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

api::Container C(const std::string& name, const std::string& req_cpu, const std::string& lim_cpu,
                 const std::string& req_mem, const std::string& lim_mem) {
  api::Container c;
  c.set_name(name);
  auto* r = c.mutable_resources();
  if (!req_cpu.empty()) (*r->mutable_requests())["cpu"] = req_cpu;
  if (!lim_cpu.empty()) (*r->mutable_limits())["cpu"] = lim_cpu;
  if (!req_mem.empty()) (*r->mutable_requests())["memory"] = req_mem;
  if (!lim_mem.empty()) (*r->mutable_limits())["memory"] = lim_mem;
  return c;
}

TEST(ResourcesTest, ContainerAmounts) {
  auto r = ResourcesOf(C("a", "250m", "1", "", "128Mi"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requests.cpu_milli, 250);
  EXPECT_EQ(r->limits.cpu_milli, 1000);
  EXPECT_EQ(r->limits.memory_bytes, 128 << 20);
  EXPECT_EQ(r->requests.memory_bytes, 128 << 20);  // defaults to the limit
  auto bad = ResourcesOf(C("b", "lots", "", "", ""));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("container b resources.requests[cpu]"), std::string::npos);
}

TEST(ResourcesTest, PodRequestsCountInitContainersAsTheirMaximum) {
  api::Pod p;
  *p.mutable_spec()->add_containers() = C("a", "100m", "", "10Mi", "");
  *p.mutable_spec()->add_containers() = C("b", "200m", "", "20Mi", "");
  *p.mutable_spec()->add_init_containers() = C("i", "500m", "", "5Mi", "");
  auto r = PodRequests(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cpu_milli, 500);
  EXPECT_EQ(r->memory_bytes, 30 << 20);
  // A sidecar runs alongside everything.
  api::Container side = C("s", "100m", "", "", "");
  side.set_restart_policy("Always");
  *p.mutable_spec()->add_init_containers() = side;
  r = PodRequests(p);
  EXPECT_EQ(r->cpu_milli, 500);  // max(300+100, 500)
}

TEST(ResourcesTest, PodCgroupLimitsOnlyWhenAllContainersHaveThem) {
  api::Pod p;
  *p.mutable_spec()->add_containers() = C("a", "", "500m", "", "64Mi");
  *p.mutable_spec()->add_containers() = C("b", "", "250m", "", "");
  auto r = PodCgroupResources(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->limits.cpu_milli, 750);
  EXPECT_EQ(r->limits.memory_bytes, 0);  // b has no memory limit
  EXPECT_EQ(r->requests.cpu_milli, 750);
}

}  // namespace
}  // namespace skiff::node
