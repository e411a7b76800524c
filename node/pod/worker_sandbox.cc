// PodWorker: the pod sandbox (pod cgroup, network, per-pod files, pause).
#include <signal.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "node/pod/resources.h"
#include "node/pod/service_account_volume.h"
#include "node/pod/worker.h"
#include "node/pod/worker_internal.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

auto Log() {
  return log::Get("agent");
}

}  // namespace

Status PodWorker::WritePodFiles(const api::Pod& pod) {
  std::string etc = PodDir() + "/etc";
  SKIFF_RETURN_IF_ERROR(MakeDirs(etc, 0755));
  std::vector<std::string> warnings;
  ResolvConf rc = PodResolvConf(pod, options_.dns, &warnings);
  for (const auto& w : warnings)
    svc_.host->Event(pod, "Warning", "DNSConfigForming", w);
  SKIFF_RETURN_IF_ERROR(WriteFileAtomic(etc + "/resolv.conf", FormatResolvConf(rc), 0644));
  auto node_hosts = ReadFile(options_.node_hosts_file);
  std::vector<std::string> ips = pod.spec().host_network() ? options_.host_ips : state_.pod_ips;
  SKIFF_RETURN_IF_ERROR(WriteFileAtomic(
      etc + "/hosts",
      PodHostsFile(pod, ips, options_.dns.cluster_domain, node_hosts.ok() ? *node_hosts : ""),
      0644));
  if (!pod.spec().host_network()) {
    SKIFF_RETURN_IF_ERROR(WriteFileAtomic(etc + "/hostname", PodHostname(pod) + "\n", 0644));
  }
  return Status::Ok();
}

bool PodWorker::EnsureSandbox(const api::Pod& pod) {
  auto now = std::chrono::steady_clock::now();
  if (now < sandbox_retry_at_) {
    ScheduleWake(std::chrono::duration_cast<std::chrono::milliseconds>(sandbox_retry_at_ - now));
    return false;
  }
  auto failed = [&](const std::string& message) {
    {
      std::lock_guard lock(mu_);
      sandbox_error_ = "Failed to create pod sandbox: " + message;
    }
    svc_.host->Event(pod, "Warning", "FailedCreatePodSandBox", sandbox_error_);
    Log()->warn("sandbox pod={}/{} failed: {}", state_.ns, state_.name, message);
    sandbox_backoff_ = sandbox_backoff_.count() == 0
                           ? std::chrono::milliseconds(1000)
                           : std::min(sandbox_backoff_ * 2, options_.sandbox_backoff_max);
    sandbox_retry_at_ = std::chrono::steady_clock::now() + sandbox_backoff_;
    ScheduleWake(sandbox_backoff_);
    return false;
  };

  auto resources = PodCgroupResources(pod);
  if (!resources.ok()) return failed(resources.status().message());
  std::string cgroup = options_.cgroup_parent + "/pod" + uid_;
  {
    std::lock_guard lock(mu_);
    state_.cgroup = cgroup;
    if (!pod.spec().host_network()) state_.netns_path = svc_.network->NetnsPathFor(uid_);
  }
  // Recorded before anything is created, so a crash in between is cleaned up.
  SaveState();
  auto t = StageTimes::Clock::now();
  Status st = svc_.cgroups->Create(cgroup, true);
  if (st.ok()) {
    int64_t shares_milli = std::max<int64_t>(resources->requests.cpu_milli, 2);
    CgroupResources r = ResourcesFromMilliCpu(shares_milli, resources->limits.cpu_milli,
                                              resources->limits.memory_bytes);
    st = svc_.cgroups->Apply(cgroup, r);
  }
  if (!st.ok()) {
    (void)svc_.cgroups->Remove(cgroup);
    return failed("pod cgroup: " + st.message());
  }
  start_times_.Since("cgroup", t);
  auto net = svc_.network->Setup(pod, options_.pod_cidrs, &start_times_);
  if (!net.ok()) {
    (void)svc_.cgroups->Remove(cgroup);
    return failed(net.status().message());
  }
  {
    std::lock_guard lock(mu_);
    state_.netns_path = net->netns_path;
    state_.pod_ips = net->ips;
    state_.network = net->network;
  }
  // Not saved yet: the save below follows within the same sync, and until
  // then the first save's netns path and cgroup are all a clean-up needs
  // (DEL falls back to the configured network). Each save is a new inode,
  // which is what a pod start pays most for on a busy ext4.
  auto undo = [&](const std::string& message) {
    ReleaseSandbox(pod);
    return failed(message);
  };
  if (pod.spec().share_process_namespace() && !pod.spec().host_pid()) {
    ContainerConfig pause;
    pause.pod_uid = uid_;
    pause.pod_namespace = state_.ns;
    pause.pod_name = state_.name;
    pause.pause = true;
    pause.netns_path = state_.netns_path;
    pause.hostname = pod.spec().host_network() ? "" : PodHostname(pod);
    pause.cgroup_parent = cgroup;
    auto h = svc_.runtime->Start(pause);
    if (!h.ok()) return undo("pause process: " + h.status().message());
    std::lock_guard lock(mu_);
    pause_ = *h;
  }
  t = StageTimes::Clock::now();
  st = WritePodFiles(pod);
  if (!st.ok()) return undo(st.message());
  start_times_.Since("pod_files", t);
  {
    std::lock_guard lock(mu_);
    state_.sandbox_ready = true;
    sandbox_error_.clear();
  }
  sandbox_backoff_ = std::chrono::milliseconds(0);
  SaveState();
  Log()->info("sandbox ready pod={}/{} uid={} ips={}", state_.ns, state_.name, uid_,
              state_.pod_ips.empty() ? std::string("host") : state_.pod_ips[0]);
  return true;
}

