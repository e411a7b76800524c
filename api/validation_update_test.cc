// Update validation: immutable fields.
#include <gtest/gtest.h>

#include "api/defaults.h"
#include "api/validation_test_util.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

using test_support::MustLoad;
using test_support::ToStrings;

std::vector<std::string> UpdateErrors(const google::protobuf::Message& old,
                                      const google::protobuf::Message& now) {
  return ToStrings(ValidateUpdate(old, now));
}

template <typename T>
T Load(const std::string& yaml) {
  T out;
  std::unique_ptr<google::protobuf::Message> m = MustLoad(yaml);
  if (m) out.CopyFrom(*m);
  return out;
}

const char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: u-1, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
)";

TEST(ValidateUpdateTest, UnchangedIsValid) {
  Deployment d = Load<Deployment>(kDeployment);
  EXPECT_TRUE(UpdateErrors(d, d).empty());
}

TEST(ValidateUpdateTest, MetadataIdentityIsImmutable) {
  Deployment old = Load<Deployment>(kDeployment);
  Deployment now = old;
  now.mutable_metadata()->set_name("api");
  now.mutable_metadata()->set_namespace_("other");
  now.mutable_metadata()->set_uid("u-2");
  now.mutable_metadata()->mutable_creation_timestamp()->set_seconds(5);
  EXPECT_EQ(UpdateErrors(old, now),
            (std::vector<std::string>{
                "metadata.name: Invalid value: \"api\": field is immutable",
                "metadata.namespace: Invalid value: \"other\": field is immutable",
                "metadata.uid: Invalid value: \"u-2\": field is immutable",
                "metadata.creationTimestamp: Invalid value: \"1970-01-01T00:00:05Z\": field is "
                "immutable"}));
  // Labels and replicas may change.
  Deployment scaled = old;
  scaled.mutable_spec()->set_replicas(7);
  (*scaled.mutable_metadata()->mutable_labels())["x"] = "y";
  EXPECT_TRUE(UpdateErrors(old, scaled).empty());
}

