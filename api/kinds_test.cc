#include "api/kinds.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include <set>

#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/meta.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

TEST(KindsTest, EveryKindIsRegisteredWithFixedHeaderFields) {
  std::set<std::string> expected = {"Namespace",
                                    "Node",
                                    "Pod",
                                    "Service",
                                    "EndpointSlice",
                                    "Deployment",
                                    "ReplicaSet",
                                    "StatefulSet",
                                    "DaemonSet",
                                    "ConfigMap",
                                    "Secret",
                                    "HorizontalPodAutoscaler",
                                    "ServiceAccount",
                                    "Event",
                                    "Role",
                                    "ClusterRole",
                                    "RoleBinding",
                                    "ClusterRoleBinding",
                                    "Job",
                                    "CronJob",
                                    "Endpoints"};
  std::set<std::string> got;
  for (const KindInfo* k : AllKinds()) {
    got.insert(std::string(k->kind));
    const google::protobuf::Descriptor* d = k->descriptor;
    ASSERT_NE(d, nullptr) << k->kind;
    // Fields 1-3 are apiVersion, kind, metadata on every kind message.
    ASSERT_NE(d->FindFieldByNumber(1), nullptr);
    EXPECT_EQ(d->FindFieldByNumber(1)->json_name(), "apiVersion") << k->kind;
    EXPECT_EQ(d->FindFieldByNumber(2)->json_name(), "kind") << k->kind;
    EXPECT_EQ(d->FindFieldByNumber(3)->json_name(), "metadata") << k->kind;
    EXPECT_EQ(d->FindFieldByNumber(3)->message_type(), ObjectMeta::descriptor()) << k->kind;
    EXPECT_EQ(k->New()->GetDescriptor(), d);
    EXPECT_EQ(FindKind(k->kind), k);
    EXPECT_EQ(FindKind(k->api_version, k->kind), k);
    EXPECT_EQ(FindKind(d), k);
    EXPECT_EQ(FindResource(k->resource), k);
    EXPECT_EQ(FindResource(k->singular), k);
  }
  EXPECT_EQ(got, expected);
}