bool PodWorker::SyncVolumes(const api::Pod& pod) {
  auto t = StageTimes::Clock::now();
  Status st = volumes_.SetUp(pod, svc_.host->EnvSourcesFor(pod));
  if (!start_reported_) start_times_.Since("volumes", t);
  if (st.ok()) {
    volumes_ready_ = true;
    volume_error_.clear();
    return true;
  }
  ReportVolumeError(pod, st.message());
  return volumes_ready_;
}

void PodWorker::ReportVolumeError(const api::Pod& pod, const std::string& message) {
  // Kubelet repeats FailedMount while it lasts; once per message or minute here.
  auto now = std::chrono::steady_clock::now();
  if (message != volume_error_ || now - volume_event_at_ >= std::chrono::minutes(1)) {
    svc_.host->Event(pod, "Warning", "FailedMount", message);
    Log()->warn("volumes pod={}/{}: {}", state_.ns, state_.name, message);
    volume_error_ = message;
    volume_event_at_ = now;
  }
  // Retried when a referenced Secret/ConfigMap changes (Poke) and at least this often.
  ScheduleWake(std::chrono::seconds(2));
}

std::shared_ptr<const api::Pod> PodWorker::EffectivePod(
    const std::shared_ptr<const api::Pod>& pod) {
  if (!automount_) {
    auto decided = svc_.host->AutomountServiceAccountToken(*pod);
    if (!decided.ok()) {
      ReportVolumeError(*pod, "MountVolume.SetUp failed for volume \"" + ApiAccessVolumeName(*pod) +
                                  "\" : " + decided.status().message());
      return nullptr;
    }
    automount_ = *decided;
  }
  if (!*automount_) return pod;
  if (effective_of_ != pod.get() || !effective_) {
    effective_ = WithApiAccessVolume(*pod);
    effective_of_ = pod.get();
  }
  return effective_;
}

void PodWorker::ReleaseSandbox(const api::Pod& pod) {
  for (auto* list : {&init_, &app_}) {
    for (auto& c : *list)
      RemoveInstance(*c);
  }
  std::optional<ContainerHandle> pause;
  {
    std::lock_guard lock(mu_);
    pause = pause_;
  }
  if (pause) {
    (void)svc_.runtime->Signal(*pause, SIGKILL);
    (void)svc_.runtime->Remove(*pause);
    std::lock_guard lock(mu_);
    pause_.reset();
  }
  // Containers are gone: nothing holds the volumes any more.
  Status vst = volumes_.TearDown();
  if (!vst.ok())
    Log()->warn("removing volumes pod={}/{}: {}", state_.ns, state_.name, vst.message());
  volumes_ready_ = false;
  PodNetworkState net{state_.netns_path, state_.pod_ips, state_.network};
  Status st = svc_.network->Teardown(uid_, state_.ns, state_.name, net);
  if (!st.ok()) {
    svc_.host->Event(pod, "Warning", "FailedKillPod",
                     "error killing pod: failed to tear down the pod network: " + st.message());
    Log()->warn("network teardown pod={}/{} failed, will retry: {}", state_.ns, state_.name,
                st.message());
    // Keep sandbox_ready: the caller retries.
    std::lock_guard lock(mu_);
    state_.sandbox_ready = true;
    return;
  }
  if (!state_.cgroup.empty()) {
    (void)svc_.cgroups->KillAll(state_.cgroup);
    st = svc_.cgroups->Remove(state_.cgroup);
    if (!st.ok()) Log()->warn("removing pod cgroup {}: {}", state_.cgroup, st.message());
  }
  {
    std::lock_guard lock(mu_);
    state_.sandbox_ready = false;
    state_.netns_path.clear();
    state_.network.clear();
    state_.cgroup.clear();
  }
  SaveState();
}

}  // namespace skiff::node