TEST(ValidateUpdateTest, WorkloadSelectorsAreImmutable) {
  Deployment old = Load<Deployment>(kDeployment);
  Deployment now = old;
  (*now.mutable_spec()->mutable_selector()->mutable_match_labels())["tier"] = "fe";
  (*now.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["tier"] = "fe";
  EXPECT_EQ(UpdateErrors(old, now),
            std::vector<std::string>{"spec.selector: Invalid value: {...}: field is immutable"});

  ReplicaSet rs_old;
  rs_old.mutable_metadata()->set_name("rs");
  (*rs_old.mutable_spec()->mutable_selector()->mutable_match_labels())["a"] = "b";
  (*rs_old.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["a"] = "b";
  rs_old.mutable_spec()->mutable_template_()->mutable_spec()->add_containers()->set_name("c");
  ReplicaSet rs_new = rs_old;
  (*rs_new.mutable_spec()->mutable_selector()->mutable_match_labels())["a"] = "c";
  (*rs_new.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["a"] = "c";
  EXPECT_EQ(UpdateErrors(rs_old, rs_new),
            std::vector<std::string>{"spec.selector: Invalid value: {...}: field is immutable"});
}

TEST(ValidateUpdateTest, StatefulSetOnlySomeSpecFieldsMayChange) {
  StatefulSet old = Load<StatefulSet>(R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:15}]
)");
  StatefulSet ok = old;
  ok.mutable_spec()->set_replicas(5);
  ok.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image(
      "postgres:16");
  ok.mutable_spec()->mutable_update_strategy()->set_type("OnDelete");
  ok.mutable_spec()->set_min_ready_seconds(3);
  EXPECT_TRUE(UpdateErrors(old, ok).empty()) << ::testing::PrintToString(UpdateErrors(old, ok));

  StatefulSet bad = old;
  bad.mutable_spec()->set_service_name("other");
  bad.mutable_spec()->set_pod_management_policy("Parallel");
  EXPECT_EQ(UpdateErrors(old, bad),
            std::vector<std::string>{
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
                "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
                "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"});
}

TEST(ValidateUpdateTest, ServiceClusterIP) {
  Service old = Load<Service>(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.96.0.10\n  "
      "clusterIPs: [10.96.0.10]\n  ports: [{port: 53}]\n");
  Service moved = old;
  moved.mutable_spec()->set_cluster_ip("10.96.0.11");
  moved.mutable_spec()->set_cluster_ips(0, "10.96.0.11");
  EXPECT_EQ(UpdateErrors(old, moved),
            (std::vector<std::string>{
                "spec.clusterIP: Invalid value: \"10.96.0.11\": field is immutable",
                "spec.clusterIPs[0]: Invalid value: \"10.96.0.11\": field is immutable"}));
  // Allocating an IP for a service that had none is fine; so is turning into ExternalName.
  Service unallocated = old;
  unallocated.mutable_spec()->clear_cluster_ip();
  unallocated.mutable_spec()->clear_cluster_ips();
  EXPECT_TRUE(UpdateErrors(unallocated, old).empty());
  Service external = old;
  external.mutable_spec()->set_type("ExternalName");
  external.mutable_spec()->set_external_name("db.example.com");
  external.mutable_spec()->clear_cluster_ip();
  external.mutable_spec()->clear_cluster_ips();
  EXPECT_TRUE(UpdateErrors(old, external).empty());
}

TEST(ValidateUpdateTest, ImmutableConfigMapAndSecret) {
  ConfigMap old = Load<ConfigMap>(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nimmutable: true\n");
  ConfigMap changed = old;
  (*changed.mutable_data())["a"] = "c";
  EXPECT_EQ(
      UpdateErrors(old, changed),
      std::vector<std::string>{"data: Forbidden: field is immutable when `immutable` is set"});
  ConfigMap unlocked = old;
  unlocked.set_immutable(false);
  EXPECT_EQ(
      UpdateErrors(old, unlocked),
      std::vector<std::string>{"immutable: Forbidden: field is immutable when `immutable` is set"});
  ConfigMap relabeled = old;
  (*relabeled.mutable_metadata()->mutable_labels())["x"] = "y";
  EXPECT_TRUE(UpdateErrors(old, relabeled).empty());

  Secret s_old = Load<Secret>(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: YQ==}\nimmutable: true\n");
  Secret s_new = s_old;
  (*s_new.mutable_data())["b"] = "x";
  EXPECT_EQ(
      UpdateErrors(s_old, s_new),
      std::vector<std::string>{"data: Forbidden: field is immutable when `immutable` is set"});
  // Mutable ones may change freely.
  Secret m_old = Load<Secret>("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
  Secret m_new = m_old;
  (*m_new.mutable_data())["b"] = "x";
  EXPECT_TRUE(UpdateErrors(m_old, m_new).empty());
}

TEST(ValidateUpdateTest, PodSpecMostlyImmutable) {
  Pod old = Load<Pod>(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  activeDeadlineSeconds: 100\n  "
      "tolerations: [{key: a, operator: Exists}]\n  containers: [{name: c, image: nginx:1}]\n");
  ApplyDefaults(old);
  Pod ok = old;
  ok.mutable_spec()->mutable_containers(0)->set_image("nginx:2");
  ok.mutable_spec()->set_active_deadline_seconds(50);
  ok.mutable_spec()->add_tolerations()->set_key("b");
  ok.mutable_spec()->mutable_tolerations(1)->set_operator_("Exists");
  ok.mutable_spec()->set_node_name("node-1");  // binding
  ok.mutable_status()->set_phase("Running");
  EXPECT_TRUE(UpdateErrors(old, ok).empty()) << ::testing::PrintToString(UpdateErrors(old, ok));

  Pod rebind = ok;
  rebind.mutable_spec()->set_node_name("node-2");
  EXPECT_EQ(UpdateErrors(ok, rebind).size(), 1u);
  EXPECT_EQ(UpdateErrors(ok, rebind)[0].substr(0, 60),
            "spec: Forbidden: pod updates may not change fields other tha");

  Pod bad = old;
  bad.mutable_spec()->set_active_deadline_seconds(200);
  bad.mutable_spec()->clear_tolerations();
  bad.mutable_spec()->set_restart_policy("Never");
  std::vector<std::string> errors = UpdateErrors(old, bad);
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0],
            "spec.tolerations: Forbidden: existing toleration can not be modified except its "
            "tolerationSeconds");
  EXPECT_EQ(errors[1],
            "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to "
            "previous value");
  EXPECT_EQ(errors[2].substr(0, 50), "spec: Forbidden: pod updates may not change fields");
}

TEST(ValidateUpdateTest, NodeSliceBindings) {
  Node n_old;
  n_old.mutable_metadata()->set_name("n");
  Node n_set = n_old;
  n_set.mutable_spec()->set_pod_cidr("10.244.1.0/24");
  n_set.mutable_spec()->add_pod_cidrs("10.244.1.0/24");
  n_set.mutable_spec()->set_provider_id("skiff://n");
  EXPECT_TRUE(UpdateErrors(n_old, n_set).empty());  // "" -> value is allowed
  Node n_moved = n_set;
  n_moved.mutable_spec()->set_pod_cidr("10.244.2.0/24");
  n_moved.mutable_spec()->set_pod_cidrs(0, "10.244.2.0/24");
  n_moved.mutable_spec()->set_provider_id("skiff://m");
  EXPECT_EQ(UpdateErrors(n_set, n_moved),
            (std::vector<std::string>{
                "spec.podCIDR: Forbidden: node updates may not change podCIDR except from \"\" to "
                "valid",
                "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" "
                "to valid",
                "spec.providerID: Forbidden: node updates may not change providerID except from "
                "\"\" to valid"}));

  EndpointSlice e_old;
  e_old.mutable_metadata()->set_name("e");
  e_old.set_address_type("IPv4");
  EndpointSlice e_new = e_old;
  e_new.set_address_type("IPv6");
  EXPECT_EQ(UpdateErrors(e_old, e_new),
            std::vector<std::string>{"addressType: Invalid value: \"IPv6\": field is immutable"});

  RoleBinding b_old;
  b_old.mutable_metadata()->set_name("b");
  b_old.mutable_role_ref()->set_api_group("rbac.authorization.k8s.io");
  b_old.mutable_role_ref()->set_kind("Role");
  b_old.mutable_role_ref()->set_name("r1");
  RoleBinding b_new = b_old;
  b_new.mutable_role_ref()->set_name("r2");
  EXPECT_EQ(UpdateErrors(b_old, b_new),
            std::vector<std::string>{"roleRef: Invalid value: {...}: cannot change roleRef"});
}

TEST(ValidateUpdateTest, IncludesValidationOfNewObjectAndKindChange) {
  Deployment old = Load<Deployment>(kDeployment);
  Deployment now = old;
  now.mutable_spec()->set_replicas(-1);
  EXPECT_EQ(UpdateErrors(old, now),
            std::vector<std::string>{
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0"});
  Pod p;
  EXPECT_EQ(UpdateErrors(old, p),
            std::vector<std::string>{
                "kind: Invalid value: \"Pod\": may not change kind (was Deployment)"});
}

}  // namespace
}  // namespace skiff::api
