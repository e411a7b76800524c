// The pods/binding subresource (Registry::Update with subresource "binding"): what it
// changes, and every check kube-apiserver applies to a Binding.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/client/typed.h"
#include "controlplane/apiserver/admission.h"
#include "controlplane/apiserver/local_client.h"
#include "controlplane/apiserver/registry.h"
#include "skiff/api/core.pb.h"

namespace skiff::apiserver {
namespace {

class BindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-binding-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::OpenStore("sqlite:" + dir_ + "?sync=normal");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto plugins = DefaultAdmissionPlugins(*store_, NetworkRanges{});
    ASSERT_TRUE(plugins.ok());
    registry_ = std::make_unique<Registry>(*store_, std::move(*plugins));
    ASSERT_TRUE(registry_->EnsureSystemNamespaces().ok());
    client_ = std::make_unique<LocalClient>(*registry_);
  }
  void TearDown() override {
    client_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  api::Pod CreatePod(const std::string& name) {
    api::Pod p;
    p.mutable_metadata()->set_name(name);
    p.mutable_metadata()->set_namespace_("default");
    auto* c = p.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("busybox");
    auto created = api::CreateObject(*client_, p);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : p;
  }

  static api::Pod Binding(const api::Pod& pod, const std::string& node) {
    api::Pod b;
    b.mutable_metadata()->set_name(pod.metadata().name());
    b.mutable_metadata()->set_namespace_(pod.metadata().namespace_());
    b.mutable_spec()->set_node_name(node);
    return b;
  }

  Result<api::Pod> Bind(const api::Pod& binding, bool dry_run = false) {
    api::UpdateRequest req;
    req.set_kind("Pod");
    req.set_subresource("binding");
    req.set_dry_run(dry_run);
    req.set_object(binding.SerializeAsString());
    auto r = client_->Update(req);
    if (!r.ok()) return r.status();
    api::Pod out;
    if (!out.ParseFromString(r->object())) return Internal("not a pod");
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<LocalClient> client_;
};

const api::PodCondition* FindCondition(const api::Pod& pod, const std::string& type) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

TEST_F(BindingTest, SetsNodeNameAndPodScheduledAndKeepsEverythingElse) {
  api::Pod pod = CreatePod("p");
  api::Pod b = Binding(pod, "node-1");
  (*b.mutable_metadata()->mutable_annotations())["example.com/placed-by"] = "test";
  auto bound = Bind(b);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_EQ(bound->spec().node_name(), "node-1");
  const api::PodCondition* cond = FindCondition(*bound, "PodScheduled");
  ASSERT_NE(cond, nullptr);
  EXPECT_EQ(cond->status(), "True");
  EXPECT_TRUE(cond->has_last_transition_time());
  EXPECT_EQ(bound->metadata().annotations().at("example.com/placed-by"), "test");
  EXPECT_EQ(bound->metadata().uid(), pod.metadata().uid());
  EXPECT_EQ(bound->metadata().generation(), pod.metadata().generation() + 1);
  EXPECT_EQ(bound->status().phase(), "Pending");
  EXPECT_EQ(bound->spec().containers(0).image(), "busybox");
  EXPECT_NE(bound->metadata().resource_version(), pod.metadata().resource_version());

  auto stored = api::GetObject<api::Pod>(*client_, "default", "p");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->SerializeAsString(), bound->SerializeAsString());
}

TEST_F(BindingTest, ReplacesAnUnschedulableCondition) {
  api::Pod pod = CreatePod("p");
  auto* cond = pod.mutable_status()->add_conditions();
  cond->set_type("PodScheduled");
  cond->set_status("False");
  cond->set_reason("Unschedulable");
  cond->set_message("0/1 nodes are available: 1 Insufficient cpu.");
  auto updated = api::UpdateObject(*client_, pod, /*status=*/true);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  auto bound = Bind(Binding(*updated, "node-1"));
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  ASSERT_EQ(bound->status().conditions_size(), 1);
  EXPECT_EQ(bound->status().conditions(0).status(), "True");
  EXPECT_EQ(bound->status().conditions(0).reason(), "");
  EXPECT_EQ(bound->status().conditions(0).message(), "");
}

TEST_F(BindingTest, AlreadyBoundPodConflicts) {
  api::Pod pod = CreatePod("p");
  ASSERT_TRUE(Bind(Binding(pod, "node-1")).ok());
  auto again = Bind(Binding(pod, "node-2"));
  ASSERT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(again.status().message(),
            "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to "
            "node \"node-1\"");
  EXPECT_EQ(api::GetObject<api::Pod>(*client_, "default", "p")->spec().node_name(), "node-1");
}

TEST_F(BindingTest, PreconditionsOnUidAndResourceVersion) {
  api::Pod pod = CreatePod("p");
  api::Pod b = Binding(pod, "node-1");
  b.mutable_metadata()->set_uid("00000000-0000-4000-8000-000000000000");
  auto wrong_uid = Bind(b);
  ASSERT_EQ(wrong_uid.status().code(), StatusCode::kAborted);
  EXPECT_NE(wrong_uid.status().message().find("Precondition failed: UID in precondition"),
            std::string::npos);

  // The pod changed after the binder read it: a stale resourceVersion conflicts.
  api::Pod relabelled = pod;
  (*relabelled.mutable_metadata()->mutable_labels())["tier"] = "web";
  ASSERT_TRUE(api::UpdateObject(*client_, relabelled).ok());
  b = Binding(pod, "node-1");
  b.mutable_metadata()->set_uid(pod.metadata().uid());
  b.mutable_metadata()->set_resource_version(pod.metadata().resource_version());
  auto stale = Bind(b);
  ASSERT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(api::GetObject<api::Pod>(*client_, "default", "p")->spec().node_name(), "");

  // Without the resourceVersion, the uid alone holds.
  b.mutable_metadata()->clear_resource_version();
  auto bound = Bind(b);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_EQ(bound->metadata().labels().at("tier"), "web");
}

TEST_F(BindingTest, TerminatingOrGatedPodsAreNotBound) {
  api::Pod gated;
  gated.mutable_metadata()->set_name("gated");
  gated.mutable_metadata()->set_namespace_("default");
  auto* c = gated.mutable_spec()->add_containers();
  c->set_name("app");
  c->set_image("busybox");
  gated.mutable_spec()->add_scheduling_gates()->set_name("example.com/wait");
  ASSERT_TRUE(api::CreateObject(*client_, gated).ok());
  auto r = Bind(Binding(gated, "node-1"));
  ASSERT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("non-empty .spec.schedulingGates"), std::string::npos);

