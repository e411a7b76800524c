#include "api/manifest.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/int_or_string.h"
#include "api/testdata_path.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::util::MessageDifferencer;
using test_support::TestdataPath;

std::string ReadTestdata(const std::string& file) {
  std::ifstream in(TestdataPath(file));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Loads a testdata file with a stable source name (the relative file name).
LoadResult LoadTestdata(const std::string& file) {
  return LoadManifests(ReadTestdata(file), file);
}

std::vector<std::string> ErrorStrings(const LoadResult& r) {
  std::vector<std::string> out;
  for (const ManifestError& e : r.errors)
    out.push_back(e.ToString());
  return out;
}

template <typename T>
const T& As(const ManifestObject& o) {
  const T* t = google::protobuf::DynamicCastToGenerated<T>(o.object.get());
  EXPECT_NE(t, nullptr) << o.object->GetDescriptor()->full_name();
  return t ? *t : T::default_instance();
}

struct FileCase {
  std::string file;
  std::vector<std::string> objects;  // "Kind name"
};

class TestdataTest : public testing::TestWithParam<FileCase> {};

TEST_P(TestdataTest, LoadsWithoutErrors) {
  LoadResult r = LoadTestdata(GetParam().file);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> got;
  for (const ManifestObject& o : r.objects) {
    got.push_back(std::string(o.kind->kind) + " " + GetObjectMeta(*o.object)->name());
    EXPECT_EQ(o.source, GetParam().file);
    EXPECT_GT(o.line, 0);
  }
  EXPECT_EQ(got, GetParam().objects);
}

// Loaded -> YAML -> loaded again is the same message; likewise through JSON.
TEST_P(TestdataTest, RoundTripsThroughYamlAndJson) {
  LoadResult r = LoadTestdata(GetParam().file);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const ManifestObject& o : r.objects) {
    std::string yaml = ToYaml(*o.object);
    Result<std::unique_ptr<google::protobuf::Message>> again = ParseObject(yaml, "out.yaml");
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << yaml;
    EXPECT_TRUE(MessageDifferencer::Equals(*o.object, **again)) << yaml;
    // Printing is stable.
    EXPECT_EQ(ToYaml(**again), yaml);

    for (bool pretty : {false, true}) {
      std::string json = ToJson(*o.object, pretty);
      Result<std::unique_ptr<google::protobuf::Message>> from_json = ParseObject(json, "out.json");
      ASSERT_TRUE(from_json.ok()) << from_json.status().ToString() << "\n" << json;
      EXPECT_TRUE(MessageDifferencer::Equals(*o.object, **from_json)) << json;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, TestdataTest,
    testing::Values(FileCase{"deployment.yaml", {"Deployment web"}},
                    FileCase{"service.yaml", {"Service web"}},
                    FileCase{"headless-service.yaml", {"Service db"}},
                    FileCase{"statefulset.yaml", {"Service nginx", "StatefulSet web"}},
                    FileCase{"daemonset.yaml", {"DaemonSet fluentd-elasticsearch"}},
                    FileCase{"hpa.yaml", {"HorizontalPodAutoscaler web"}},
                    FileCase{"rbac.yaml",
                             {"ServiceAccount web", "Role pod-reader", "RoleBinding read-pods",
                              "ClusterRole monitoring", "ClusterRole secret-reader",
                              "ClusterRoleBinding read-secrets-global"}},
                    FileCase{"configmap-secret.yaml",
                             {"ConfigMap web-config", "Secret db-credentials"}},
                    FileCase{"pod.yaml", {"Pod worker-0"}},
                    FileCase{"cluster.yaml",
                             {"Namespace shop", "Node node-1", "EndpointSlice web-abc12",
                              "Event web-7d4b9c-xk2p9.17c5f3a1b2c3d4e5"}},
                    FileCase{"list.yaml", {"ConfigMap a", "ReplicaSet frontend"}}),
    [](const testing::TestParamInfo<FileCase>& info) {
      std::string name;
      for (char c : info.param.file)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(ManifestFieldsTest, Deployment) {
  LoadResult r = LoadTestdata("deployment.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Deployment& d = As<Deployment>(r.objects[0]);
  EXPECT_EQ(d.api_version(), "apps/v1");
  EXPECT_EQ(d.metadata().namespace_(), "shop");
  EXPECT_EQ(d.metadata().labels().at("app.kubernetes.io/part-of"), "shop");
  EXPECT_EQ(d.metadata().annotations().at("deployment.kubernetes.io/revision"), "3");
  ASSERT_TRUE(d.spec().has_replicas());
  EXPECT_EQ(d.spec().replicas(), 3);
  EXPECT_EQ(d.spec().revision_history_limit(), 5);
  EXPECT_EQ(d.spec().progress_deadline_seconds(), 300);
  EXPECT_EQ(d.spec().min_ready_seconds(), 5);
  const RollingUpdateDeployment& ru = d.spec().strategy().rolling_update();
  EXPECT_EQ(ReadIntOrString(ru.max_surge(), "")->int_value, 1);
  EXPECT_TRUE(ReadIntOrString(ru.max_surge(), "")->is_int());
  EXPECT_EQ(ReadIntOrString(ru.max_unavailable(), "")->string_value, "25%");

  const PodSpec& spec = d.spec().template_().spec();
  EXPECT_EQ(spec.service_account_name(), "web");
  EXPECT_EQ(spec.termination_grace_period_seconds(), 45);
  EXPECT_TRUE(spec.security_context().run_as_non_root());
  EXPECT_EQ(spec.security_context().fs_group(), 2000);
  ASSERT_EQ(spec.init_containers_size(), 1);
  EXPECT_EQ(spec.init_containers(0).env_from(0).secret_ref().name(), "db-credentials");
  ASSERT_EQ(spec.containers_size(), 2);
  const Container& c = spec.containers(0);
  EXPECT_EQ(c.args(0), "--listen=:8080");
  EXPECT_EQ(c.ports(0).name(), "http");
  EXPECT_EQ(c.ports(1).container_port(), 9090);
  EXPECT_EQ(c.ports(1).protocol(), "");  // not defaulted by loading
  // String fields take any scalar verbatim.
  EXPECT_EQ(c.env(1).value(), "4");
  EXPECT_EQ(c.env(2).value(), "true");
  EXPECT_EQ(c.env(3).value(), "1.0");
  EXPECT_EQ(c.env(4).value_from().config_map_key_ref().key(), "db.host");
  EXPECT_TRUE(c.env(5).value_from().secret_key_ref().has_optional());
  EXPECT_FALSE(c.env(5).value_from().secret_key_ref().optional());
  EXPECT_EQ(c.env(6).value_from().field_ref().field_path(), "metadata.name");
  EXPECT_EQ(c.env(7).value_from().resource_field_ref().divisor(), "1Mi");
  EXPECT_EQ(c.env_from(0).prefix(), "CFG_");
  EXPECT_EQ(c.resources().limits().at("cpu"), "1");
  EXPECT_EQ(c.resources().requests().at("memory"), "64Mi");
  IntOrString port = *ReadIntOrString(c.liveness_probe().http_get().port(), "");
  EXPECT_TRUE(port.is_string());
  EXPECT_EQ(port.string_value, "http");
  EXPECT_EQ(c.liveness_probe().http_get().http_headers(0).value(), "liveness");
  EXPECT_EQ(c.liveness_probe().failure_threshold(), 5);
  EXPECT_EQ(ReadIntOrString(c.readiness_probe().tcp_socket().port(), "")->int_value, 8080);
  EXPECT_EQ(c.startup_probe().exec().command(1), "/tmp/ready");
  EXPECT_EQ(c.lifecycle().pre_stop().exec().command(2), "sleep 5");
  EXPECT_TRUE(c.volume_mounts(0).read_only());
  // YAML 1.1 octal, as Kubernetes reads it.
  EXPECT_EQ(spec.volumes(0).config_map().default_mode(), 0644);
  EXPECT_EQ(spec.volumes(0).config_map().default_mode(), 420);
  EXPECT_TRUE(spec.volumes(1).has_empty_dir());
}

TEST(ManifestFieldsTest, PodAndStatus) {
  LoadResult r = LoadTestdata("pod.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Pod& p = As<Pod>(r.objects[0]);
  const ObjectMeta& m = p.metadata();
  EXPECT_TRUE(m.owner_references(0).controller());
  EXPECT_EQ(m.owner_references(0).uid(), "0b0f3b4c-4a4e-4f0e-9d7c-1c2f3e4d5a6b");
  EXPECT_EQ(m.finalizers(0), "example.com/cleanup");
  EXPECT_EQ(m.labels().at("zone-pinned"), "true");
  const PodSpec& s = p.spec();
  EXPECT_EQ(s.restart_policy(), "OnFailure");
  EXPECT_EQ(s.active_deadline_seconds(), 3600);
  EXPECT_EQ(s.dns_config().options(0).value(), "2");
  EXPECT_FALSE(s.dns_config().options(1).has_value());
  EXPECT_TRUE(s.set_hostname_as_fqdn());
  EXPECT_TRUE(s.share_process_namespace());
  EXPECT_TRUE(s.has_automount_service_account_token());
  EXPECT_FALSE(s.automount_service_account_token());
  EXPECT_EQ(s.priority(), 1000);
  EXPECT_EQ(s.host_aliases(0).hostnames(1), "bar.local");
  EXPECT_EQ(s.readiness_gates(0).condition_type(), "example.com/feature-1");
  EXPECT_EQ(s.overhead().at("cpu"), "250m");
  const auto& na = s.affinity().node_affinity();
  EXPECT_EQ(na.required_during_scheduling_ignored_during_execution()
                .node_selector_terms(0)
                .match_expressions(0)
                .values(1),
            "antarctica-west1");
  EXPECT_EQ(na.preferred_during_scheduling_ignored_during_execution(0).weight(), 1);
  EXPECT_EQ(s.affinity()
                .pod_affinity()
                .required_during_scheduling_ignored_during_execution(0)
                .topology_key(),
            "topology.kubernetes.io/zone");
  const auto& anti =
      s.affinity().pod_anti_affinity().preferred_during_scheduling_ignored_during_execution(0);
  EXPECT_EQ(anti.weight(), 100);
  EXPECT_TRUE(anti.pod_affinity_term().has_namespace_selector());
  EXPECT_EQ(anti.pod_affinity_term().namespaces(1), "default");
  EXPECT_EQ(s.tolerations(1).toleration_seconds(), 3600);
  EXPECT_FALSE(s.tolerations(0).has_toleration_seconds());
  const TopologySpreadConstraint& tsc = s.topology_spread_constraints(0);
  EXPECT_EQ(tsc.min_domains(), 2);
  EXPECT_EQ(tsc.node_taints_policy(), "Ignore");
  EXPECT_EQ(tsc.match_label_keys(0), "pod-template-hash");
  EXPECT_EQ(s.security_context().supplemental_groups(0), 4000);
  EXPECT_EQ(s.security_context().sysctls(0).value(), "1024");
  EXPECT_EQ(s.init_containers(0).restart_policy(), "Always");
  const Container& c = s.containers(0);
  EXPECT_TRUE(c.stdin());
  EXPECT_TRUE(c.tty());
  EXPECT_EQ(c.security_context().capabilities().drop(0), "ALL");
  EXPECT_EQ(c.readiness_probe().grpc().port(), 50051);
  EXPECT_EQ(c.readiness_probe().grpc().service(), "worker");
  EXPECT_EQ(c.liveness_probe().http_get().scheme(), "HTTPS");
  EXPECT_EQ(c.liveness_probe().termination_grace_period_seconds(), 10);
  EXPECT_EQ(c.lifecycle().pre_stop().sleep().seconds(), 5);
  EXPECT_EQ(c.resources().limits().at("ephemeral-storage"), "2Gi");
  EXPECT_EQ(c.volume_mounts(2).sub_path(), "worker");
  EXPECT_EQ(s.volumes(0).downward_api().items(1).resource_field_ref().divisor(), "1m");
  EXPECT_EQ(s.volumes(1).projected().sources(2).service_account_token().expiration_seconds(), 3600);
  EXPECT_EQ(s.volumes(3).empty_dir().size_limit(), "500Mi");
  EXPECT_TRUE(s.volumes(4).secret().optional());

  const PodStatus& st = p.status();
  EXPECT_EQ(st.phase(), "Running");
  EXPECT_EQ(st.host_ip(), "192.168.1.10");
  EXPECT_EQ(st.pod_ips(1).ip(), "fd00:10:244:1::7");
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(st.start_time()), "2024-05-01T10:00:00Z");
  EXPECT_FALSE(st.conditions(0).has_last_probe_time());  // null
  EXPECT_EQ(st.container_statuses(0).restart_count(), 2);
  EXPECT_EQ(st.container_statuses(0).image_id(), "registry.example.com/batch/worker@sha256:0123");
  EXPECT_TRUE(st.container_statuses(0).state().has_running());
  EXPECT_EQ(st.container_statuses(0).last_state().terminated().exit_code(), 137);
}

TEST(ManifestFieldsTest, ClusterObjects) {
  LoadResult r = LoadTestdata("cluster.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Namespace& ns = As<Namespace>(r.objects[0]);
  EXPECT_EQ(ns.spec().finalizers(0), "kubernetes");
  const Node& node = As<Node>(r.objects[1]);
  EXPECT_EQ(node.spec().pod_cidr(), "10.244.1.0/24");
  EXPECT_EQ(node.spec().provider_id(), "skiff://node-1");
  EXPECT_EQ(node.spec().taints(0).effect(), "NoSchedule");
  EXPECT_EQ(node.metadata().labels().at("node-role.kubernetes.io/worker"), "");
  EXPECT_EQ(node.status().capacity().at("cpu"), "2");
  EXPECT_EQ(node.status().daemon_endpoints().kubelet_endpoint().port(), 10250);
  EXPECT_EQ(node.status().node_info().machine_id(), "0123456789abcdef");
  EXPECT_EQ(node.status().addresses(0).type(), "InternalIP");
  const EndpointSlice& eps = As<EndpointSlice>(r.objects[2]);
  EXPECT_EQ(eps.address_type(), "IPv4");
  EXPECT_EQ(eps.ports(0).port(), 8080);
  EXPECT_EQ(eps.endpoints(0).conditions().ready(), true);
  EXPECT_TRUE(eps.endpoints(0).conditions().has_terminating());
  EXPECT_FALSE(eps.endpoints(0).conditions().terminating());
  EXPECT_EQ(eps.endpoints(0).target_ref().name(), "web-7d4b9c-xk2p9");
  EXPECT_EQ(eps.endpoints(0).hints().for_zones(0).name(), "zone-a");
  EXPECT_TRUE(eps.endpoints(1).conditions().has_ready());
  EXPECT_FALSE(eps.endpoints(1).conditions().ready());
  EXPECT_FALSE(eps.endpoints(1).conditions().has_serving());
  EXPECT_FALSE(eps.endpoints(1).has_hostname());
  const Event& ev = As<Event>(r.objects[3]);
  EXPECT_EQ(ev.involved_object().field_path(), "spec.containers{web}");
  EXPECT_EQ(ev.source().component(), "skiff-agent");
  EXPECT_EQ(ev.count(), 1);
}

TEST(ManifestFieldsTest, ConfigAndSecrets) {
  LoadResult r = LoadTestdata("configmap-secret.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ConfigMap& cm = As<ConfigMap>(r.objects[0]);
  EXPECT_EQ(cm.data().at("workers"), "4");
  EXPECT_EQ(cm.data().at("motd"), "Welcome.\n  Indented line.");
  EXPECT_EQ(cm.data().at("web.conf").substr(0, 15), "listen 8080;\nro");
  EXPECT_EQ(cm.binary_data().at("logo.png"), std::string("\x89PNG\r\n\x1a\n", 8));
  const Secret& s = As<Secret>(r.objects[1]);
  EXPECT_EQ(s.data().at("username"), "admin");
  EXPECT_EQ(s.string_data().at("config.yaml").substr(0, 6), "apiUrl");
  EXPECT_TRUE(s.immutable());
  EXPECT_EQ(s.type(), "Opaque");
}

TEST(ManifestFieldsTest, WorkloadsAndAutoscaling) {
  LoadResult sts_file = LoadTestdata("statefulset.yaml");
  ASSERT_TRUE(sts_file.ok());
  const Service& svc = As<Service>(sts_file.objects[0]);
  EXPECT_EQ(svc.spec().cluster_ip(), "None");
  const StatefulSet& sts = As<StatefulSet>(sts_file.objects[1]);
  EXPECT_EQ(sts.spec().service_name(), "nginx");
  EXPECT_EQ(sts.spec().pod_management_policy(), "Parallel");
  EXPECT_TRUE(sts.spec().update_strategy().rolling_update().has_partition());
  EXPECT_EQ(sts.spec().ordinals().start(), 1);
  EXPECT_EQ(sts.spec().persistent_volume_claim_retention_policy().when_scaled(), "Delete");
  const PersistentVolumeClaim& pvc = sts.spec().volume_claim_templates(0);
  EXPECT_EQ(pvc.metadata().name(), "www");
  EXPECT_EQ(pvc.spec().access_modes(0), "ReadWriteOnce");
  EXPECT_EQ(pvc.spec().storage_class_name(), "my-storage-class");
  EXPECT_EQ(pvc.spec().resources().requests().at("storage"), "1Gi");

  LoadResult ds_file = LoadTestdata("daemonset.yaml");
  ASSERT_TRUE(ds_file.ok());
  const DaemonSet& ds = As<DaemonSet>(ds_file.objects[0]);
  EXPECT_EQ(
      ReadIntOrString(ds.spec().update_strategy().rolling_update().max_surge(), "")->int_value, 0);
  EXPECT_EQ(ds.spec().template_().spec().volumes(0).host_path().type(), "Directory");

  LoadResult hpa_file = LoadTestdata("hpa.yaml");
  ASSERT_TRUE(hpa_file.ok());
  const HorizontalPodAutoscaler& hpa = As<HorizontalPodAutoscaler>(hpa_file.objects[0]);
  EXPECT_EQ(hpa.spec().scale_target_ref().kind(), "Deployment");
  EXPECT_EQ(hpa.spec().min_replicas(), 2);
  EXPECT_EQ(hpa.spec().max_replicas(), 20);
  ASSERT_EQ(hpa.spec().metrics_size(), 6);
  EXPECT_EQ(hpa.spec().metrics(0).resource().target().average_utilization(), 60);
  EXPECT_EQ(hpa.spec().metrics(1).resource().target().average_value(), "500Mi");
  EXPECT_EQ(hpa.spec().metrics(2).pods().metric().name(), "packets-per-second");
  EXPECT_EQ(hpa.spec().metrics(3).object().described_object().kind(), "Ingress");
  EXPECT_EQ(hpa.spec().metrics(3).object().target().value(), "10k");
  EXPECT_EQ(hpa.spec().metrics(4).external().metric().selector().match_labels().at("queue"),
            "worker_tasks");
  EXPECT_EQ(hpa.spec().metrics(4).external().target().average_value(), "30");
  EXPECT_EQ(hpa.spec().metrics(5).container_resource().container(), "web");
  EXPECT_EQ(hpa.spec().behavior().scale_down().policies(1).type(), "Pods");
  EXPECT_EQ(hpa.spec().behavior().scale_down().select_policy(), "Min");
  EXPECT_TRUE(hpa.spec().behavior().scale_up().has_stabilization_window_seconds());

  LoadResult rbac = LoadTestdata("rbac.yaml");
  ASSERT_TRUE(rbac.ok());
  EXPECT_FALSE(As<ServiceAccount>(rbac.objects[0]).automount_service_account_token());
  const Role& role = As<Role>(rbac.objects[1]);
  EXPECT_EQ(role.rules(0).api_groups(0), "");
  EXPECT_EQ(role.rules(0).resources(1), "pods/log");
  EXPECT_EQ(role.rules(1).resource_names(0), "web-config");
  const RoleBinding& rb = As<RoleBinding>(rbac.objects[2]);
  EXPECT_EQ(rb.subjects(1).kind(), "ServiceAccount");
  EXPECT_EQ(rb.role_ref().name(), "pod-reader");
  EXPECT_EQ(As<ClusterRole>(rbac.objects[3]).rules_size(), 0);
  EXPECT_EQ(As<ClusterRole>(rbac.objects[3])
                .aggregation_rule()
                .cluster_role_selectors(0)
                .match_labels()
                .at("rbac.example.com/aggregate-to-monitoring"),
            "true");
  EXPECT_EQ(As<ClusterRole>(rbac.objects[4]).rules(1).non_resource_urls(1), "/healthz/*");
}

TEST(ManifestListTest, ListItemsExpanded) {
  LoadResult r = LoadTestdata("list.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].document, 1);
  EXPECT_EQ(r.objects[0].item, 0);
  EXPECT_EQ(r.objects[1].item, 1);
  EXPECT_EQ(r.objects[1].kind->kind, "ReplicaSet");
  EXPECT_EQ(As<ReplicaSet>(r.objects[1]).spec().replicas(), 3);
}

TEST(ManifestHabitsTest, KubectlDryRunOutputLoads) {
  // What `kubectl create deployment web --image=nginx --dry-run=client -o yaml` prints.
  LoadResult r = LoadManifests(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: web
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
status: {}
)",
                               "dry-run.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Deployment& d = As<Deployment>(r.objects[0]);
  EXPECT_FALSE(d.metadata().has_creation_timestamp());
  EXPECT_TRUE(d.spec().has_strategy());
  EXPECT_TRUE(d.spec().template_().spec().containers(0).has_resources());
  EXPECT_TRUE(d.has_status());
}

TEST(ManifestHabitsTest, CrlfLineEndingsAndByteOrderMark) {
  std::string text =
      "\xef\xbb\xbf"
      "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\ndata:\r\n"
      "  k: v\r\n---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n";
  LoadResult r = LoadManifests(text, "windows.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(As<ConfigMap>(r.objects[0]).data().at("k"), "v");
  EXPECT_EQ(GetObjectMeta(*r.objects[1].object)->name(), "b");
  EXPECT_EQ(r.objects[1].document, 2);

  LoadResult bom_marker = LoadManifests(
      "\xef\xbb\xbf---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n", "bom.yaml");
  ASSERT_TRUE(bom_marker.ok()) << bom_marker.status().ToString();
  EXPECT_EQ(bom_marker.objects.size(), 1u);
}

TEST(ManifestHabitsTest, HelmStyleSourceComments) {
  LoadResult r = LoadManifests(
      "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  "
      "name: a\n---\n# Source: chart/templates/empty.yaml\n---\n# Source: "
      "chart/templates/ns.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n",
      "helm.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[1].document, 3);
}

TEST(ManifestHabitsTest, KubectlGetOutputWithManagedFields) {
  const char* text = R"(apiVersion: v1
kind: ConfigMap
metadata:
  creationTimestamp: "2024-05-01T10:00:00Z"
  managedFields:
  - apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1:
      f:data:
        .: {}
        f:k: {}
      f:metadata:
        f:labels:
          f:app: {}
    manager: kubectl-client-side-apply
    operation: Update
    time: "2024-05-01T10:00:00Z"
  name: a
  namespace: default
  resourceVersion: "12345"
  uid: 6b2a1c5e-0000-4000-8000-000000000001
data:
  k: v
)";
  LoadResult r = LoadManifests(text, "get.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ConfigMap& cm = As<ConfigMap>(r.objects[0]);
  EXPECT_EQ(cm.metadata().resource_version(), "12345");
  ASSERT_EQ(cm.metadata().managed_fields_size(), 1);
  EXPECT_EQ(cm.metadata().managed_fields(0).manager(), "kubectl-client-side-apply");
  const auto& f = cm.metadata().managed_fields(0).fields_v1().struct_value().fields();
  EXPECT_TRUE(f.at("f:data").struct_value().fields().contains("."));
  std::string yaml = ToYaml(cm);
  Result<std::unique_ptr<google::protobuf::Message>> again = ParseObject(yaml, "again.yaml");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << yaml;
  EXPECT_TRUE(MessageDifferencer::Equals(cm, **again)) << yaml;
}

// --- errors --------------------------------------------------------------------------------

TEST(ManifestErrorTest, UnknownFieldFailsOnlyItsDocument) {
  LoadResult r = LoadTestdata("bad/unknown-field.yaml");
  EXPECT_EQ(ErrorStrings(r),
            std::vector<std::string>{
                "bad/unknown-field.yaml:23: document 2 (Deployment web): "
                "spec.template.spec.containers[0].imagee: unknown field \"imagee\""});
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(GetObjectMeta(*r.objects[0].object)->name(), "before");
  EXPECT_EQ(GetObjectMeta(*r.objects[1].object)->name(), "after");
  EXPECT_EQ(r.objects[1].document, 3);
  const ManifestError& e = r.errors[0];
  EXPECT_EQ(e.source, "bad/unknown-field.yaml");
  EXPECT_EQ(e.document, 2);
  EXPECT_EQ(e.kind, "Deployment");
  EXPECT_EQ(e.name, "web");
  EXPECT_EQ(e.path, "spec.template.spec.containers[0].imagee");
  EXPECT_EQ(e.line, 23);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ManifestErrorTest, WrongTypesReportEveryField) {
  LoadResult r = LoadTestdata("bad/wrong-types.yaml");
  EXPECT_TRUE(r.objects.empty());
  EXPECT_EQ(
      ErrorStrings(r),
      (std::vector<std::string>{
          "bad/wrong-types.yaml:7: document 1 (Deployment prod/web): metadata.labels: "
          "expected a map, got a list",
          "bad/wrong-types.yaml:9: document 1 (Deployment prod/web): spec.replicas: expected an "
          "integer, got \"abc\"",
          "bad/wrong-types.yaml:16: document 1 (Deployment prod/web): "
          "spec.template.spec.containers: expected a list, got a map",
          "bad/wrong-types.yaml:28: document 2 (Pod p): spec.containers[0].ports[0].containerPort: "
          "expected an integer, got \"eighty\"",
          "bad/wrong-types.yaml:29: document 2 (Pod p): spec.containers[0].stdin: expected true "
          "or false, got \"maybe\"",
          "bad/wrong-types.yaml:30: document 2 (Pod p): spec.terminationGracePeriodSeconds: "
          "\"99999999999999999999\" is out of range for a 64-bit integer",
          "bad/wrong-types.yaml:37: document 3 (Secret s): data[password]: illegal base64 data "
          "at input byte 3"}));
}

TEST(ManifestErrorTest, MalformedYamlHasLineAndOtherDocumentsLoad) {
  LoadResult r = LoadTestdata("bad/malformed.yaml");
  EXPECT_EQ(ErrorStrings(r),
            std::vector<std::string>{"bad/malformed.yaml:10: document 2: invalid YAML at column 2: "
                                     "end of map not found"});
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(GetObjectMeta(*r.objects[1].object)->name(), "ok-2");
  EXPECT_EQ(r.objects[1].document, 3);
}

TEST(ManifestErrorTest, KindsAndVersions) {
  LoadResult r = LoadTestdata("bad/bad-kinds.yaml");
  std::vector<std::string> errors = ErrorStrings(r);
  ASSERT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors[0].substr(0, 95),
            "bad/bad-kinds.yaml:2: document 1 (Deploymnet typo): kind: unknown kind \"Deploymnet\" "
            "(known kind");
  EXPECT_EQ(errors[1],
            "bad/bad-kinds.yaml:6: document 2 (Deployment old): apiVersion: unknown apiVersion "
            "\"apps/v1beta1\" for kind Deployment (want \"apps/v1\")");
  EXPECT_EQ(errors[2],
            "bad/bad-kinds.yaml:11: document 3 (object nokind): kind: missing required field "
            "\"kind\"");
  EXPECT_EQ(errors[3],
            "bad/bad-kinds.yaml:15: document 4 (Service noversion): apiVersion: missing required "
            "field \"apiVersion\" (want \"v1\")");
  EXPECT_EQ(errors[4],
            "bad/bad-kinds.yaml:19: document 5: expected an object (a map with apiVersion, kind "
            "and metadata), got a list");
  EXPECT_EQ(
      errors[5],
      "bad/bad-kinds.yaml:37: document 6 (Pod bad-item): items[1].spec.containers[0].resource: "
      "unknown field \"resource\"");
  // The good item of the List still loads.
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(GetObjectMeta(*r.objects[0].object)->name(), "good-item");
  EXPECT_EQ(r.objects[0].item, 0);
}

TEST(ManifestErrorTest, CaseSuggestion) {
  LoadResult r =
      LoadManifests("apiVersion: apps/v1\nkind: deployment\nmetadata: {name: x}\n", "x.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "x.yaml:2: document 1 (deployment x): kind: unknown kind \"deployment\"; did you mean "
            "\"Deployment\"?");
}

TEST(ManifestErrorTest, MissingFile) {
  LoadResult r = LoadManifestFile("/nonexistent/skiff/x.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "/nonexistent/skiff/x.yaml: cannot read file: No such file or directory");
}

struct ScalarErrorCase {
  std::string yaml;  // a ConfigMap/Pod document body after the header
  std::string error;
};

class ScalarErrorTest : public testing::TestWithParam<ScalarErrorCase> {};

TEST_P(ScalarErrorTest, Reports) {
  LoadResult r = LoadManifests(GetParam().yaml, "t.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << r.status().ToString();
  EXPECT_EQ(r.errors[0].ToString(), GetParam().error);
  EXPECT_TRUE(r.objects.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScalarErrorTest,
    testing::Values(
        ScalarErrorCase{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  priority: 1.5\n",
                        "t.yaml:6: document 1 (Pod p): spec.priority: expected an integer, got "
                        "\"1.5\""},
        ScalarErrorCase{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  name: q\n",
                        "t.yaml:5: document 1 (Pod p): metadata.name: duplicate field \"name\""},
        ScalarErrorCase{
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  creationTimestamp: "
            "yesterday\n",
            "t.yaml:5: document 1 (Pod p): metadata.creationTimestamp: invalid "
            "timestamp \"yesterday\": expected RFC 3339, e.g. \"2024-01-02T15:04:05Z\""},
        ScalarErrorCase{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\napi_version: v1\n",
                        "t.yaml:5: document 1 (Pod p): api_version: unknown field \"api_version\""},
        ScalarErrorCase{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                        "  - name: c\n    command: ls\n",
                        "t.yaml:8: document 1 (Pod p): spec.containers[0].command: expected a "
                        "list, got \"ls\""},
        ScalarErrorCase{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeName: "
                        "[a]\n",
                        "t.yaml:6: document 1 (Pod p): spec.nodeName: expected a string, got a "
                        "list"},
        ScalarErrorCase{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: {a: "
                        "b}\n",
                        "t.yaml:6: document 1 (ConfigMap c): data[k]: expected a string, got a "
                        "map"},
        ScalarErrorCase{"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n"
                        "  - port: 70000000000\n",
                        "t.yaml:7: document 1 (Service s): spec.ports[0].port: \"70000000000\" is "
                        "out of range for a 32-bit integer"},
        ScalarErrorCase{"apiVersion: v1\nkind: List\nitems: {}\n",
                        "t.yaml:3: document 1 (List): items: expected a list, got a map"}));

// --- scalar typing -------------------------------------------------------------------------

TEST(ManifestScalarTest, FieldTypesDriveConversion) {
  LoadResult r = LoadManifests(R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {version: 1.10, enabled: true, empty: }
spec:
  terminationGracePeriodSeconds: "30"
  priority: 0x10
  activeDeadlineSeconds: 1_000
  hostNetwork: yes
  hostPID: "true"
  containers:
  - name: c
    image: nginx
    ports:
    - containerPort: 8080
    env:
    - name: A
      value: 012
    - name: B
      value: null
    livenessProbe:
      tcpSocket:
        port: "8080"
    readinessProbe:
      httpGet:
        port: 0x1F90
  volumes:
  - name: v
    secret:
      secretName: s
      defaultMode: 0o400
)",
                               "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Pod& p = As<Pod>(r.objects[0]);
  EXPECT_EQ(p.metadata().labels().at("version"), "1.10");  // not 1.1
  EXPECT_EQ(p.metadata().labels().at("enabled"), "true");
  EXPECT_EQ(p.metadata().labels().at("empty"), "");
  EXPECT_EQ(p.spec().termination_grace_period_seconds(), 30);
  EXPECT_EQ(p.spec().priority(), 16);
  EXPECT_EQ(p.spec().active_deadline_seconds(), 1000);
  EXPECT_TRUE(p.spec().host_network());
  EXPECT_TRUE(p.spec().host_pid());
  EXPECT_EQ(p.spec().containers(0).env(0).value(), "012");  // strings stay verbatim
  EXPECT_EQ(p.spec().containers(0).env(1).value(), "");
  // A quoted number in an IntOrString field is the string form, as in Kubernetes.
  IntOrString quoted =
      *ReadIntOrString(p.spec().containers(0).liveness_probe().tcp_socket().port(), "");
  EXPECT_TRUE(quoted.is_string());
  EXPECT_EQ(quoted.string_value, "8080");
  EXPECT_EQ(
      ReadIntOrString(p.spec().containers(0).readiness_probe().http_get().port(), "")->int_value,
      8080);
  EXPECT_EQ(p.spec().volumes(0).secret().default_mode(), 0400);

  // The string "8080" stays a string through printing and loading again.
  std::string yaml = ToYaml(p);
  EXPECT_NE(yaml.find("port: \"8080\""), std::string::npos) << yaml;
  Result<std::unique_ptr<google::protobuf::Message>> again = ParseObject(yaml, "again.yaml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(MessageDifferencer::Equals(p, **again));
}

TEST(ManifestScalarTest, Base64WithLineBreaksAndJsonInput) {
  LoadResult r = LoadManifests(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: |\n    aGVs\n    bG8=\n",
      "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(As<Secret>(r.objects[0]).data().at("k"), "hello");

  LoadResult json = LoadManifests(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "generation": 12345678901234567},
          "spec": {"replicas": 0, "paused": true}})",
      "d.json");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  const Deployment& d = As<Deployment>(json.objects[0]);
  EXPECT_TRUE(d.spec().has_replicas());  // explicit zero is kept
  EXPECT_EQ(d.spec().replicas(), 0);
  EXPECT_EQ(d.metadata().generation(), 12345678901234567);
  // int64s print as JSON numbers (Kubernetes), not strings (protobuf's JSON).
  EXPECT_NE(ToJson(d).find("\"generation\":12345678901234567"), std::string::npos) << ToJson(d);
  EXPECT_NE(ToJson(d).find("\"replicas\":0"), std::string::npos);
}

// --- document splitting --------------------------------------------------------------------

TEST(ManifestDocumentsTest, EmptyDocumentsAreSkippedButCounted) {
  const char* text =
      "# leading comment\n"
      "---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
      "---\n"
      "# only a comment\n"
      "---\n"
      "---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
      "...\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
      "---\n";
  LoadResult r = LoadManifests(text, "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].document, 1);
  EXPECT_EQ(r.objects[0].line, 3);
  EXPECT_EQ(r.objects[1].document, 4);
  EXPECT_EQ(r.objects[1].line, 10);
  EXPECT_EQ(r.objects[2].document, 5);
  EXPECT_EQ(GetObjectMeta(*r.objects[2].object)->name(), "c");
  EXPECT_EQ(r.objects[2].line, 14);

  EXPECT_TRUE(LoadManifests("", "e.yaml").ok());
  EXPECT_TRUE(LoadManifests("", "e.yaml").objects.empty());
  EXPECT_TRUE(LoadManifests("---\n---\n# nothing\n", "e.yaml").objects.empty());
  EXPECT_TRUE(LoadManifests("---\n---\n# nothing\n", "e.yaml").ok());
}

TEST(ManifestDocumentsTest, DocumentMarkerInsideBlockScalarEndsTheDocument) {
  // "---" at column 0 always starts a new document in YAML, even after a "|" scalar.
  LoadResult r = LoadManifests(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  f: |\n    x\n"
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(As<ConfigMap>(r.objects[0]).data().at("f"), "x\n");
}

TEST(ManifestParseObjectTest, ExactlyOne) {
  EXPECT_TRUE(ParseObject("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "x").ok());
  Result<std::unique_ptr<google::protobuf::Message>> none = ParseObject("", "body");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "body: expected exactly one object, found 0");
  Result<std::unique_ptr<google::protobuf::Message>> bad =
      ParseObject("apiVersion: v1\nkind: Namespace\nmetadata: {nam: a}\n", "body");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "body:3: document 1 (Namespace): metadata.nam: unknown field \"nam\"");
}

// --- printing ------------------------------------------------------------------------------

TEST(ManifestPrintTest, KubectlOrderAndOmitEmpty) {
  Deployment d;
  d.mutable_metadata()->set_name("web");
  d.mutable_spec()->set_replicas(0);
  d.mutable_status()->set_ready_replicas(2);
  d.mutable_spec()->mutable_template_()->mutable_spec()->add_volumes()->set_name("v");
  d.mutable_spec()->mutable_template_()->mutable_spec()->mutable_volumes(0)->mutable_empty_dir();
  // apiVersion/kind come from the registry when unset.
  EXPECT_EQ(ToYaml(d),
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata:\n"
            "  name: web\n"
            "spec:\n"
            "  replicas: 0\n"
            "  template:\n"
            "    spec:\n"
            "      volumes:\n"
            "      - name: v\n"
            "        emptyDir: {}\n"
            "status:\n"
            "  readyReplicas: 2\n");
  EXPECT_EQ(ToJson(d),
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
            "\"spec\":{\"replicas\":0,\"template\":{\"spec\":{\"volumes\":[{\"name\":\"v\","
            "\"emptyDir\":{}}]}}},\"status\":{\"readyReplicas\":2}}");
  Namespace ns;
  ns.mutable_metadata()->set_name("a");
  std::vector<const google::protobuf::Message*> both = {&ns, &ns};
  EXPECT_EQ(ToYaml(both),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n"
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n");
}

TEST(ManifestPrintTest, KubernetesJsonNames) {
  Pod p;
  p.mutable_spec()->set_host_pid(true);
  p.mutable_spec()->set_host_ipc(true);
  p.mutable_spec()->set_set_hostname_as_fqdn(true);
  p.mutable_status()->set_pod_ip("10.0.0.1");
  p.mutable_status()->add_pod_ips()->set_ip("10.0.0.1");
  p.mutable_status()->set_host_ip("1.1.1.1");
  p.mutable_status()->add_host_ips()->set_ip("1.1.1.1");
  std::string json = ToJson(p);
  for (const char* name : {"\"hostPID\"", "\"hostIPC\"", "\"setHostnameAsFQDN\"", "\"podIP\"",
                           "\"podIPs\"", "\"hostIP\"", "\"hostIPs\""}) {
    EXPECT_NE(json.find(name), std::string::npos) << name << " in " << json;
  }
  Service s;
  s.mutable_spec()->set_cluster_ip("10.96.0.1");
  s.mutable_spec()->add_cluster_ips("10.96.0.1");
  s.mutable_spec()->add_external_ips("1.2.3.4");
  s.mutable_spec()->set_load_balancer_ip("5.6.7.8");
  s.mutable_spec()->mutable_session_affinity_config()->mutable_client_ip()->set_timeout_seconds(5);
  json = ToJson(s);
  for (const char* name : {"\"clusterIP\"", "\"clusterIPs\"", "\"externalIPs\"",
                           "\"loadBalancerIP\"", "\"clientIP\""}) {
    EXPECT_NE(json.find(name), std::string::npos) << name << " in " << json;
  }
}

}  // namespace
}  // namespace skiff::api
