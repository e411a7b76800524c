#include "tests/controllers/fake_kubelet.h"

#include <google/protobuf/util/time_util.h>

#include "api/client/typed.h"

namespace skiff::testing {

FakeKubelet::FakeKubelet(api::ApiClient& client, Options options)
    : client_(client), options_(std::move(options)) {
  api::Node node;
  node.mutable_metadata()->set_name(options_.node_name);
  (*node.mutable_metadata()->mutable_labels())["kubernetes.io/hostname"] = options_.node_name;
  for (const char* r : {"capacity", "allocatable"}) {
    auto* m = std::string(r) == "capacity" ? node.mutable_status()->mutable_capacity()
                                           : node.mutable_status()->mutable_allocatable();
    (*m)["cpu"] = "64";
    (*m)["memory"] = "256Gi";
    (*m)["pods"] = "1000";
  }
  auto* ready = node.mutable_status()->add_conditions();
  ready->set_type("Ready");
  ready->set_status("True");
  *ready->mutable_last_heartbeat_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto created = api::CreateObject(client_, node);
  if (created.ok()) {
    api::Node with_status = *created;
    *with_status.mutable_status() = node.status();
    (void)api::UpdateObject(client_, with_status, /*status=*/true);
  }
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  api::EventHandlers h;
  h.on_add = [this](const api::ObjectPtr& o) { Sync(static_cast<const api::Pod&>(*o)); };
  h.on_update = [this](const api::ObjectPtr&, const api::ObjectPtr& o) {
    Sync(static_cast<const api::Pod&>(*o));
  };
  pods_->AddHandlers(std::move(h));
  pods_->Start();
  pods_->WaitForSync(std::chrono::seconds(5));
}

FakeKubelet::~FakeKubelet() {
  pods_->Stop();
}

void FakeKubelet::Resync() {
  for (const auto& p : pods_->List())
    Sync(*p);
}

void FakeKubelet::Sync(const api::Pod& pod) {
  if (pod.spec().node_name().empty()) {
    if (!options_.bind_unscheduled || pod.metadata().has_deletion_timestamp()) return;
    api::Pod bound = pod;
    bound.mutable_spec()->set_node_name(options_.node_name);
    (void)api::UpdateObject(client_, bound);
    return;
  }
  if (pod.spec().node_name() != options_.node_name) return;
  if (pod.metadata().has_deletion_timestamp()) {
    api::DeleteRequest del;
    del.set_kind("Pod");
    del.set_namespace_(pod.metadata().namespace_());
    del.set_name(pod.metadata().name());
    del.set_grace_period_seconds(0);
    del.set_precondition_uid(pod.metadata().uid());
    (void)client_.Delete(del);
    return;
  }
  std::string ip;
  {
    std::lock_guard lock(mu_);
    auto& slot = ips_[pod.metadata().uid()];
    if (slot.empty()) {
      int n = next_ip_++;
      slot = "10.244.0." + std::to_string(n % 250 + 2);
    }
    ip = slot;
  }
  bool ready = !options_.ready || options_.ready(pod);
  bool is_ready = false;
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") is_ready = c.status() == "True";
  }
  if (pod.status().phase() == "Running" && pod.status().pod_ip() == ip && is_ready == ready) return;
  api::Pod st = pod;
  auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto* s = st.mutable_status();
  s->set_phase("Running");
  s->set_pod_ip(ip);
  s->clear_pod_ips();
  s->add_pod_ips()->set_ip(ip);
  s->set_host_ip("192.0.2.1");
  s->clear_conditions();
  for (const char* type : {"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
    auto* c = s->add_conditions();
    c->set_type(type);
    bool value = std::string(type) == "PodScheduled" || std::string(type) == "Initialized" || ready;
    c->set_status(value ? "True" : "False");
    *c->mutable_last_transition_time() = now;
  }
  s->clear_container_statuses();
  for (const auto& c : pod.spec().containers()) {
    auto* cs = s->add_container_statuses();
    cs->set_name(c.name());
    cs->set_image(c.image());
    cs->set_ready(ready);
    cs->set_started(true);
    *cs->mutable_state()->mutable_running()->mutable_started_at() = now;
  }
  (void)api::UpdateObject(client_, st, /*status=*/true);
}

}  // namespace skiff::testing
