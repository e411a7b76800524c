#include "api/defaults.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "api/int_or_string.h"
#include "api/manifest.h"
#include "api/testdata_path.h"
#include "api/validation.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::util::MessageDifferencer;

template <typename T>
T Load(const std::string& yaml) {
  Result<std::unique_ptr<google::protobuf::Message>> m = ParseObject(yaml, "test.yaml");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  T out;
  if (m.ok()) out.CopyFrom(**m);
  return out;
}

TEST(DefaultsTest, PodSpecAndContainers) {
  Pod p = Load<Pod>(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: none
  - name: cm
    configMap: {name: c}
  - name: sec
    secret: {secretName: s, defaultMode: 0400}
  - name: host
    hostPath: {path: /var}
  - name: dapi
    downwardAPI:
      items:
      - path: name
        fieldRef: {fieldPath: metadata.name}
  - name: sec-default
    secret: {secretName: s}
  containers:
  - name: latest
    image: nginx
    ports:
    - containerPort: 80
    env:
    - name: N
      valueFrom:
        fieldRef: {fieldPath: metadata.name}
    livenessProbe:
      httpGet: {port: 80}
    readinessProbe:
      tcpSocket: {port: 80}
      periodSeconds: 3
    lifecycle:
      preStop:
        httpGet: {port: 80}
    resources:
      limits: {cpu: "1", memory: 1Gi}
      requests: {cpu: 500m}
  - name: tagged
    image: registry.example.com:5000/app:1.2
  - name: explicit-latest
    image: app:latest
  - name: digest
    image: app@sha256:abc
  - name: policy
    image: app
    imagePullPolicy: Never
)");
  ApplyDefaults(p);
  const PodSpec& s = p.spec();
  EXPECT_EQ(s.restart_policy(), "Always");
  EXPECT_EQ(s.dns_policy(), "ClusterFirst");
  EXPECT_EQ(s.termination_grace_period_seconds(), 30);
  EXPECT_EQ(s.scheduler_name(), "default-scheduler");
  EXPECT_TRUE(s.has_security_context());
  EXPECT_TRUE(s.enable_service_links());
  EXPECT_TRUE(s.volumes(0).has_empty_dir());
  EXPECT_EQ(s.volumes(1).config_map().default_mode(), 420);
  EXPECT_EQ(s.volumes(2).secret().default_mode(), 0400);  // kept
  EXPECT_TRUE(s.volumes(3).host_path().has_type());
  EXPECT_EQ(s.volumes(3).host_path().type(), "");
  EXPECT_EQ(s.volumes(4).downward_api().default_mode(), 420);
  EXPECT_EQ(s.volumes(4).downward_api().items(0).field_ref().api_version(), "v1");
  EXPECT_EQ(s.volumes(5).secret().default_mode(), 0400);  // owner-only unless asked

  const Container& c = s.containers(0);
  EXPECT_EQ(c.image_pull_policy(), "Always");
  EXPECT_EQ(c.termination_message_path(), "/dev/termination-log");
  EXPECT_EQ(c.termination_message_policy(), "File");
  EXPECT_EQ(c.ports(0).protocol(), "TCP");
  EXPECT_EQ(c.ports(0).host_port(), 0);
  EXPECT_EQ(c.env(0).value_from().field_ref().api_version(), "v1");
  EXPECT_EQ(c.liveness_probe().timeout_seconds(), 1);
  EXPECT_EQ(c.liveness_probe().period_seconds(), 10);
  EXPECT_EQ(c.liveness_probe().success_threshold(), 1);
  EXPECT_EQ(c.liveness_probe().failure_threshold(), 3);
  EXPECT_EQ(c.liveness_probe().http_get().path(), "/");
  EXPECT_EQ(c.liveness_probe().http_get().scheme(), "HTTP");
  EXPECT_EQ(c.readiness_probe().period_seconds(), 3);  // kept
  EXPECT_EQ(c.lifecycle().pre_stop().http_get().scheme(), "HTTP");
  // Pods (not templates) get requests from limits where missing.
  EXPECT_EQ(c.resources().requests().at("cpu"), "500m");
  EXPECT_EQ(c.resources().requests().at("memory"), "1Gi");
  EXPECT_EQ(s.containers(1).image_pull_policy(), "IfNotPresent");
  EXPECT_EQ(s.containers(2).image_pull_policy(), "Always");
  EXPECT_EQ(s.containers(3).image_pull_policy(), "IfNotPresent");
  EXPECT_EQ(s.containers(4).image_pull_policy(), "Never");
}

TEST(DefaultsTest, HostNetworkHostPorts) {
  Pod p;
  p.mutable_spec()->set_host_network(true);
  p.mutable_spec()->add_containers()->add_ports()->set_container_port(8080);
  ApplyDefaults(p);
  EXPECT_EQ(p.spec().containers(0).ports(0).host_port(), 8080);
}

TEST(DefaultsTest, ServiceAccountNameMirrors) {
  PodSpec s;
  s.set_service_account("legacy");
  DefaultPodSpec(&s);
  EXPECT_EQ(s.service_account_name(), "legacy");
  PodSpec t;
  t.set_service_account_name("web");
  DefaultPodSpec(&t);
  EXPECT_EQ(t.service_account(), "web");
}

