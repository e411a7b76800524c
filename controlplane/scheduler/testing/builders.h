// Test builders for pods and nodes (in-memory fixtures for scheduler tests).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "controlplane/scheduler/pod_info.h"
#include "skiff/api/core.pb.h"

namespace skiff::scheduler::testing {

class PodBuilder {
 public:
  explicit PodBuilder(const std::string& name, const std::string& ns = "default") {
    pod_.mutable_metadata()->set_name(name);
    pod_.mutable_metadata()->set_namespace_(ns);
    pod_.mutable_metadata()->set_uid("uid-" + ns + "-" + name);
    pod_.mutable_spec()->set_scheduler_name("default-scheduler");
    pod_.mutable_spec()->add_containers()->set_name("c");
  }
  PodBuilder& Label(const std::string& k, const std::string& v) {
    (*pod_.mutable_metadata()->mutable_labels())[k] = v;
    return *this;
  }
  // Requests on the first container ("" leaves a resource out).
  PodBuilder& Req(const std::string& cpu, const std::string& memory = "") {
    auto* r = pod_.mutable_spec()->mutable_containers(0)->mutable_resources()->mutable_requests();
    if (!cpu.empty()) (*r)["cpu"] = cpu;
    if (!memory.empty()) (*r)["memory"] = memory;
    return *this;
  }
  PodBuilder& Resource(const std::string& name, const std::string& q) {
    (*pod_.mutable_spec()->mutable_containers(0)->mutable_resources()->mutable_requests())[name] =
        q;
    return *this;
  }
  PodBuilder& NodeSelector(const std::string& k, const std::string& v) {
    (*pod_.mutable_spec()->mutable_node_selector())[k] = v;
    return *this;
  }
  PodBuilder& Toleration(const std::string& key, const std::string& op, const std::string& value,
                         const std::string& effect) {
    auto* t = pod_.mutable_spec()->add_tolerations();
    t->set_key(key);
    t->set_operator_(op);
    t->set_value(value);
    t->set_effect(effect);
    return *this;
  }
  PodBuilder& HostPort(int32_t port, const std::string& protocol = "TCP",
                       const std::string& ip = "") {
    auto* p = pod_.mutable_spec()->mutable_containers(0)->add_ports();
    p->set_container_port(port);
    p->set_host_port(port);
    p->set_protocol(protocol);
    p->set_host_ip(ip);
    return *this;
  }
  PodBuilder& NodeName(const std::string& n) {
    pod_.mutable_spec()->set_node_name(n);
    return *this;
  }
  PodBuilder& Terminating() {
    pod_.mutable_metadata()->mutable_deletion_timestamp()->set_seconds(1);
    return *this;
  }
  api::PodSpec& spec() { return *pod_.mutable_spec(); }
  api::Pod& pod() { return pod_; }

  std::shared_ptr<const api::Pod> Build() const { return std::make_shared<api::Pod>(pod_); }
  PodInfoPtr Info() const {
    auto info = NewPodInfo(Build());
    return info.ok() ? *info : nullptr;
  }

 private:
  api::Pod pod_;
};

class NodeBuilder {
 public:
  // Allocatable cpu / memory / pods (cpu "" leaves allocatable empty).
  explicit NodeBuilder(const std::string& name, const std::string& cpu = "4",
                       const std::string& memory = "8Gi", const std::string& pods = "110") {
    node_.mutable_metadata()->set_name(name);
    (*node_.mutable_metadata()->mutable_labels())["kubernetes.io/hostname"] = name;
    if (!cpu.empty()) {
      auto& a = *node_.mutable_status()->mutable_allocatable();
      a["cpu"] = cpu;
      a["memory"] = memory;
      a["pods"] = pods;
    }
  }
  NodeBuilder& Label(const std::string& k, const std::string& v) {
    (*node_.mutable_metadata()->mutable_labels())[k] = v;
    return *this;
  }
  NodeBuilder& Allocatable(const std::string& name, const std::string& q) {
    (*node_.mutable_status()->mutable_allocatable())[name] = q;
    return *this;
  }
  NodeBuilder& Taint(const std::string& key, const std::string& value, const std::string& effect) {
    auto* t = node_.mutable_spec()->add_taints();
    t->set_key(key);
    t->set_value(value);
    t->set_effect(effect);
    return *this;
  }
  NodeBuilder& Unschedulable() {
    node_.mutable_spec()->set_unschedulable(true);
    return *this;
  }
  api::Node& node() { return node_; }
  std::shared_ptr<const api::Node> Build() const { return std::make_shared<api::Node>(node_); }

 private:
  api::Node node_;
};

}  // namespace skiff::scheduler::testing