TEST(KindsTest, NamesAndScope) {
  const KindInfo* d = FindKind("Deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->api_version, "apps/v1");
  EXPECT_EQ(d->group, "apps");
  EXPECT_EQ(d->version, "v1");
  EXPECT_EQ(d->resource, "deployments");
  EXPECT_EQ(d->singular, "deployment");
  EXPECT_TRUE(d->namespaced);
  const KindInfo* pod = FindKind("Pod");
  EXPECT_EQ(pod->api_version, "v1");
  EXPECT_EQ(pod->group, "");
  EXPECT_EQ(pod->version, "v1");
  EXPECT_FALSE(FindKind("Namespace")->namespaced);
  EXPECT_FALSE(FindKind("Node")->namespaced);
  EXPECT_FALSE(FindKind("ClusterRole")->namespaced);
  EXPECT_FALSE(FindKind("ClusterRoleBinding")->namespaced);
  EXPECT_TRUE(FindKind("RoleBinding")->namespaced);
  EXPECT_EQ(FindKind("HorizontalPodAutoscaler")->api_version, "autoscaling/v2");
  EXPECT_EQ(FindKind("EndpointSlice")->api_version, "discovery.k8s.io/v1");
  EXPECT_EQ(FindKind("Role")->api_version, "rbac.authorization.k8s.io/v1");
  EXPECT_EQ(FindKind("Deployment", "apps/v1beta1"), nullptr);
  EXPECT_EQ(FindKind("Deployment", "Deployment"), nullptr);
  EXPECT_EQ(FindKind("deployment"), nullptr);  // kinds are case-sensitive
  EXPECT_EQ(FindKind("Ingress"), nullptr);
}

TEST(KindsTest, ResourceLookupLikeKubectl) {
  struct Case {
    const char* name;
    const char* kind;
  } cases[] = {
      {"pods", "Pod"},
      {"pod", "Pod"},
      {"po", "Pod"},
      {"Pod", "Pod"},
      {"PODS", "Pod"},
      {"svc", "Service"},
      {"deploy", "Deployment"},
      {"rs", "ReplicaSet"},
      {"sts", "StatefulSet"},
      {"ds", "DaemonSet"},
      {"cj", "CronJob"},
      {"jobs", "Job"},
      {"cronjobs.batch", "CronJob"},
      {"cm", "ConfigMap"},
      {"ns", "Namespace"},
      {"no", "Node"},
      {"hpa", "HorizontalPodAutoscaler"},
      {"sa", "ServiceAccount"},
      {"ev", "Event"},
      {"secrets", "Secret"},
      {"endpointslices", "EndpointSlice"},
      {"endpoints", "Endpoints"},
      {"ep", "Endpoints"},
      {"clusterrolebindings", "ClusterRoleBinding"},
      {"deployments.apps", "Deployment"},
      {"deployments.v1.apps", "Deployment"},
      {"hpa.autoscaling", "HorizontalPodAutoscaler"},
      {"roles.rbac.authorization.k8s.io", "Role"},
  };
  for (const Case& c : cases) {
    const KindInfo* k = FindResource(c.name);
    ASSERT_NE(k, nullptr) << c.name;
    EXPECT_EQ(k->kind, c.kind) << c.name;
  }
  EXPECT_EQ(FindResource("ingresses"), nullptr);
  EXPECT_EQ(FindResource("deployments.core"), nullptr);
  EXPECT_EQ(FindResource(""), nullptr);
}

TEST(KindsTest, MetadataByReflection) {
  Deployment d;
  EXPECT_NE(GetObjectMeta(d), nullptr);  // default instance when unset
  EXPECT_FALSE(d.has_metadata());
  ObjectMeta* meta = MutableObjectMeta(&d);
  ASSERT_NE(meta, nullptr);
  meta->set_name("web");
  meta->set_namespace_("prod");
  EXPECT_EQ(d.metadata().name(), "web");
  EXPECT_EQ(GetObjectMeta(d)->namespace_(), "prod");

  ObjectMeta other;
  other.set_name("api");
  ASSERT_TRUE(SetObjectMeta(&d, other));
  EXPECT_EQ(d.metadata().name(), "api");
  EXPECT_EQ(d.metadata().namespace_(), "");

  // Not a kind: no metadata field 3 of type ObjectMeta.
  PodSpec spec;
  EXPECT_EQ(GetObjectMeta(spec), nullptr);
  EXPECT_EQ(MutableObjectMeta(&spec), nullptr);
  EXPECT_FALSE(SetObjectMeta(&spec, other));
}

TEST(KindsTest, TypeMeta) {
  ClusterRole r;
  EXPECT_EQ(GetApiVersion(r), "");
  ASSERT_TRUE(SetTypeMeta(&r));
  EXPECT_EQ(GetApiVersion(r), "rbac.authorization.k8s.io/v1");
  EXPECT_EQ(GetKind(r), "ClusterRole");
  EXPECT_EQ(r.kind(), "ClusterRole");
  PodSpec spec;
  EXPECT_FALSE(SetTypeMeta(&spec));
  EXPECT_EQ(FindKindOf(spec), nullptr);
}

TEST(KindsTest, DescribeObject) {
  Pod p;
  EXPECT_EQ(DescribeObject(p), "Pod <unnamed>");
  p.mutable_metadata()->set_name("web-1");
  p.mutable_metadata()->set_namespace_("default");
  EXPECT_EQ(DescribeObject(p), "Pod default/web-1");
  Node n;
  n.mutable_metadata()->set_name("n1");
  EXPECT_EQ(DescribeObject(n), "Node n1");
  Pod g;
  g.mutable_metadata()->set_generate_name("web-");
  EXPECT_EQ(DescribeObject(g), "Pod web-*");
}

}  // namespace
}  // namespace skiff::api
