#include "api/defaults.h"

#include <google/protobuf/message.h>

#include "api/defaults_internal.h"
#include "api/int_or_string.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/batch.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/rbac.pb.h"

namespace skiff::api {
namespace {

using google::protobuf::DynamicCastToGenerated;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

void DefaultTemplate(PodTemplateSpec* t) {
  DefaultPodSpec(t->mutable_spec());
}

void DefaultService(Service* s) {
  ServiceSpec* spec = s->mutable_spec();
  if (spec->type().empty()) spec->set_type("ClusterIP");
  if (spec->session_affinity().empty()) spec->set_session_affinity("None");
  if (spec->session_affinity() == "ClientIP" &&
      !spec->session_affinity_config().client_ip().has_timeout_seconds()) {
    spec->mutable_session_affinity_config()->mutable_client_ip()->set_timeout_seconds(10800);
  }
  for (ServicePort& p : *spec->mutable_ports()) {
    if (p.protocol().empty()) p.set_protocol("TCP");
    bool unset = !IsSet(p.target_port()) ||
                 (p.target_port().has_number_value() && p.target_port().number_value() == 0) ||
                 (p.target_port().has_string_value() && p.target_port().string_value().empty());
    if (unset) SetInt(p.mutable_target_port(), p.port());
  }
  bool external = spec->type() == "NodePort" || spec->type() == "LoadBalancer";
  if (external && spec->external_traffic_policy().empty()) {
    spec->set_external_traffic_policy("Cluster");
  }
  if (spec->type() != "ExternalName" && !spec->has_internal_traffic_policy()) {
    spec->set_internal_traffic_policy("Cluster");
  }
  if (spec->type() == "LoadBalancer" && !spec->has_allocate_load_balancer_node_ports()) {
    spec->set_allocate_load_balancer_node_ports(true);
  }
}

void DefaultEndpointSlice(EndpointSlice* s) {
  for (EndpointPort& p : *s->mutable_ports()) {
    if (!p.has_name()) p.set_name("");
    if (!p.has_protocol()) p.set_protocol("TCP");
  }
}

void DefaultEndpoints(Endpoints* e) {
  for (EndpointSubset& subset : *e->mutable_subsets()) {
    for (CoreEndpointPort& port : *subset.mutable_ports()) {
      if (port.protocol().empty()) port.set_protocol("TCP");
    }
  }
}

void DefaultDeployment(Deployment* d) {
  DeploymentSpec* spec = d->mutable_spec();
  if (!spec->has_replicas()) spec->set_replicas(1);
  DeploymentStrategy* strategy = spec->mutable_strategy();
  if (strategy->type().empty()) strategy->set_type("RollingUpdate");
  if (strategy->type() == "RollingUpdate") {
    RollingUpdateDeployment* ru = strategy->mutable_rolling_update();
    if (!IsSet(ru->max_unavailable())) SetString(ru->mutable_max_unavailable(), "25%");
    if (!IsSet(ru->max_surge())) SetString(ru->mutable_max_surge(), "25%");
  }
  if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
  if (!spec->has_progress_deadline_seconds()) spec->set_progress_deadline_seconds(600);
  DefaultTemplate(spec->mutable_template_());
}

void DefaultReplicaSet(ReplicaSet* rs) {
  if (!rs->spec().has_replicas()) rs->mutable_spec()->set_replicas(1);
  DefaultTemplate(rs->mutable_spec()->mutable_template_());
}

void DefaultStatefulSet(StatefulSet* s) {
  StatefulSetSpec* spec = s->mutable_spec();
  if (!spec->has_replicas()) spec->set_replicas(1);
  if (spec->pod_management_policy().empty()) spec->set_pod_management_policy("OrderedReady");
  StatefulSetUpdateStrategy* strategy = spec->mutable_update_strategy();
  if (strategy->type().empty()) strategy->set_type("RollingUpdate");
  if (strategy->type() == "RollingUpdate" && !strategy->rolling_update().has_partition()) {
    strategy->mutable_rolling_update()->set_partition(0);
  }
  if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
  auto* retention = spec->mutable_persistent_volume_claim_retention_policy();
  if (retention->when_deleted().empty()) retention->set_when_deleted("Retain");
  if (retention->when_scaled().empty()) retention->set_when_scaled("Retain");
  for (PersistentVolumeClaim& pvc : *spec->mutable_volume_claim_templates()) {
    if (!pvc.spec().has_volume_mode()) pvc.mutable_spec()->set_volume_mode("Filesystem");
  }
  DefaultTemplate(spec->mutable_template_());
}

void DefaultDaemonSet(DaemonSet* d) {
  DaemonSetSpec* spec = d->mutable_spec();
  DaemonSetUpdateStrategy* strategy = spec->mutable_update_strategy();
  if (strategy->type().empty()) strategy->set_type("RollingUpdate");
  if (strategy->type() == "RollingUpdate") {
    RollingUpdateDaemonSet* ru = strategy->mutable_rolling_update();
    if (!IsSet(ru->max_unavailable())) SetInt(ru->mutable_max_unavailable(), 1);
    if (!IsSet(ru->max_surge())) SetInt(ru->mutable_max_surge(), 0);
  }
  if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
  DefaultTemplate(spec->mutable_template_());
}

void AddPolicy(HPAScalingRules* rules, const char* type, int value, int period) {
  HPAScalingPolicy* p = rules->add_policies();
  p->set_type(type);
  p->set_value(value);
  p->set_period_seconds(period);
}

void DefaultHPA(HorizontalPodAutoscaler* h) {
  HorizontalPodAutoscalerSpec* spec = h->mutable_spec();
  if (!spec->has_min_replicas()) spec->set_min_replicas(1);
  if (spec->metrics_size() == 0) {
    MetricSpec* m = spec->add_metrics();
    m->set_type("Resource");
    m->mutable_resource()->set_name("cpu");
    m->mutable_resource()->mutable_target()->set_type("Utilization");
    m->mutable_resource()->mutable_target()->set_average_utilization(80);
  }
  if (spec->has_behavior()) {
    // Kubernetes fills the rules only when behavior is given at all.
    HPAScalingRules* up = spec->mutable_behavior()->mutable_scale_up();
    if (!up->has_stabilization_window_seconds()) up->set_stabilization_window_seconds(0);
    if (!up->has_select_policy()) up->set_select_policy("Max");
    if (up->policies_size() == 0) {
      AddPolicy(up, "Pods", 4, 15);
      AddPolicy(up, "Percent", 100, 15);
    }
    // scaleDown.stabilizationWindowSeconds stays unset: the autoscaler's own default
    // (300s) applies, as in Kubernetes.
    HPAScalingRules* down = spec->mutable_behavior()->mutable_scale_down();
    if (!down->has_select_policy()) down->set_select_policy("Max");
    if (down->policies_size() == 0) AddPolicy(down, "Percent", 100, 15);
  }
}

void DefaultSecret(Secret* s) {
  if (s->type().empty()) s->set_type("Opaque");
  for (const auto& [k, v] : s->string_data())
    (*s->mutable_data())[k] = v;
  s->clear_string_data();
}

void DefaultNamespace(Namespace* ns) {
  if (!ns->metadata().name().empty()) {
    (*ns->mutable_metadata()->mutable_labels())["kubernetes.io/metadata.name"] =
        ns->metadata().name();
  }
  if (ns->status().phase().empty()) ns->mutable_status()->set_phase("Active");
}

void DefaultNode(Node* n) {
  if (n->status().allocatable().empty() && !n->status().capacity().empty()) {
    *n->mutable_status()->mutable_allocatable() = n->status().capacity();
  }
}

void DefaultSubjects(google::protobuf::RepeatedPtrField<Subject>* subjects) {
  for (Subject& s : *subjects) {
    if (!s.api_group().empty()) continue;
    if (s.kind() == "User" || s.kind() == "Group") s.set_api_group(kRbacGroup);
  }
}

template <typename T>
T* As(google::protobuf::Message& m) {
  return DynamicCastToGenerated<T>(&m);
}

}  // namespace

void ApplyDefaults(google::protobuf::Message& object) {
  if (auto* pod = As<Pod>(object)) return DefaultPod(pod);
  if (auto* svc = As<Service>(object)) return DefaultService(svc);
  if (auto* eps = As<EndpointSlice>(object)) return DefaultEndpointSlice(eps);
  if (auto* ep = As<Endpoints>(object)) return DefaultEndpoints(ep);
  if (auto* d = As<Deployment>(object)) return DefaultDeployment(d);
  if (auto* rs = As<ReplicaSet>(object)) return DefaultReplicaSet(rs);
  if (auto* sts = As<StatefulSet>(object)) return DefaultStatefulSet(sts);
  if (auto* ds = As<DaemonSet>(object)) return DefaultDaemonSet(ds);
  if (auto* hpa = As<HorizontalPodAutoscaler>(object)) return DefaultHPA(hpa);
  if (auto* job = As<Job>(object)) return DefaultJob(job);
  if (auto* cj = As<CronJob>(object)) return DefaultCronJob(cj);
  if (auto* secret = As<Secret>(object)) return DefaultSecret(secret);
  if (auto* ns = As<Namespace>(object)) return DefaultNamespace(ns);
  if (auto* node = As<Node>(object)) return DefaultNode(node);
  if (auto* rb = As<RoleBinding>(object)) return DefaultSubjects(rb->mutable_subjects());
  if (auto* crb = As<ClusterRoleBinding>(object)) return DefaultSubjects(crb->mutable_subjects());
  // ConfigMap, ServiceAccount, Event, Role, ClusterRole: nothing to default.
}

}  // namespace skiff::api
