#include "node/agent/node_status.h"

#include "api/client/typed.h"
#include "api/quantity.h"
#include "common/log.h"
#include "node/pod/status.h"

namespace skiff::node {
namespace {

constexpr int64_t kEvictionMemory = 100 << 20;

auto Log() {
  return log::Get("agent");
}

std::string Cpu(int64_t milli) {
  return api::Quantity::FromMilli(milli).ToString();
}
std::string Bytes(int64_t b) {
  return api::Quantity::FromUnits(b, api::Quantity::Format::kBinarySI).ToString();
}

void Condition(api::NodeStatus* s, const api::NodeStatus& prev, const std::string& type, bool value,
               const std::string& reason, const std::string& message, int64_t now_ns) {
  auto* c = s->add_conditions();
  c->set_type(type);
  c->set_status(value ? "True" : "False");
  c->set_reason(reason);
  c->set_message(message);
  *c->mutable_last_heartbeat_time() = ToTimestamp(now_ns);
  *c->mutable_last_transition_time() = ToTimestamp(now_ns);
  for (const auto& p : prev.conditions()) {
    if (p.type() == type && p.status() == c->status() && p.has_last_transition_time()) {
      *c->mutable_last_transition_time() = p.last_transition_time();
    }
  }
}

}  // namespace

ResourceAmounts Allocatable(const NodeConfig& c) {
  ResourceAmounts a;
  a.cpu_milli = std::max<int64_t>(0, c.capacity.cpu_milli - c.reserved.cpu_milli);
  a.memory_bytes =
      std::max<int64_t>(0, c.capacity.memory_bytes - c.reserved.memory_bytes - kEvictionMemory);
  a.ephemeral_bytes = std::max<int64_t>(
      0, c.capacity.ephemeral_bytes - c.reserved.ephemeral_bytes - c.capacity.ephemeral_bytes / 10);
  return a;
}

api::NodeStatus BuildNodeStatus(const NodeConfig& c, const Pressure& p, const Status& network,
                                const api::NodeStatus& prev, int64_t now_ns) {
  api::NodeStatus s;
  auto& cap = *s.mutable_capacity();
  cap["cpu"] = Cpu(c.capacity.cpu_milli);
  cap["memory"] = Bytes(c.capacity.memory_bytes);
  cap["pods"] = std::to_string(c.max_pods);
  if (c.capacity.ephemeral_bytes > 0) cap["ephemeral-storage"] = Bytes(c.capacity.ephemeral_bytes);
  ResourceAmounts a = Allocatable(c);
  auto& alloc = *s.mutable_allocatable();
  alloc["cpu"] = Cpu(a.cpu_milli);
  alloc["memory"] = Bytes(a.memory_bytes);
  alloc["pods"] = std::to_string(c.max_pods);
  if (c.capacity.ephemeral_bytes > 0) alloc["ephemeral-storage"] = Bytes(a.ephemeral_bytes);
  for (const auto& ip : c.internal_ips) {
    auto* addr = s.add_addresses();
    addr->set_type("InternalIP");
    addr->set_address(ip);
  }
  auto* host = s.add_addresses();
  host->set_type("Hostname");
  host->set_address(c.machine.hostname.empty() ? c.name : c.machine.hostname);
  s.mutable_daemon_endpoints()->mutable_kubelet_endpoint()->set_port(c.port);
  auto* info = s.mutable_node_info();
  info->set_machine_id(c.machine.machine_id);
  info->set_system_uuid(c.machine.machine_id);
  info->set_boot_id(c.machine.boot_id);
  info->set_kernel_version(c.machine.kernel_version);
  info->set_os_image(c.machine.os_image);
  info->set_container_runtime_version("skiff-process://" + c.version.substr(1));
  info->set_kubelet_version(c.version);
  info->set_kube_proxy_version(c.version);
  info->set_operating_system("linux");
  info->set_architecture(c.machine.architecture);

  bool mem = p.memory_available_bytes >= 0 && p.memory_available_bytes < kEvictionMemory;
  bool disk = p.disk_total_bytes > 0 && p.disk_available_bytes * 10 < p.disk_total_bytes;
  bool pids = p.pid_max > 0 && p.pids_in_use >= 0 && (p.pid_max - p.pids_in_use) * 20 < p.pid_max;
  Condition(
      &s, prev, "MemoryPressure", mem,
      mem ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
      mem ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available",
      now_ns);
  Condition(&s, prev, "DiskPressure", disk,
            disk ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
            disk ? "kubelet has disk pressure" : "kubelet has no disk pressure", now_ns);
  Condition(
      &s, prev, "PIDPressure", pids, pids ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
      pids ? "kubelet has insufficient PID available" : "kubelet has sufficient PID available",
      now_ns);
  if (network.ok()) {
    Condition(&s, prev, "Ready", true, "KubeletReady", "kubelet is posting ready status", now_ns);
  } else {
    Condition(&s, prev, "Ready", false, "KubeletNotReady",
              "container runtime network not ready: NetworkReady=false "
              "reason:NetworkPluginNotReady message:" +
                  network.message(),
              now_ns);
  }
  return s;
}

NodeRegistrar::NodeRegistrar(api::ApiClient& client, NodeConfig config)
    : client_(client), config_(std::move(config)) {}

NodeRegistrar::~NodeRegistrar() {
  Stop();
}

api::Node NodeRegistrar::Desired() const {
  api::Node n;
  n.mutable_metadata()->set_name(config_.name);
  auto& labels = *n.mutable_metadata()->mutable_labels();
  labels["kubernetes.io/hostname"] = config_.name;
  labels["kubernetes.io/os"] = "linux";
  labels["kubernetes.io/arch"] = config_.machine.architecture;
  labels["beta.kubernetes.io/os"] = "linux";
  labels["beta.kubernetes.io/arch"] = config_.machine.architecture;
  for (const auto& [k, v] : config_.labels)
    labels[k] = v;
  return n;
}

Result<api::Node> NodeRegistrar::Register(std::chrono::milliseconds cidr_wait) {
  api::Node desired = Desired();
  auto created = api::CreateObject(client_, desired);
  api::Node node;
  if (created.ok()) {
    node = *created;
    Log()->info("registered node={} podCIDRs={}", config_.name,
                node.spec().pod_cidrs_size() ? node.spec().pod_cidrs(0) : "none");
  } else if (created.status().code() == StatusCode::kAlreadyExists) {
    auto existing = api::GetObject<api::Node>(client_, "", config_.name);
    if (!existing.ok()) return existing.status();
    node = *existing;
    bool changed = false;
    for (const auto& [k, v] : desired.metadata().labels()) {
      auto& labels = *node.mutable_metadata()->mutable_labels();
      if (labels[k] != v) {
        labels[k] = v;
        changed = true;
      }
    }
    if (changed) {
      auto updated = api::UpdateObject(client_, node);
      if (!updated.ok()) return updated.status();
      node = *updated;
    }
    Log()->info("took over existing node={}", config_.name);
  } else {
    return created.status().WithContext("registering node " + config_.name);
  }
  auto deadline = std::chrono::steady_clock::now() + cidr_wait;
  while (node.spec().pod_cidrs_size() == 0 && node.spec().pod_cidr().empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto fresh = api::GetObject<api::Node>(client_, "", config_.name);
    if (fresh.ok()) node = *fresh;
  }
  {
    std::lock_guard lock(mu_);
    pod_cidrs_.assign(node.spec().pod_cidrs().begin(), node.spec().pod_cidrs().end());
    if (pod_cidrs_.empty() && !node.spec().pod_cidr().empty())
      pod_cidrs_ = {node.spec().pod_cidr()};
  }
  if (PodCidrs().empty()) {
    Log()->warn("node={} has no pod CIDR; pod addresses come from the CNI configuration alone",
                config_.name);
  }
  SKIFF_RETURN_IF_ERROR(Heartbeat());
  return node;
}

Status NodeRegistrar::Heartbeat() {
  Status network = config_.network_ready ? config_.network_ready() : Status::Ok();
  api::Node n;
  n.mutable_metadata()->set_name(config_.name);
  {
    std::lock_guard lock(mu_);
    *n.mutable_status() =
        BuildNodeStatus(config_, ReadPressure(config_.root_dir), network, last_, NowNanos());
  }
  auto r = api::UpdateObject(client_, n, true);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
    Log()->warn("node={} was deleted; registering again", config_.name);
    auto created = api::CreateObject(client_, Desired());
    if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
      return created.status();
    }
    r = api::UpdateObject(client_, n, true);
  }
  if (!r.ok()) return r.status().WithContext("node status update");
  std::lock_guard lock(mu_);
  last_ = n.status();
  return Status::Ok();
}

void NodeRegistrar::StartHeartbeats(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, interval, [&] { return stop_; });
      if (stop_) break;
      lock.unlock();
      Status st = Heartbeat();
      if (!st.ok()) Log()->warn("heartbeat node={}: {}", config_.name, st.message());
      lock.lock();
    }
  });
}

void NodeRegistrar::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> NodeRegistrar::PodCidrs() const {
  std::lock_guard lock(mu_);
  return pod_cidrs_;
}

}  // namespace skiff::node