TEST(DefaultsTest, Service) {
  Service s = Load<Service>(R"(
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: {app: web}
  ports:
  - port: 80
  - port: 443
    targetPort: https
    protocol: TCP
)");
  ApplyDefaults(s);
  EXPECT_EQ(s.spec().type(), "ClusterIP");
  EXPECT_EQ(s.spec().session_affinity(), "None");
  EXPECT_EQ(s.spec().ports(0).protocol(), "TCP");
  IntOrString tp = *ReadIntOrString(s.spec().ports(0).target_port(), "");
  EXPECT_TRUE(tp.is_int());
  EXPECT_EQ(tp.int_value, 80);
  EXPECT_EQ(ReadIntOrString(s.spec().ports(1).target_port(), "")->string_value, "https");
  EXPECT_EQ(s.spec().internal_traffic_policy(), "Cluster");
  EXPECT_EQ(s.spec().external_traffic_policy(), "");
  EXPECT_FALSE(s.spec().has_allocate_load_balancer_node_ports());

  Service lb;
  lb.mutable_spec()->set_type("LoadBalancer");
  lb.mutable_spec()->set_session_affinity("ClientIP");
  ApplyDefaults(lb);
  EXPECT_EQ(lb.spec().external_traffic_policy(), "Cluster");
  EXPECT_TRUE(lb.spec().allocate_load_balancer_node_ports());
  EXPECT_EQ(lb.spec().session_affinity_config().client_ip().timeout_seconds(), 10800);

  Service ext;
  ext.mutable_spec()->set_type("ExternalName");
  ApplyDefaults(ext);
  EXPECT_FALSE(ext.spec().has_internal_traffic_policy());
}

TEST(DefaultsTest, Deployment) {
  Deployment d;
  d.mutable_spec()->mutable_template_()->mutable_spec()->add_containers()->set_image("nginx:1");
  ApplyDefaults(d);
  const DeploymentSpec& s = d.spec();
  EXPECT_TRUE(s.has_replicas());
  EXPECT_EQ(s.replicas(), 1);
  EXPECT_EQ(s.strategy().type(), "RollingUpdate");
  EXPECT_EQ(ReadIntOrString(s.strategy().rolling_update().max_surge(), "")->string_value, "25%");
  EXPECT_EQ(ReadIntOrString(s.strategy().rolling_update().max_unavailable(), "")->string_value,
            "25%");
  EXPECT_EQ(s.revision_history_limit(), 10);
  EXPECT_EQ(s.progress_deadline_seconds(), 600);
  EXPECT_EQ(s.template_().spec().restart_policy(), "Always");
  EXPECT_EQ(s.template_().spec().containers(0).image_pull_policy(), "IfNotPresent");

  Deployment zero;
  zero.mutable_spec()->set_replicas(0);
  zero.mutable_spec()->mutable_strategy()->set_type("Recreate");
  ApplyDefaults(zero);
  EXPECT_EQ(zero.spec().replicas(), 0);  // explicit zero kept
  EXPECT_FALSE(zero.spec().strategy().has_rolling_update());
}

TEST(DefaultsTest, TemplatesDoNotGetRequestsFromLimits) {
  Deployment d;
  auto* c = d.mutable_spec()->mutable_template_()->mutable_spec()->add_containers();
  (*c->mutable_resources()->mutable_limits())["cpu"] = "1";
  ApplyDefaults(d);
  EXPECT_TRUE(d.spec().template_().spec().containers(0).resources().requests().empty());
}

TEST(DefaultsTest, ReplicaSetStatefulSetDaemonSet) {
  ReplicaSet rs;
  ApplyDefaults(rs);
  EXPECT_EQ(rs.spec().replicas(), 1);

  StatefulSet sts;
  sts.mutable_spec()->add_volume_claim_templates()->mutable_metadata()->set_name("data");
  ApplyDefaults(sts);
  EXPECT_EQ(sts.spec().replicas(), 1);
  EXPECT_EQ(sts.spec().pod_management_policy(), "OrderedReady");
  EXPECT_EQ(sts.spec().update_strategy().type(), "RollingUpdate");
  EXPECT_TRUE(sts.spec().update_strategy().rolling_update().has_partition());
  EXPECT_EQ(sts.spec().update_strategy().rolling_update().partition(), 0);
  EXPECT_EQ(sts.spec().revision_history_limit(), 10);
  EXPECT_EQ(sts.spec().persistent_volume_claim_retention_policy().when_deleted(), "Retain");
  EXPECT_EQ(sts.spec().persistent_volume_claim_retention_policy().when_scaled(), "Retain");
  EXPECT_EQ(sts.spec().volume_claim_templates(0).spec().volume_mode(), "Filesystem");

  DaemonSet ds;
  ApplyDefaults(ds);
  EXPECT_EQ(ds.spec().update_strategy().type(), "RollingUpdate");
  EXPECT_EQ(ReadIntOrString(ds.spec().update_strategy().rolling_update().max_unavailable(), "")
                ->int_value,
            1);
  EXPECT_EQ(
      ReadIntOrString(ds.spec().update_strategy().rolling_update().max_surge(), "")->int_value, 0);
  EXPECT_EQ(ds.spec().revision_history_limit(), 10);
}