  api::Pod held = CreatePod("held");
  held.mutable_metadata()->add_finalizers("example.com/hold");
  ASSERT_TRUE(api::UpdateObject(*client_, held).ok());
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "held").ok());
  r = Bind(Binding(held, "node-1"));
  ASSERT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("is being deleted, cannot be assigned to a host"),
            std::string::npos);
}

TEST_F(BindingTest, BadBindingsAreRejectedAndChangeNothing) {
  api::Pod pod = CreatePod("p");
  auto no_node = Bind(Binding(pod, ""));
  ASSERT_EQ(no_node.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_node.status().message().find("spec.nodeName: Required value"), std::string::npos);
  auto bad_node = Bind(Binding(pod, "Node_1"));
  ASSERT_EQ(bad_node.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_node.status().message().find("spec.nodeName: Invalid value: \"Node_1\""),
            std::string::npos);
  api::Pod nope;
  nope.mutable_metadata()->set_name("nope");
  auto missing = Bind(Binding(nope, "node-1"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  api::UpdateRequest not_a_pod;
  not_a_pod.set_kind("ConfigMap");
  not_a_pod.set_subresource("binding");
  EXPECT_EQ(client_->Update(not_a_pod).status().code(), StatusCode::kInvalidArgument);

  auto stored = api::GetObject<api::Pod>(*client_, "default", "p");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec().node_name(), "");
  EXPECT_EQ(stored->metadata().resource_version(), pod.metadata().resource_version());
}

TEST_F(BindingTest, DryRunWritesNothing) {
  api::Pod pod = CreatePod("p");
  auto r = Bind(Binding(pod, "node-1"), /*dry_run=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec().node_name(), "node-1");
  auto stored = api::GetObject<api::Pod>(*client_, "default", "p");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec().node_name(), "");
  EXPECT_EQ(stored->metadata().resource_version(), pod.metadata().resource_version());
}

}  // namespace
}  // namespace skiff::apiserver