TEST(DefaultsTest, HorizontalPodAutoscaler) {
  HorizontalPodAutoscaler h;
  h.mutable_spec()->set_max_replicas(5);
  ApplyDefaults(h);
  EXPECT_EQ(h.spec().min_replicas(), 1);
  ASSERT_EQ(h.spec().metrics_size(), 1);
  EXPECT_EQ(h.spec().metrics(0).type(), "Resource");
  EXPECT_EQ(h.spec().metrics(0).resource().name(), "cpu");
  EXPECT_EQ(h.spec().metrics(0).resource().target().type(), "Utilization");
  EXPECT_EQ(h.spec().metrics(0).resource().target().average_utilization(), 80);
  EXPECT_FALSE(h.spec().has_behavior());  // only filled when given

  HorizontalPodAutoscaler b;
  b.mutable_spec()->mutable_behavior()->mutable_scale_down()->set_stabilization_window_seconds(60);
  ApplyDefaults(b);
  const HPAScalingRules& up = b.spec().behavior().scale_up();
  EXPECT_EQ(up.stabilization_window_seconds(), 0);
  EXPECT_EQ(up.select_policy(), "Max");
  ASSERT_EQ(up.policies_size(), 2);
  EXPECT_EQ(up.policies(0).type(), "Pods");
  EXPECT_EQ(up.policies(0).value(), 4);
  EXPECT_EQ(up.policies(1).type(), "Percent");
  EXPECT_EQ(up.policies(1).value(), 100);
  const HPAScalingRules& down = b.spec().behavior().scale_down();
  EXPECT_EQ(down.stabilization_window_seconds(), 60);
  EXPECT_EQ(down.select_policy(), "Max");
  ASSERT_EQ(down.policies_size(), 1);
  EXPECT_EQ(down.policies(0).period_seconds(), 15);
}

TEST(DefaultsTest, SecretNamespaceNodeSliceBindings) {
  Secret s;
  (*s.mutable_data())["a"] = "old";
  (*s.mutable_string_data())["a"] = "new";
  (*s.mutable_string_data())["b"] = "bee";
  ApplyDefaults(s);
  EXPECT_EQ(s.type(), "Opaque");
  EXPECT_EQ(s.data().at("a"), "new");
  EXPECT_EQ(s.data().at("b"), "bee");
  EXPECT_TRUE(s.string_data().empty());

  Namespace ns;
  ns.mutable_metadata()->set_name("shop");
  ApplyDefaults(ns);
  EXPECT_EQ(ns.status().phase(), "Active");
  EXPECT_EQ(ns.metadata().labels().at("kubernetes.io/metadata.name"), "shop");

  Node n;
  (*n.mutable_status()->mutable_capacity())["cpu"] = "2";
  ApplyDefaults(n);
  EXPECT_EQ(n.status().allocatable().at("cpu"), "2");

  EndpointSlice eps;
  eps.add_ports()->set_port(80);
  ApplyDefaults(eps);
  EXPECT_EQ(eps.ports(0).protocol(), "TCP");
  EXPECT_TRUE(eps.ports(0).has_name());

  RoleBinding rb;
  rb.add_subjects()->set_kind("User");
  rb.add_subjects()->set_kind("ServiceAccount");
  ApplyDefaults(rb);
  EXPECT_EQ(rb.subjects(0).api_group(), "rbac.authorization.k8s.io");
  EXPECT_EQ(rb.subjects(1).api_group(), "");
}

// Defaulting is idempotent and every testdata object is still valid afterwards.
TEST(DefaultsTest, IdempotentAndValidOnTestdata) {
  for (const char* file : {"deployment.yaml", "service.yaml", "headless-service.yaml",
                           "statefulset.yaml", "daemonset.yaml", "hpa.yaml", "rbac.yaml",
                           "configmap-secret.yaml", "pod.yaml", "cluster.yaml", "list.yaml"}) {
    LoadResult r = LoadManifestFile(test_support::TestdataPath(file));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (ManifestObject& o : r.objects) {
      ApplyDefaults(*o.object);
      std::unique_ptr<google::protobuf::Message> again(o.object->New());
      again->CopyFrom(*o.object);
      ApplyDefaults(*again);
      EXPECT_TRUE(MessageDifferencer::Equals(*o.object, *again)) << file;
      FieldErrors errors = Validate(*o.object);
      EXPECT_TRUE(errors.empty()) << file << ": " << JoinFieldErrors(errors);
    }
  }
}

TEST(DefaultsTest, NonKindsUntouched) {
  PodSpec spec;
  ApplyDefaults(spec);  // not a kind: nothing happens
  EXPECT_EQ(spec.restart_policy(), "");
}

}  // namespace
}  // namespace skiff::api
